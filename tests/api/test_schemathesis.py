"""Contract tests (issue 9, point 5): schemathesis generates requests from the live OpenAPI
document and sends them with a token per role. No answer may be a server error or stray from
the document, and no token may read or write beyond its scopes and its organisations.

Bounded and deterministic: a few examples per operation, token and generation mode, with
Hypothesis derandomized. Requests go through Django's test handler in-process (WSGI), inside
the test's transaction.
"""

import base64
import datetime
import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from certificates.models import RequirementLevel
from courses.services.progress import module_complete
from lms.accounts.models import Organisation
from lms.api.auth import token_organisations, token_staff
from lms.api.models import ApiScope, ApiToken
from lms.api.services import api_token_create
from tests.conftest import sign_in
from tests.factories import JobRoleFactory, StaffProfileFactory, module_page, program_page
from tests.factories.certificates import (
    CredentialTypeFactory,
    pdf_bytes,
    record_external,
    require,
    verify,
)

from .conftest import grant

EXAMPLES = 5  # per operation, token and generation mode
WRITES = {("POST", "/api/v1/staff"), ("POST", "/api/v1/credentials/external")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class DjangoTestWSGI:
    """A WSGI application over Django's test handler, so that requests run inside the test's
    database transaction (the plain WSGI handler would close the connection after each)."""

    def __init__(self):
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ, start_response):
        response = self.handler(environ)
        headers = [(name, value) for name, value in response.items()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]


@pytest.fixture
def world(city):
    """Something to read in every area: credentials, a completion, a role with a requirement."""
    hr = city.user("hr")
    for _ in range(3):
        StaffProfileFactory(organisation=city.department)
        StaffProfileFactory(organisation=city.sharing_cbo)
    senior = JobRoleFactory(name="Senior responder")
    cpr = CredentialTypeFactory(slug="cpr", name="CPR")
    CredentialTypeFactory(slug="first-aid", name="First aid")
    require(senior, cpr, level=RequirementLevel.REQUIRED)
    for profile in (city.learner, city.cbo_learner):
        credential = record_external(
            holder=profile.user, credential_type=cpr, issued_on=datetime.date(2025, 6, 1)
        )
        verify(credential=credential, actor=hr)
    record_external(holder=city.private_cbo_learner.user, credential_type=cpr)
    scenario = module_page(program_page("Academy"), title="Scenario", training_type="scenario")
    for profile in (city.learner, city.cbo_learner, city.private_cbo_learner):
        module_complete(user=profile.user, module=scenario, source="scenario_attempt")
    return city


@pytest.fixture
def openapi(world, client):
    """The live OpenAPI document, as a signed-in administrator reads it."""
    admin = sign_in(Client(), world.user("admin"))
    response = admin.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = from_dict(response.json())
    schema.app = DjangoTestWSGI()
    return schema


def _tokens(city) -> dict[str, ApiToken]:
    every = [str(scope) for scope in ApiScope]
    supervisor = grant(city.user("supervisor"), "accounts.use_api")
    specs = {
        "hr": (city.user("hr"), every, None),
        "admin": (city.user("admin"), every, None),
        "supervisor": (supervisor, ["staff:read", "completions:read", "readiness:read"], None),
        "hr_for_eastside": (city.user("hr"), every, city.sharing_cbo),
        "hr_read_only": (city.user("hr"), ["staff:read", "credentials:read"], None),
    }
    made = {}
    for name, (owner, scopes, organisation) in specs.items():
        token, secret = api_token_create(
            owner=owner, name=name, scopes=scopes, organisation=organisation
        )
        token.secret = secret
        made[name] = token
    return made


def _organisations_in_reach(token: ApiToken) -> set[str]:
    slugs = set(token_organisations(token).values_list("slug", flat=True))
    return slugs | set(token_staff(token).values_list("organisation__slug", flat=True))


def _scope_for(method: str, path: str) -> str:
    area = path.removeprefix("/api/v1/").split("/")[0]
    kind = "write" if (method, path) in WRITES else "read"
    return f"{area}:{kind}"


def _reach_check(token: ApiToken, reach: set[str]) -> Callable:
    """Nothing outside the token's organisations is listed, shown or written; nothing beyond its
    scopes succeeds."""

    def check(case, response) -> None:
        method, path = case.method.upper(), case.operation.path
        ok = 200 <= response.status_code < 300
        if _scope_for(method, path) not in token.scopes:
            assert not ok, f"{method} {path} answered {response.status_code} without the scope"
            return
        if not ok:
            return
        body = json.loads(response.content)
        if method == "GET":
            items = body.get("items", [body])
            organisations = {item["organisation"] for item in items if item.get("organisation")}
        else:
            organisations = {body["organisation"]}
        assert organisations <= reach, (path, organisations - reach)

    return check


def _exercise(
    operation, mode, headers: dict, check_reach: Callable, examples: int = EXAMPLES, **fixed
) -> None:
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers, **fixed))
    def run(case):
        response = case.call(base_url="http://localhost")
        case.validate_response(response, checks=checks)
        check_reach(case, response)

    run()


def _known(city) -> dict[tuple[str, str], dict]:
    """Real people, roles and records to send, so that the answers that succeed are checked
    too (generated values mostly name nobody)."""
    pdf = base64.b64encode(pdf_bytes()).decode()
    return {
        ("GET", "/api/v1/staff/{organisation}/{employee_id}"): {
            "path_parameters": {
                "organisation": city.department.slug,
                "employee_id": city.learner.employee_id,
            }
        },
        ("GET", "/api/v1/readiness"): {"query": {"role": "Senior responder"}},
        ("POST", "/api/v1/credentials/external"): {
            "body": {
                "organisation": city.department.slug,
                "employee_id": city.learner.employee_id,
                "credential_type": "first-aid",
                "issued_on": "2025-10-01",
                "expires_on": "2027-10-01",
                "evidence": {"filename": "card.pdf", "content_base64": pdf},
                "external_id": "contract-1",
            }
        },
        ("POST", "/api/v1/staff"): {
            "body": {
                "organisation": city.department.slug,
                "staff": [
                    {
                        "employee_id": "CT-1",
                        "email": "contract.test@relay.test",
                        "first_name": "Casey",
                        "last_name": "Contract",
                        "hire_date": "2026-01-05",
                    }
                ],
            }
        },
    }


def _run(schema, city, token: ApiToken, reach: set[str]) -> None:
    headers = {"Authorization": f"Bearer {token.secret}"}
    check_reach = _reach_check(token, reach)
    known = _known(city)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, headers, check_reach)
        fixed = known.get((operation.method.upper(), operation.path))
        if fixed:
            _exercise(operation, GenerationMode.POSITIVE, headers, check_reach, 2, **fixed)


@pytest.mark.parametrize("name", ["hr", "admin", "supervisor", "hr_for_eastside", "hr_read_only"])
def test_the_api_keeps_its_contract_for_every_token(world, openapi, name):
    tokens = _tokens(world)
    token = tokens[name]
    reach = _organisations_in_reach(token)
    private = world.private_cbo.slug
    if name != "admin":
        assert private not in reach
    if name == "hr_for_eastside":
        assert reach == {world.sharing_cbo.slug}
    _run(openapi, world, token, reach)


def test_a_learner_cannot_hold_a_token(world):
    with pytest.raises(PermissionDenied):
        api_token_create(owner=world.user("learner"), name="Mine", scopes=["staff:read"])
    assert Organisation.objects.exists()

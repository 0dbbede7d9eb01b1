"""Every URL pattern of the project x every role, against one table of expected outcomes.

The resolver is walked, so a new URL without a row in `MATRIX` fails `test_every_url_has_a_row`.
Rows are matched by URL name first, then by the longest route prefix ending in `*`.
"""

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from certificates.services.ce import ce_record_external
from courses.content import quiz_spec
from courses.models import ModuleProgress
from courses.services.protocol import protocol_version_record
from courses.services.quiz import quiz_submit
from lms.accounts.services import invitation_create
from lms.uploads import evidence_from_upload
from scenarios.services import attempt_choose, attempt_start_or_resume
from tests.conftest import sign_in
from tests.factories.certificates import CredentialTypeFactory, record_external, upload
from tests.factories.certificates import verify as verify_credential
from tests.factories.courses import (
    assign,
    edit_and_publish,
    module_page,
    program_page,
    protocol_page,
)
from tests.factories.field import observe as field_observe
from tests.factories.field import report as field_report
from tests.factories.field import start as field_start
from tests.factories.scenarios import scenario_page

ROLES = ["anonymous", "learner", "fto", "supervisor", "hr", "author", "admin", "other_org"]
CITY_ATTR = {"other_org": "cbo_supervisor"}

# Outcomes
OK = "ok"  # 200
REDIRECT = "redirect"  # 3xx elsewhere than a login page
LOGIN = "login"  # 3xx to a login page
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not_found"  # 404 (also how other organisations' people are hidden)
GONE = "gone"  # 410
BAD_REQUEST = "bad_request"  # 400: allowed, but the (empty) submission is refused
NOT_ALLOWED = "method_not_allowed"  # 405: a POST-only URL opened with GET
DENIED = "denied"  # third-party admin: 403, 404 or a bounce to a login page
ALLOWED = "allowed"  # third-party admin: anything but a denial or a server error
ANY = "any"  # allauth's own flows: anything but a server error


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def roles(default, **overrides):
    return {**everyone(default), **overrides}


@dataclass(frozen=True)
class Row:
    get: dict
    post: dict | None = None  # checked too for POST-only views


MATRIX: dict[str, Row] = {
    # --- Relay's own pages ---
    "home": Row(roles(OK, anonymous=LOGIN)),
    "healthz": Row(everyone(OK)),
    "accounts:staff_list": Row(roles(OK, anonymous=LOGIN, learner=FORBIDDEN, author=FORBIDDEN)),
    # The object is the department's learner.
    "accounts:staff_detail": Row(roles(OK, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND)),
    "accounts:staff_roles": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(
            FORBIDDEN, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND, admin=REDIRECT
        ),
    ),
    "accounts:staff_job_role": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(
            FORBIDDEN, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND, admin=REDIRECT
        ),
    ),
    "accounts:invitation_list": Row(
        roles(OK, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN)
    ),
    # The object is an open invitation into the department.
    "accounts:invitation_revoke": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN),
        post=roles(
            REDIRECT,
            anonymous=LOGIN,
            learner=FORBIDDEN,
            fto=FORBIDDEN,
            author=FORBIDDEN,
            other_org=NOT_FOUND,
        ),
    ),
    "accounts:invitation_accept": Row(roles(REDIRECT, anonymous=OK)),
    "accounts:notifications_read": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN), post=roles(REDIRECT, anonymous=LOGIN)
    ),
    # --- Curriculum: the objects are the learner's assigned program, module, attempt and
    # progress, and a protocol for the learner's job role ---
    "courses:program": Row(roles(FORBIDDEN, anonymous=LOGIN, learner=OK)),
    "courses:module": Row(roles(FORBIDDEN, anonymous=LOGIN, learner=OK)),
    "courses:quiz": Row(roles(FORBIDDEN, anonymous=LOGIN, learner=OK)),
    "courses:knowledge_check": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(FORBIDDEN, anonymous=LOGIN, learner=BAD_REQUEST),
    ),
    "courses:quiz_result": Row(roles(NOT_FOUND, anonymous=LOGIN, learner=OK)),
    "courses:protocol": Row(roles(FORBIDDEN, anonymous=LOGIN, learner=OK)),
    "courses:transcript": Row(roles(OK, anonymous=LOGIN)),
    "courses:team": Row(
        roles(OK, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN)
    ),
    "courses:team_grid": Row(
        roles(OK, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN)
    ),
    "courses:team_protocols": Row(
        roles(OK, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN)
    ),
    # Assigning is for the person's supervisor or organisation managers (and administrators);
    # HR reads but does not assign; other organisations do not see the person at all.
    "courses:assign": Row(
        roles(
            FORBIDDEN,
            anonymous=LOGIN,
            supervisor=OK,
            admin=OK,
            author=NOT_FOUND,
            other_org=NOT_FOUND,
        )
    ),
    "courses:assignment_end": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(
            FORBIDDEN,
            anonymous=LOGIN,
            supervisor=REDIRECT,
            admin=REDIRECT,
            author=NOT_FOUND,
            other_org=NOT_FOUND,
        ),
    ),
    "courses:progress_reset": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(
            FORBIDDEN,
            anonymous=LOGIN,
            supervisor=REDIRECT,
            admin=REDIRECT,
            author=NOT_FOUND,
            other_org=NOT_FOUND,
        ),
    ),
    # --- Scenarios: the learner's assigned scenario and their finished attempt ---
    "scenarios:play": Row(roles(FORBIDDEN, anonymous=LOGIN, learner=OK)),
    "scenarios:start": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(FORBIDDEN, anonymous=LOGIN, learner=REDIRECT),
    ),
    "scenarios:choose": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(NOT_FOUND, anonymous=LOGIN, learner=REDIRECT),
    ),
    "scenarios:debrief": Row(roles(NOT_FOUND, anonymous=LOGIN, learner=OK)),
    # --- Coaching: only the learner's assigned FTO reviews their finished attempt and records
    # their role-play; others holding the capability (administrators are superusers) see empty
    # lists and get 404 for the learner's records. An empty POST re-shows the form. ---
    "coaching:queue": Row(roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=OK)),
    "coaching:review": Row(
        roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=NOT_FOUND),
        post=roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=NOT_FOUND),
    ),
    "coaching:roleplay_list": Row(roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=OK)),
    "coaching:roleplay_new": Row(
        roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=NOT_FOUND),
        post=roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=NOT_FOUND),
    ),
    # --- Field training: the object is the department learner's training, primary FTO the
    # department FTO. Anyone who may not see the trainee gets 404; seeing is not signing. ---
    "field:fto_home": Row(roles(FORBIDDEN, anonymous=LOGIN, fto=OK, admin=OK)),
    "field:supervise": Row(
        roles(FORBIDDEN, anonymous=LOGIN, supervisor=OK, admin=OK, other_org=OK)
    ),
    "field:mine": Row(roles(OK, anonymous=LOGIN, learner=REDIRECT)),  # to their one record
    "field:start": Row(
        roles(FORBIDDEN, anonymous=LOGIN, supervisor=OK, admin=OK),
        post=roles(FORBIDDEN, anonymous=LOGIN, supervisor=BAD_REQUEST, admin=BAD_REQUEST),
    ),
    "field:verify": Row(
        roles(FORBIDDEN, anonymous=LOGIN, admin=OK),
        post=roles(FORBIDDEN, anonymous=LOGIN, admin=OK),
    ),
    **{
        name: Row(roles(OK, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND))
        for name in [
            "field:record",
            "field:trends",
            "field:task_book_pdf",
            "field:report",
            "field:report_pdf",
        ]
    },
    **{
        name: Row(
            roles(FORBIDDEN, anonymous=LOGIN, fto=OK, author=NOT_FOUND, other_org=NOT_FOUND),
            post=roles(
                FORBIDDEN, anonymous=LOGIN, fto=BAD_REQUEST, author=NOT_FOUND, other_org=NOT_FOUND
            ),
        )
        for name in [
            "field:shift_new",
            "field:report_new",
            "field:task_sign",
            "field:recommend",
            "field:observation_correct",
            "field:report_correct",
        ]
    },
    **{
        name: Row(
            roles(
                FORBIDDEN,
                anonymous=LOGIN,
                supervisor=OK,
                admin=OK,
                author=NOT_FOUND,
                other_org=NOT_FOUND,
            ),
            post=roles(
                FORBIDDEN,
                anonymous=LOGIN,
                supervisor=BAD_REQUEST,
                admin=BAD_REQUEST,
                author=NOT_FOUND,
                other_org=NOT_FOUND,
            ),
        )
        for name in ["field:approve", "field:extend", "field:release"]
    },
    "field:report_acknowledge": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN),
        post=roles(
            FORBIDDEN, anonymous=LOGIN, learner=REDIRECT, author=NOT_FOUND, other_org=NOT_FOUND
        ),
    ),
    # --- Credentials: the object is an external credential recorded by the department learner
    # (awaiting verification). Those who may not see the learner get 404; seeing is not deciding,
    # nobody decides on their own, and the evidence is for the holder, HR and supervisors. ---
    "credentials:mine": Row(roles(OK, anonymous=LOGIN)),
    "credentials:record": Row(roles(OK, anonymous=LOGIN), post=roles(BAD_REQUEST, anonymous=LOGIN)),
    "credentials:detail": Row(roles(OK, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND)),
    **{
        name: Row(roles(OK, anonymous=LOGIN, fto=NOT_FOUND, author=NOT_FOUND, other_org=NOT_FOUND))
        for name in ["credentials:evidence", "credentials:ce_evidence"]
    },
    **{
        f"credentials:{name}": Row(
            roles(NOT_ALLOWED, anonymous=LOGIN),
            post=roles(
                FORBIDDEN,
                anonymous=LOGIN,
                hr=BAD_REQUEST,
                admin=BAD_REQUEST,
                author=NOT_FOUND,
                other_org=NOT_FOUND,
            ),
        )
        for name in ["verify", "reject", "suspend", "reinstate", "revoke", "extend"]
    },
    "credentials:verification_queue": Row(roles(FORBIDDEN, anonymous=LOGIN, hr=OK, admin=OK)),
    "credentials:compliance": Row(
        roles(FORBIDDEN, anonymous=LOGIN, supervisor=OK, hr=OK, admin=OK, other_org=OK)
    ),
    "credentials:ce": Row(roles(OK, anonymous=LOGIN)),
    # --- Career pathways and readiness (the target role is nobody's own) ---
    "careers:mine": Row(roles(OK, anonymous=LOGIN)),
    "careers:roles": Row(roles(OK, anonymous=LOGIN)),
    "careers:role": Row(roles(OK, anonymous=LOGIN)),
    "careers:interest": Row(
        roles(NOT_ALLOWED, anonymous=LOGIN), post=roles(BAD_REQUEST, anonymous=LOGIN)
    ),
    "careers:dashboard": Row(
        roles(FORBIDDEN, anonymous=LOGIN, supervisor=OK, hr=OK, admin=OK, other_org=OK)
    ),
    # The person is the department's learner: they see their own; the FTO sees them but does
    # not assess readiness; people who cannot see them at all get a 404.
    "careers:person": Row(
        roles(OK, anonymous=LOGIN, fto=FORBIDDEN, author=NOT_FOUND, other_org=NOT_FOUND)
    ),
    "credentials:ce_new": Row(roles(OK, anonymous=LOGIN), post=roles(BAD_REQUEST, anonymous=LOGIN)),
    "credentials:preferences": Row(
        roles(OK, anonymous=LOGIN), post=roles(BAD_REQUEST, anonymous=LOGIN)
    ),
    "credentials:calendar": Row(
        roles(OK, anonymous=LOGIN), post=roles(BAD_REQUEST, anonymous=LOGIN)
    ),
    # The feed needs no sign-in: its token is the key; an unknown token is 404 for everyone.
    "credentials:calendar_feed": Row(everyone(NOT_FOUND)),
    # --- Open Badges 3.0: the holder's own badge only (the matrix credential awaits
    # verification, so the holder is sent back to its page); the JWK set, the status lists and
    # the check are public (an empty check is refused). ---
    "jwks": Row(everyone(OK)),
    "credentials:badge_download": Row(
        roles(NOT_FOUND, anonymous=LOGIN, learner=REDIRECT),
    ),
    "credentials:badge_status": Row(everyone(OK)),
    "credentials:badge_check": Row(everyone(OK), post=everyone(BAD_REQUEST)),
    # The public verification page a certificate's QR code leads to: no sign-in, the same page
    # for everyone (the object is the learner's verified credential).
    "verify:page": Row(everyone(OK)),
    # Wagtail's page serving hands each page type over to the views above.
    "wagtail_serve": Row(everyone(REDIRECT)),
    "pages/_util/login/": Row(everyone(LOGIN)),
    "wagtailcore_authenticate_with_password": Row(everyone(NOT_FOUND)),
    # --- Sign-in (allauth) ---
    "account_login": Row(roles(REDIRECT, anonymous=OK)),
    "account_signup": Row(roles(REDIRECT, anonymous=OK)),  # shows "sign-up closed"
    "account_reset_password": Row(everyone(OK)),
    "account_email": Row(roles(OK, anonymous=LOGIN)),
    "account_change_password": Row(roles(OK, anonymous=LOGIN)),
    "mfa_index": Row(roles(OK, anonymous=LOGIN)),
    # With a second factor: to the MFA overview; without: to allauth's password re-check.
    "mfa_activate_totp": Row(roles(REDIRECT, anonymous=LOGIN)),
    "accounts/*": Row(everyone(ANY)),
    # --- The two admins ---
    # HR edits credential types (and later job roles and pathways) in the same admin.
    "cms/*": Row(roles(DENIED, anonymous=LOGIN, author=ANY, hr=ANY, admin=ALLOWED)),
    "wagtailadmin_home": Row(roles(DENIED, anonymous=LOGIN, author=OK, hr=OK, admin=OK)),
    # Authors get page permissions with the curriculum; until then the explorer sends them home.
    "wagtailadmin_explore_root": Row(
        roles(DENIED, anonymous=LOGIN, author=REDIRECT, hr=REDIRECT, admin=OK)
    ),
    "wagtailadmin_sprite": Row(everyone(OK)),
    "wagtailadmin_javascript_catalog": Row(everyone(OK)),
    "cms/password_reset/*": Row(everyone(NOT_FOUND)),  # passwords are reset through allauth
    # Wagtail's sign-in and sign-out hand over to allauth.
    "cms/login/": Row(everyone(LOGIN)),
    "cms/logout/": Row(everyone(REDIRECT)),
    # Wagtail turns an author away from what they may not edit by sending them to the dashboard.
    **{
        name: Row(roles(DENIED, anonymous=LOGIN, author=REDIRECT, hr=REDIRECT, admin=OK))
        for name in ["wagtailusers_users:index", "organisations:index"]
    },
    # HR keeps the role catalogue (requirements and pathways) in the admin.
    "job-roles:index": Row(roles(DENIED, anonymous=LOGIN, author=REDIRECT, hr=OK, admin=OK)),
    "cms/failwhale/": Row(everyone(NOT_FOUND)),
    "django-admin/*": Row(roles(DENIED, admin=ALLOWED)),
    # Records with history are never deleted, and the audit log is written only by services.
    **{
        f"admin:{name}": Row(roles(DENIED, admin=FORBIDDEN))
        for name in [
            "accounts_user_delete",
            "accounts_staffprofile_delete",
            "accounts_organisation_delete",
            "accounts_invitation_delete",
            "audit_auditevent_add",
            "audit_auditevent_delete",
            "django_tasks_database_dbtaskresult_add",
            "django_tasks_database_dbtaskresult_delete",
        ]
    },
    "admin:logout": Row(roles(REDIRECT, admin=NOT_ALLOWED)),  # POST only
    "admin:autocomplete": Row(roles(DENIED, admin=FORBIDDEN)),  # needs a model to search
    "admin:index": Row(roles(DENIED, admin=OK)),
    "admin:audit_auditevent_changelist": Row(roles(DENIED, admin=OK)),
    # --- Documents served by Wagtail (none exist in this fixture) ---
    "documents/*": Row(everyone(NOT_FOUND)),
}


# --- Certificates and transcripts on paper (certificates/views/documents.py). The objects are a
# verified credential of the learner, the learner's transcript and a batch HR started for the
# department. A certificate is for whoever sees the credential; a transcript for the person,
# their supervisor and HR (an FTO sees the trainee but not the transcript); batches for those
# who follow compliance in the organisation. ---
MATRIX.update(
    {
        "credentials:certificate_pdf": Row(
            roles(OK, anonymous=LOGIN, author=NOT_FOUND, other_org=NOT_FOUND)
        ),
        "credentials:my_transcript_pdf": Row(roles(OK, anonymous=LOGIN)),
        "credentials:transcript_pdf": Row(
            roles(OK, anonymous=LOGIN, fto=FORBIDDEN, author=NOT_FOUND, other_org=NOT_FOUND)
        ),
        "credentials:certificate_batches": Row(
            roles(FORBIDDEN, anonymous=LOGIN, supervisor=OK, hr=OK, admin=OK, other_org=OK),
            post=roles(
                FORBIDDEN,
                anonymous=LOGIN,
                supervisor=BAD_REQUEST,
                hr=BAD_REQUEST,
                admin=BAD_REQUEST,
                other_org=BAD_REQUEST,
            ),
        ),
        "credentials:certificate_batch": Row(
            roles(NOT_FOUND, anonymous=LOGIN, supervisor=OK, hr=OK, admin=OK)
        ),
    }
)


def _extra_rows() -> None:
    """Rows from `tests.authz_rows`: imported late, since those modules import `Row` from here."""
    from tests import authz_rows

    for module in authz_rows.modules():
        MATRIX.update(module.ROWS)


def _extra_paths(city) -> dict[str, str]:
    from tests import authz_rows

    paths = {}
    for module in authz_rows.modules():
        if hasattr(module, "paths"):
            paths.update(module.paths(city))
    return paths


def _document_paths(city) -> dict[str, str]:
    from certificates.services.documents import certificate_batch_create
    from tests.factories.certificates import CredentialTypeFactory
    from tests.factories.certificates import verify as verify_credential

    kind = CredentialTypeFactory(name="Matrix certificate")
    credential = record_external(holder=city.user("learner"), credential_type=kind)
    verify_credential(credential=credential, actor=city.user("hr"))
    batch = certificate_batch_create(
        actor=city.user("hr"), credential_type=kind, organisation=city.department
    )
    return {
        "credentials:certificate_pdf": reverse(
            "credentials:certificate_pdf", args=[credential.public_id]
        ),
        "credentials:transcript_pdf": reverse("credentials:transcript_pdf", args=[city.learner.pk]),
        "credentials:certificate_batch": reverse("credentials:certificate_batch", args=[batch.pk]),
    }


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str | None


def walk(resolver=None, prefix="", namespaces=()):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Endpoint(prefix + str(entry.pattern), name)


def row_for(endpoint: Endpoint) -> Row | None:
    if endpoint.name and endpoint.name in MATRIX:
        return MATRIX[endpoint.name]
    if endpoint.route in MATRIX:
        return MATRIX[endpoint.route]
    prefixes = [key for key in MATRIX if key.endswith("*")]
    matches = [key for key in prefixes if endpoint.route.startswith(key[:-1])]
    return MATRIX[max(matches, key=len)] if matches else None


SAMPLE = {"int": "999999", "uuid": str(uuid.UUID(int=7)), "str": "999999", "slug": "x", "path": "x"}


def concrete_path(route: str) -> str:
    """Turn a route or regex into a path with sample values in its parameters."""
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = re.sub(r"\([^)]*\)", "1", path)
    path = path.replace(".*", "x").replace(".+", "x")
    return "/" + path


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return LOGIN if "/login/" in response["Location"] else REDIRECT
    return {
        200: OK,
        403: FORBIDDEN,
        404: NOT_FOUND,
        405: NOT_ALLOWED,
        410: GONE,
        400: BAD_REQUEST,
    }.get(status, str(status))


def satisfies(actual: str, expected: str) -> bool:
    if expected == DENIED:
        return actual in (FORBIDDEN, NOT_FOUND, LOGIN, "401")
    if expected == ALLOWED:
        return actual in (OK, REDIRECT, NOT_FOUND, NOT_ALLOWED)
    if expected == ANY:
        return actual in (OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, GONE)
    return actual == expected


def test_every_url_has_a_row():
    _extra_rows()
    missing = [e.route for e in walk() if row_for(e) is None]
    assert missing == []


def _paths(city):
    """Real objects for Relay's own parameterised URLs; samples for the rest."""
    issued = invitation_create(
        inviter=city.user("hr"),
        email="matrix.invitee@relay.test",
        first_name="Mat",
        last_name="Rix",
        organisation=city.department,
        employee_id="MX-1",
        hire_date=city.learner.hire_date,
    )
    program = program_page("Matrix academy", roles=[city.learner.job_role])
    module = module_page(program, sections=1, n_questions=1)
    kc_module = module_page(program, sections=1, n_questions=0)
    body = kc_module.body.raw_data
    body[0]["value"]["content"] = [
        {
            "type": "knowledge_check",
            "value": {
                "question": "Ready?",
                "options": [
                    {"text": "Yes", "correct": True, "feedback": ""},
                    {"text": "No", "correct": False, "feedback": ""},
                ],
            },
        }
    ]
    kc_module = edit_and_publish(kc_module, body=body)
    assignment = assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    learner = city.user("learner")
    spec = quiz_spec(module)
    attempt = quiz_submit(
        user=learner, module=module, answers={spec[0].id: [spec[0].options[1].id]}
    ).attempt
    progress = ModuleProgress.objects.get(user=learner, module=module)
    scenario_module = module_page(program, training_type="scenario", n_questions=0)
    scenario = scenario_page(scenario_module)
    played = attempt_start_or_resume(user=learner, scenario=scenario)
    for step in ("arrive", "person", "stay"):
        played = attempt_choose(user=learner, attempt=played, step_id=step, choice_id="0")
    from scenarios.models import RoleplayRubric, RubricCriterion, ScenarioRequirement
    from tests.factories import CompetencyFactory

    rubric = RoleplayRubric.objects.create(name="Matrix rubric")
    RubricCriterion.objects.create(
        rubric=rubric,
        competency=CompetencyFactory(),
        level_1="1",
        level_2="2",
        level_3="3",
        level_4="4",
    )
    ScenarioRequirement.objects.create(scenario=scenario, rubric=rubric)
    protocol = protocol_page("Matrix protocol", roles=[city.learner.job_role])
    protocol_version_record(protocol=protocol)
    training = field_start(
        trainee=city.learner, supervisor=city.user("supervisor"), fto=city.user("fto")
    )
    dor = field_report(training)
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    observation = field_observe(training, task_id)
    credential = record_external(holder=city.user("learner"))
    ce_entry = ce_record_external(
        holder=city.user("learner"),
        title="Matrix CE event",
        provider="",
        hours=Decimal(2),
        completed_on=city.learner.organisation.today(),
        evidence=evidence_from_upload(upload()),
    )
    credential_paths = {
        f"credentials:{name}": reverse(f"credentials:{name}", args=[credential.public_id])
        for name in [
            "detail",
            "evidence",
            "verify",
            "reject",
            "suspend",
            "reinstate",
            "revoke",
            "extend",
        ]
    }
    verified = record_external(
        holder=city.user("learner"), credential_type=CredentialTypeFactory(slug="matrix-verified")
    )
    verify_credential(credential=verified, actor=city.user("hr"))
    credential_paths["verify:page"] = reverse("verify:page", args=[verified.public_id])
    credential_paths["credentials:badge_download"] = reverse(
        "credentials:badge_download", args=[credential.public_id]
    )
    credential_paths["credentials:badge_status"] = reverse(
        "credentials:badge_status", args=["revocation"]
    )
    credential_paths["credentials:ce_evidence"] = reverse(
        "credentials:ce_evidence", args=[ce_entry.pk]
    )
    field_paths = {
        "field:start": reverse("field:start", args=[city.learner.pk]),
        "field:task_sign": reverse("field:task_sign", args=[training.pk, task_id]),
        "field:observation_correct": reverse("field:observation_correct", args=[observation.pk]),
        **{
            f"field:{name}": reverse(f"field:{name}", args=[training.pk])
            for name in [
                "record",
                "trends",
                "task_book_pdf",
                "shift_new",
                "report_new",
                "recommend",
                "approve",
                "extend",
                "release",
            ]
        },
        **{
            f"field:{name}": reverse(f"field:{name}", args=[dor.pk])
            for name in ["report", "report_pdf", "report_acknowledge", "report_correct"]
        },
    }
    return {
        **field_paths,
        **credential_paths,
        "courses:program": reverse("courses:program", args=[program.pk]),
        "courses:module": reverse("courses:module", args=[module.pk]),
        "courses:quiz": reverse("courses:quiz", args=[module.pk]),
        "courses:knowledge_check": reverse("courses:knowledge_check", args=[kc_module.pk, 0, 0]),
        "courses:quiz_result": reverse("courses:quiz_result", args=[module.pk, attempt.pk]),
        "courses:protocol": reverse("courses:protocol", args=[protocol.pk]),
        "courses:team_grid": reverse("courses:team_grid", args=[program.pk]),
        "courses:assign": reverse("courses:assign", args=[city.learner.pk]),
        "courses:assignment_end": reverse("courses:assignment_end", args=[assignment.pk]),
        "courses:progress_reset": reverse("courses:progress_reset", args=[progress.pk]),
        "wagtail_serve": "/pages/",
        "scenarios:play": reverse("scenarios:play", args=[scenario.pk]),
        "scenarios:start": reverse("scenarios:start", args=[scenario.pk]),
        "scenarios:choose": reverse("scenarios:choose", args=[played.pk]),
        "scenarios:debrief": reverse("scenarios:debrief", args=[played.pk]),
        "coaching:review": reverse("coaching:review", args=[played.pk]),
        "coaching:roleplay_new": (
            f"{reverse('coaching:roleplay_new')}?trainee={city.learner.pk}&scenario={scenario.pk}"
        ),
        "accounts:staff_detail": reverse("accounts:staff_detail", args=[city.learner.pk]),
        "accounts:staff_job_role": reverse("accounts:staff_job_role", args=[city.learner.pk]),
        "accounts:staff_roles": reverse("accounts:staff_roles", args=[city.learner.pk]),
        "accounts:invitation_revoke": reverse(
            "accounts:invitation_revoke", args=[issued.invitation.pk]
        ),
        "accounts:invitation_accept": issued.path,
        **_document_paths(city),
        **_career_paths(city),
        **_extra_paths(city),
    }


def _career_paths(city) -> dict[str, str]:
    from tests.factories.certificates import JobRoleFactory, pathway

    target = JobRoleFactory(name="Senior community responder")
    pathway(city.learner.job_role, target)
    return {
        "careers:role": reverse("careers:role", args=[target.pk]),
        "careers:interest": reverse("careers:interest", args=[target.pk]),
        "careers:person": reverse("careers:person", args=[target.pk, city.learner.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_matrix(city, role):
    _extra_rows()
    real = _paths(city)
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        sign_in(client, city.user(CITY_ATTR.get(role, role)))
    failures = []
    for endpoint in walk():
        row = row_for(endpoint)
        path = real.get(endpoint.name) or concrete_path(endpoint.route)
        checks = [("GET", row.get)] + ([("POST", row.post)] if row.post else [])
        for method, expected in checks:
            response = client.get(path) if method == "GET" else client.post(path, {})
            actual = outcome_of(response)
            if not satisfies(actual, expected[role]):
                failures.append(
                    f"{method} {path} ({endpoint.name}): {actual}, want {expected[role]}"
                )
    assert not failures, "\n".join(failures)

"""GET /credentials (status on a day) and POST /credentials/external."""

import base64
import datetime
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.expiry import Status
from certificates.models import Credential, CredentialKind, Verification
from certificates.services.earning import credential_status
from certificates.services.lifecycle import credential_revoke, credential_suspend
from lms.api.selectors import status_condition
from tests.factories.certificates import (
    CredentialTypeFactory,
    pdf_bytes,
    png_bytes,
    record_external,
    verify,
)

from .conftest import ApiClient, make_token

CREDENTIALS = "/api/v1/credentials"
EXTERNAL = "/api/v1/credentials/external"
D = datetime.date


@pytest.fixture
def held(city):
    """Credentials in every state, of types with different windows and grace periods."""
    hr = city.user("hr")
    short = CredentialTypeFactory(
        slug="naloxone", name="Naloxone", validity_months=12, window_days=30, grace_days=10
    )
    long = CredentialTypeFactory(
        slug="cpr", name="CPR", validity_months=24, window_days=90, grace_days=0
    )
    forever = CredentialTypeFactory(slug="mh-first-aid", name="MH first aid", validity_months=None)
    learner, cbo_learner = city.user("learner"), city.user("cbo_learner")

    def verified(holder, kind, issued, expires, verifier=hr):
        credential = record_external(
            holder=holder, credential_type=kind, issued_on=issued, expires_on=expires
        )
        verify(credential=credential, actor=verifier)
        credential.refresh_from_db()
        return credential

    lapsing = verified(learner, short, D(2025, 1, 1), D(2026, 1, 1))
    renewed = verified(learner, long, D(2024, 6, 1), D(2026, 6, 1))
    renewal = verified(learner, long, D(2026, 3, 1), D(2028, 3, 1))
    suspended = verified(learner, forever, D(2025, 5, 5), None)
    credential_suspend(
        actor=hr, credential=suspended, reason="Under review", request_key=uuid.uuid4()
    )
    revoked = verified(cbo_learner, short, D(2025, 2, 1), D(2026, 2, 1))
    credential_revoke(
        actor=hr, credential=revoked, reason="Issued in error", request_key=uuid.uuid4()
    )
    pending = record_external(
        holder=cbo_learner, credential_type=long, issued_on=D(2025, 9, 9), expires_on=D(2027, 9, 9)
    )
    rejected = record_external(holder=learner, credential_type=forever, issued_on=D(2025, 7, 7))
    verify(credential=rejected, actor=hr, verified=False, reason="Illegible scan")
    private = verified(
        city.user("private_cbo_learner"), short, D(2025, 3, 1), D(2026, 3, 1), city.user("admin")
    )
    credentials = {
        "lapsing": lapsing,
        "renewed": renewed,
        "renewal": renewal,
        "suspended": suspended,
        "revoked": revoked,
        "pending": pending,
        "rejected": rejected,
        "private": private,
    }
    for credential in credentials.values():
        credential.refresh_from_db()
    assert renewed.renewed_on == D(2026, 3, 1)
    return credentials


# --- The status rule in SQL agrees with the engine -------------------------------------------


def _lengths():
    lengths = set(Credential.objects.values_list("window_days", "grace_days"))
    return {w for w, _ in lengths}, {g for _, g in lengths}


def _assert_agrees(day: datetime.date, windows, graces, credentials):
    for status in Status:
        in_sql = set(
            Credential.objects.filter(
                status_condition(status, day, windows=windows, graces=graces)
            ).values_list("pk", flat=True)
        )
        in_python = {c.pk for c in credentials if credential_status(c, day) == status}
        assert in_sql == in_python, (status, day)


def test_the_sql_status_agrees_with_the_engine_on_every_boundary(held):
    windows, graces = _lengths()
    credentials = list(Credential.objects.all())
    days = set()
    for c in credentials:
        marks = [c.issued_on, c.renewed_on, c.expires_on]
        if c.expires_on:
            marks += [
                c.expires_on - datetime.timedelta(days=c.window_days),
                c.expires_on + datetime.timedelta(days=c.grace_days),
            ]
        for mark in filter(None, marks):
            days |= {mark - datetime.timedelta(days=1), mark, mark + datetime.timedelta(days=1)}
    for day in sorted(days):
        _assert_agrees(day, windows, graces, credentials)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(day=st.dates(min_value=D(2023, 1, 1), max_value=D(2030, 12, 31)))
def test_the_sql_status_agrees_with_the_engine_on_any_day(held, day):
    windows, graces = _lengths()
    _assert_agrees(day, windows, graces, list(Credential.objects.all()))


# --- Reading -----------------------------------------------------------------------------------


def _by_id(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["items"]}


def test_statuses_on_a_day(city, held, api_for):
    items = _by_id(api_for("hr").get(CREDENTIALS, on="2026-01-01", limit=500))
    status = {key: items[str(c.public_id)]["status"] for key, c in held.items() if key != "private"}
    assert status == {
        "lapsing": "window",
        "renewed": "active",
        "renewal": "not_yet",
        "suspended": "suspended",
        "revoked": "revoked",
        "pending": "not_yet",
        "rejected": "revoked",
    }
    # City HR does not see a private organisation's credentials.
    assert str(held["private"].public_id) not in items
    lapsing = items[str(held["lapsing"].public_id)]
    assert lapsing == {
        "id": str(held["lapsing"].public_id),
        "employee_id": city.learner.employee_id,
        "organisation": city.department.slug,
        "holder_name": city.user("learner").display_name,
        "credential_type": "naloxone",
        "title": "Naloxone",
        "issuer": held["lapsing"].issuer,
        "kind": CredentialKind.EXTERNAL,
        "issued_on": "2025-01-01",
        "expires_on": "2026-01-01",
        "certificate_number": "AHA-123456",
        "verification": Verification.VERIFIED,
        "state": "active",
        "renewed_on": None,
        "status": "window",
        "status_on": "2026-01-01",
        "valid": True,
        "days_left": 0,
        "window_opens_on": "2025-12-02",
        "grace_ends_on": "2026-01-11",
    }


def test_the_status_filter(city, held, api_for):
    api = api_for("hr")
    grace = _by_id(api.get(CREDENTIALS, on="2026-01-05", status="grace"))
    assert set(grace) == {str(held["lapsing"].public_id)}
    valid = api.client.get(
        f"{CREDENTIALS}?on=2026-04-01&status=active&status=window", headers=api.headers
    )
    assert set(_by_id(valid)) == {str(held["renewal"].public_id)}
    renewed = _by_id(api.get(CREDENTIALS, on="2026-04-01", status="renewed"))
    assert set(renewed) == {str(held["renewed"].public_id)}


def test_without_a_day_each_status_is_on_its_holders_today(city, held, api_for):
    today = city.department.today()
    items = _by_id(api_for("hr").get(CREDENTIALS, limit=500))
    for key in ("lapsing", "renewal", "suspended"):
        item = items[str(held[key].public_id)]
        assert item["status_on"] == today.isoformat()
        assert item["status"] == credential_status(held[key], today).value
    expected = {
        str(c.public_id)
        for key, c in held.items()
        if key != "private" and credential_status(c, today) == Status.EXPIRED
    }
    assert set(_by_id(api_for("hr").get(CREDENTIALS, status="expired"))) == expected


def test_filters_by_person_organisation_and_type(city, held, api_for):
    api = api_for("hr")
    mine = _by_id(api.get(CREDENTIALS, employee_id=city.cbo_learner.employee_id))
    assert set(mine) == {str(held["revoked"].public_id), str(held["pending"].public_id)}
    cpr = _by_id(api.get(CREDENTIALS, credential_type="cpr"))
    assert set(cpr) == {str(held[k].public_id) for k in ("renewed", "renewal", "pending")}
    cbo = _by_id(api.get(CREDENTIALS, organisation=city.sharing_cbo.slug))
    assert set(cbo) == set(mine)


def test_an_organisation_token_reads_that_organisation_only(city, held, api_for):
    api = api_for("hr", organisation=city.sharing_cbo)
    items = _by_id(api.get(CREDENTIALS, limit=500))
    assert set(items) == {str(held["revoked"].public_id), str(held["pending"].public_id)}
    other = _by_id(api.get(CREDENTIALS, employee_id=city.learner.employee_id))
    assert other == {}


def test_the_list_runs_a_constant_number_of_queries(
    city, held, api_for, django_assert_max_num_queries
):
    api = api_for("hr")
    api.get(CREDENTIALS)
    with django_assert_max_num_queries(4):
        api.get(CREDENTIALS, limit=500)
    # The status filter reads the window and grace lengths, and the time zones in use.
    with django_assert_max_num_queries(6):
        response = api.get(CREDENTIALS, status="expired", limit=500)
    assert response.status_code == 200


# --- Recording external credentials ------------------------------------------------------------


def _payload(city, **changes):
    body = {
        "organisation": city.department.slug,
        "employee_id": city.learner.employee_id,
        "credential_type": "first-aid",
        "issued_on": "2025-10-01",
        "expires_on": "2027-10-01",
        "certificate_number": "FA-778",
        "evidence": {
            "filename": "first-aid.pdf",
            "content_base64": base64.b64encode(pdf_bytes()).decode(),
        },
    }
    body.update(changes)
    return body


@pytest.fixture
def first_aid(db):
    return CredentialTypeFactory(slug="first-aid", name="First aid", validity_months=24)


def test_recording_an_external_credential(city, first_aid, api_for):
    response = api_for("hr").post(EXTERNAL, _payload(city))
    assert response.status_code == 201, response.content
    body = response.json()
    credential = Credential.objects.get(public_id=body["id"])
    assert credential.holder == city.user("learner")
    assert credential.recorded_by == city.user("hr")
    assert credential.verification == Verification.PENDING
    assert credential.evidence_type == "application/pdf"
    assert credential.certificate_number == "FA-778"
    assert body["status"] == "not_yet"
    assert body["verification"] == "pending"
    assert body["employee_id"] == city.learner.employee_id


def test_the_same_external_id_records_once(city, first_aid, api_for):
    api = api_for("hr")
    first = api.post(EXTERNAL, _payload(city, external_id="LMS-1"))
    again = api.post(EXTERNAL, _payload(city, external_id="LMS-1"))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Credential.objects.count() == 1
    # Without an id, a second record of a type awaiting verification is refused.
    duplicate = api.post(EXTERNAL, _payload(city))
    assert duplicate.status_code == 400
    assert duplicate.json()["field"] == "credential_type"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"surprise": True}, 400, "surprise"),
        ({"evidence": {"filename": "a.pdf", "content_base64": "AAAA", "x": 1}}, 400, "evidence.x"),
        ({"issued_on": "tomorrow"}, 400, "issued_on"),
        ({"issued_on": 20251001}, 400, "issued_on"),
        ({"employee_id": ["E1"]}, 400, "employee_id"),
        ({"organisation": None}, 400, "organisation"),
        ({"certificate_number": "FA\x00778"}, 400, "certificate_number"),
        ({"certificate_number": "\ud800"}, 400, "certificate_number"),
        ({"issued_on": "2999-01-01"}, 400, "issued_on"),
        ({"expires_on": "2020-01-01"}, 400, "expires_on"),
        ({"expires_on": None}, 400, "expires_on"),
        (
            {"evidence": {"filename": "a.pdf", "content_base64": "not base64!"}},
            400,
            "evidence.content_base64",
        ),
        (
            {
                "evidence": {
                    "filename": "a.pdf",
                    "content_base64": base64.b64encode(b"MZ\x90\x00 not a pdf").decode(),
                }
            },
            400,
            "evidence.content_base64",
        ),
        ({"credential_type": "no-such-type"}, 404, "credential_type"),
        ({"employee_id": "NOBODY"}, 404, "employee_id"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_stored(
    city, first_aid, api_for, changes, status, field
):
    response = api_for("hr").post(EXTERNAL, _payload(city, **changes))
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert not Credential.objects.exists()


def test_a_png_is_evidence_too(city, first_aid, api_for):
    evidence = {"filename": "card.png", "content_base64": base64.b64encode(png_bytes()).decode()}
    response = api_for("hr").post(EXTERNAL, _payload(city, evidence=evidence))
    assert response.status_code == 201
    assert Credential.objects.get().evidence_type == "image/png"


def test_an_earned_type_is_not_recorded(city, api_for):
    CredentialTypeFactory(slug="first-aid", kind=CredentialKind.EARNED)
    response = api_for("hr").post(EXTERNAL, _payload(city))
    assert response.status_code == 400
    assert response.json()["field"] == "credential_type"


def test_a_private_organisations_people_are_out_of_reach(city, first_aid, api_for):
    payload = _payload(
        city,
        organisation=city.private_cbo.slug,
        employee_id=city.private_cbo_learner.employee_id,
    )
    assert api_for("hr").post(EXTERNAL, payload).status_code == 404
    scoped = api_for("hr", organisation=city.sharing_cbo)
    assert scoped.post(EXTERNAL, _payload(city)).status_code == 404
    assert not Credential.objects.exists()


def test_a_read_only_token_cannot_record(city, first_aid):
    api = ApiClient(make_token(city.user("hr"), scopes=["credentials:read"]))
    assert api.post(EXTERNAL, _payload(city)).status_code == 403
    assert not Credential.objects.exists()

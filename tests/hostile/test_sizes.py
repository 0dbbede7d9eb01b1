"""Oversized bodies and fields, on every URL Relay serves.

- A form body over `DATA_UPLOAD_MAX_MEMORY_SIZE`, or a multipart body over
  `RELAY_MAX_UPLOAD_BODY_SIZE`, is a 413 (`lms.views.bad_request`, the `413.html` page), refused
  from its Content-Length before any of it is read: the CSRF check is the first to touch
  `request.POST`, so no view runs. The API answers 413 JSON from its own per-operation limits
  (`lms.api.urls`), the public badge check from its 64 KB limit.
- More than `DATA_UPLOAD_MAX_NUMBER_FIELDS` fields is a 400 (the `400.html` page).
- A text field over its `max_length` re-shows the form with the field's error (400 JSON in the
  API) and stores nothing; rich text over `MAX_RICH_TEXT_CHARS` is refused before bleach runs.

The walk sends the bodies the way a browser would: signed in, with the CSRF cookie, and with
CSRF checks enforced (as in production; the test client skips them by default).
"""

import io
import json
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve

from certificates.models import ContinuingEducation, Credential
from lms.accounts.models import Invitation
from lms.api.models import ApiToken
from lms.sanitize import MAX_RICH_TEXT_CHARS, sanitize_html
from tests.api.conftest import ApiClient, make_token
from tests.conftest import sign_in
from tests.factories.certificates import CredentialTypeFactory, pdf_bytes
from tests.test_authorization_matrix import concrete_path, walk

RECORD_APPS = {"accounts", "audit", "courses", "scenarios", "certificates", "api", "xapi"}
# Rows that a refused request may still write: the audit log of refusals.
NOT_RECORDS = {"audit.auditevent"}


def record_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in RECORD_APPS
        and model._meta.label_lower not in NOT_RECORDS
        and not model._meta.proxy
    }


def browser(user=None) -> Client:
    """A client that enforces CSRF like production, signed in as `user`, with a CSRF cookie
    but no token in the body (the body never gets that far)."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        signed_in = sign_in(Client(), user)
        client.cookies = signed_in.cookies
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


def oversized_form() -> bytes:
    return b"field=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_many_fields() -> bytes:
    return "&".join(["f=1"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)).encode()


BOUNDARY = "RelayBoundary"


def oversized_multipart() -> bytes:
    filler = b"%PDF-" + b"0" * (settings.RELAY_MAX_UPLOAD_BODY_SIZE)
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; '
            f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + filler
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


BODIES = {
    # kind: (body, content type, the status every endpoint answers)
    "oversized-form": (oversized_form, "application/x-www-form-urlencoded", 413),
    "too-many-fields": (too_many_fields, "application/x-www-form-urlencoded", 400),
    "oversized-multipart": (oversized_multipart, f"multipart/form-data; boundary={BOUNDARY}", 413),
}


def endpoints() -> list[str]:
    """Every URL pattern as a concrete path (the samples resolve, so the CSRF check runs)."""
    seen, paths = set(), []
    for endpoint in walk():
        path = concrete_path(endpoint.route)
        if path not in seen:
            seen.add(path)
            paths.append(path)
    return paths


def expected_status(path: str, kind: str, default: int, *, signed_in: bool) -> set[int]:
    try:
        resolve(path)
    except Resolver404:
        return {404}  # no view, nothing reads the body
    if path.startswith("/cms/api/") and not signed_in:
        # Wagtail's admin API is CSRF-exempt (its views check CSRF themselves, once signed
        # in): the anonymous are sent to sign in before anything reads the body.
        return {302}
    if path.startswith("/api/v1/"):
        # The API checks the size from Content-Length first (413 JSON). A small body with many
        # fields is not JSON: 401 without a token, 400 or 404/405 once past that.
        return {413} if kind != "too-many-fields" else {400, 401, 404, 405}
    return {default}


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("admin", "oversized-form"),
        ("admin", "too-many-fields"),
        ("admin", "oversized-multipart"),
        ("anonymous", "oversized-form"),
    ],
)
def test_every_url_refuses_a_hostile_body(city, role, kind):
    make_body, content_type, status = BODIES[kind]
    body = make_body()
    client = browser(None if role == "anonymous" else city.user(role))
    before = record_counts()
    failures = []
    for path in endpoints():
        response = client.generic("POST", path, body, content_type=content_type)
        expected = expected_status(path, kind, status, signed_in=role != "anonymous")
        if response.status_code not in expected:
            failures.append(f"{path}: {response.status_code}, expected {sorted(expected)}")
        elif response.status_code == 413 and not path.startswith("/api/v1/"):
            page = response.content.decode()
            if not path.startswith("/credentials/badge-check/") and "too large" not in page:
                failures.append(f"{path}: the 413 page does not say why")
    assert failures == [], "\n".join(failures)
    assert record_counts() == before


def test_the_pages_say_what_happened(city):
    client = browser(city.user("learner"))
    page = client.generic(
        "POST", "/credentials/new/", oversized_form(), content_type=BODIES["oversized-form"][1]
    )
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "That was too large to send" in html
    assert "uploads may be up to 11 MB" in html
    assert "Nothing was saved" in html
    many = client.generic("POST", "/credentials/new/", too_many_fields(), **_form())
    assert many.status_code == 400
    assert "too many fields or files" in many.content.decode()


def _form() -> dict:
    return {"content_type": "application/x-www-form-urlencoded"}


def test_the_token_pages_under_api_answer_json(city):
    response = browser(city.user("admin")).generic(
        "POST", "/api/tokens/new/", oversized_form(), **_form()
    )
    assert response.status_code == 413
    assert response.json()["message"].startswith("The request is too large")


# --- Refused before it is read --------------------------------------------------------------------


class TrapStream(io.RawIOBase):
    """A request body of `length` bytes that counts what is read of it."""

    def __init__(self, length: int):
        self.length, self.consumed = length, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.length - self.consumed)
        buffer[:size] = b"x" * size
        self.consumed += size
        return size


def _send(path: str, *, length: int, content_type: str, cookie: str, **headers):
    stream = TrapStream(length)
    environ = (
        RequestFactory()
        .generic(
            "POST",
            path,
            b"",
            CONTENT_TYPE=content_type,  # `generic` sets it only with a body
            CONTENT_LENGTH=str(length),
            HTTP_COOKIE=cookie,
            **headers,
        )
        .environ
    )
    environ["wsgi.input"] = stream
    status = []
    # As Django's test client does: the handler would otherwise close the database connection
    # when the request starts and ends, which on PostgreSQL ends the test's own transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = WSGIHandler()(environ, lambda code, _headers, *_: status.append(code))
        b"".join(chunks)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(status[0].split()[0]), stream.consumed


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/credentials/new/", "application/x-www-form-urlencoded"),
        ("/credentials/new/", f"multipart/form-data; boundary={BOUNDARY}"),
        ("/people/import/", f"multipart/form-data; boundary={BOUNDARY}"),
        ("/accounts/login/", "application/x-www-form-urlencoded"),
        ("/credentials/badge-check/", "application/x-www-form-urlencoded"),
        ("/api/v1/credentials/external", "application/json"),
        ("/api/v1/staff", "application/json"),
    ],
)
def test_a_huge_body_is_refused_unread(db, path, content_type):
    cookie = f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
    status, consumed = _send(
        path, length=2 * 1024 * 1024 * 1024, content_type=content_type, cookie=cookie
    )
    assert status == 413
    assert consumed == 0


# --- Fields over their length ---------------------------------------------------------------------


@pytest.fixture
def cpr(db):
    return CredentialTypeFactory(slug="cpr", name="CPR/BLS provider", validity_months=24)


def _evidence():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("card.pdf", pdf_bytes(), "application/pdf")


LONG_FIELDS = {
    # name: (role, URL, form data builder, model that must stay empty, the error shown)
    "ce-title": (
        "learner",
        "/credentials/ce/new/",
        lambda city, cpr: {
            "request_key": str(uuid.uuid4()),
            "title": "T" * 256,
            "hours": "2",
            "completed_on": city.department.today().isoformat(),
            "evidence": _evidence(),
        },
        ContinuingEducation,
        "Ensure this value has at most 255 characters (it has 256).",
    ),
    "record-number": (
        "learner",
        "/credentials/new/",
        lambda city, cpr: {
            "credential_type": cpr.pk,
            "issued_on": city.department.today().isoformat(),
            "certificate_number": "9" * 81,
            "request_key": str(uuid.uuid4()),
            "evidence": _evidence(),
        },
        Credential,
        "Ensure this value has at most 80 characters (it has 81).",
    ),
    "invitation-name": (
        "hr",
        "/invitations/",
        lambda city, cpr: {
            "email": "long.name@relay.test",
            "first_name": "N" * 151,
            "last_name": "Long",
            "employee_id": "E-LONG",
            "organisation": city.department.pk,
            "hire_date": city.department.today().isoformat(),
            "role": "learner",
        },
        Invitation,
        "Ensure this value has at most 150 characters (it has 151).",
    ),
    "token-name": (
        "admin",
        "/api/tokens/new/",
        lambda city, cpr: {"name": "N" * 101, "scopes": ["staff:read"]},
        ApiToken,
        "Ensure this value has at most 100 characters (it has 101).",
    ),
}


@pytest.mark.parametrize("case", LONG_FIELDS)
def test_a_field_over_its_length_is_refused_on_the_form(city, cpr, client_for, case):
    role, url, data, model, error = LONG_FIELDS[case]
    before = model.objects.count()
    response = client_for(role).post(url, data(city, cpr))
    assert response.status_code in (200, 400)
    assert error in response.content.decode()
    assert model.objects.count() == before


def test_a_field_over_its_length_is_a_400_in_the_api(city, cpr):
    api = ApiClient(make_token(city.user("hr")))
    body = {
        "organisation": city.department.slug,
        "employee_id": city.learner.employee_id,
        "credential_type": "cpr",
        "issued_on": "2025-10-01",
        "certificate_number": "9" * 81,
        "evidence": {"filename": "card.pdf", "content_base64": "JVBERi0xLjQK"},
    }
    response = api.post("/api/v1/credentials/external", body)
    assert response.status_code == 400
    assert response.json()["field"] == "certificate_number"
    assert not Credential.objects.exists()


def test_a_body_over_an_api_limit_is_413_json(city):
    api = ApiClient(make_token(city.user("hr")))
    body = json.dumps({"staff": [], "padding": "x" * (2048 * 1024)}).encode()
    response = api.post("/api/v1/staff", raw=body)
    assert response.status_code == 413
    assert response.json()["message"] == "The request body is larger than 2048 KB."


def test_rich_text_over_the_cap_is_refused_before_bleach():
    assert (
        sanitize_html("<p>" + "x" * (MAX_RICH_TEXT_CHARS - 3))
        == "<p>" + "x" * (MAX_RICH_TEXT_CHARS - 3) + "</p>"
    )
    with pytest.raises(ValidationError, match="Keep this text under 10,000 characters"):
        sanitize_html("<b>" * (MAX_RICH_TEXT_CHARS // 3 + 1))


def test_rich_text_nested_too_deeply_is_refused_before_bleach():
    assert sanitize_html("<ul><li>" * 50 + "x" + "</li></ul>" * 50).count("<li>") == 50
    assert sanitize_html("<p>x</p>" * 500 + "<br>" * 500).count("<p>") == 500
    with pytest.raises(ValidationError, match="more than 100 tags open at once"):
        sanitize_html("<b>" * 101)
    with pytest.raises(ValidationError, match="nests its formatting too deeply"):
        sanitize_html("<li>x" * 200)


def test_the_services_limits_sit_under_the_cap():
    from scenarios.coaching import TEXT_MAX_CHARS
    from scenarios.services import REFLECTION_MAX_CHARS

    assert TEXT_MAX_CHARS <= MAX_RICH_TEXT_CHARS
    assert REFLECTION_MAX_CHARS <= MAX_RICH_TEXT_CHARS
    assert MAX_RICH_TEXT_CHARS * 4 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE

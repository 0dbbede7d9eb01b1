"""Bearer-token authentication, scopes, and the API's one JSON error shape."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from lms.api.auth import token_authenticate, token_touch
from lms.api.models import ApiToken
from lms.api.services import api_token_create, api_token_revoke

from .conftest import ApiClient, grant, make_token

STAFF = "/api/v1/staff"


def assert_error(response, status: int, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "field", "errors"}
    assert body["message"]
    assert body["field"] == field
    assert body["errors"]
    assert all(set(error) == {"field", "message"} for error in body["errors"])
    return body


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer relay_00000000_not-a-real-token",
        "Bearer " + "x" * 5000,
        "Token abc",
    ],
)
def test_missing_or_unknown_tokens_get_401_json(city, header):
    headers = {"Authorization": header} if header is not None else {}
    response = Client().get(STAFF, headers=headers)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_session_is_not_an_api_credential(city, client_for):
    """The API takes bearer tokens only: no cookie authentication, so no CSRF question."""
    assert_error(client_for("hr").get(STAFF), 401)


def test_revoked_and_expired_tokens_stop_working(city):
    hr = city.user("hr")
    token, secret = api_token_create(
        owner=hr,
        name="Short",
        scopes=["staff:read"],
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client = ApiClient(secret)
    assert client.get(STAFF).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert_error(client.get(STAFF), 401)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert client.get(STAFF).status_code == 200
    api_token_revoke(actor=hr, token=token)
    assert_error(client.get(STAFF), 401)


def test_a_deactivated_owner_or_one_who_lost_the_permission_loses_the_token(city):
    hr = city.user("hr")
    client = ApiClient(make_token(hr, scopes=["staff:read"]))
    assert client.get(STAFF).status_code == 200
    hr.is_active = False
    hr.save(update_fields=["is_active"])
    assert_error(client.get(STAFF), 401)
    hr.is_active = True
    hr.save(update_fields=["is_active"])
    hr.groups.remove(Group.objects.get(name="HR"))
    assert_error(client.get(STAFF), 401)


def test_an_owner_whose_role_needs_a_second_factor_must_still_have_it(city):
    from allauth.mfa.models import Authenticator

    hr = city.user("hr")
    client = ApiClient(make_token(hr, scopes=["staff:read"]))
    assert client.get(STAFF).status_code == 200
    Authenticator.objects.filter(user=hr).delete()
    assert_error(client.get(STAFF), 401)


def test_a_token_without_the_scope_gets_403(city):
    client = ApiClient(make_token(city.user("hr"), scopes=["credentials:read"]))
    body = assert_error(client.get(STAFF), 403)
    assert "staff:read" in body["message"]
    assert client.get("/api/v1/credentials").status_code == 200
    assert_error(client.get("/api/v1/completions"), 403)
    assert_error(client.get("/api/v1/readiness", role="x"), 403)
    assert_error(client.post(STAFF, {"organisation": "ocs", "staff": [{"employee_id": "E1"}]}), 403)
    assert_error(client.post("/api/v1/credentials/external", {"unknown": 1}), 403)


def test_a_token_never_grants_more_than_its_owner_now_has(city):
    """The scope was granted while the owner could use it; the permission went later."""
    hr = city.user("hr")
    client = ApiClient(make_token(hr, scopes=["readiness:read", "staff:read"]))
    hr.groups.remove(Group.objects.get(name="HR"))
    grant(hr, "accounts.use_api")  # keeps `use_api`, loses `view_readiness`
    assert client.get(STAFF).status_code == 200
    body = assert_error(client.get("/api/v1/readiness", role="x"), 403)
    assert "readiness:read" in body["message"]


def test_last_used_is_written_at_most_once_a_minute(city, django_assert_num_queries):
    _token, secret = api_token_create(owner=city.user("hr"), name="Sync", scopes=["staff:read"])
    now = timezone.now()
    token = token_authenticate(secret, now=now)
    assert token is not None
    with django_assert_num_queries(1):
        token_touch(token, now=now)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == now
    with django_assert_num_queries(0):
        token_touch(token, now=now + datetime.timedelta(seconds=59))
    again = token_authenticate(secret, now=now + datetime.timedelta(seconds=30))
    with django_assert_num_queries(0):
        token_touch(again, now=now + datetime.timedelta(seconds=30))
    with django_assert_num_queries(1):
        token_touch(again, now=now + datetime.timedelta(seconds=61))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == now + datetime.timedelta(seconds=61)


def test_a_request_records_last_use_and_only_the_first_read_is_audited(city):
    from lms.audit.models import AuditAction, AuditEvent

    token, secret = api_token_create(owner=city.user("hr"), name="Sync", scopes=["staff:read"])
    events = AuditEvent.objects.count()
    client = ApiClient(secret)
    assert client.get(STAFF).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert client.get(STAFF).status_code == 200
    # One row for the first read; the second read (the same hour) is not recorded.
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.first().action == AuditAction.API_TOKEN_USED


# --- Errors -----------------------------------------------------------------------------


def test_validation_errors_are_400_with_the_field(city, api_for):
    api = api_for("hr")
    body = assert_error(api.get(STAFF, limit=501), 400, field="limit")
    assert "limit" in body["message"]
    assert_error(api.get(STAFF, limit="many"), 400, field="limit")
    assert_error(api.get(STAFF, offset=-1), 400, field="offset")
    assert_error(api.get(STAFF, status="retired"), 400, field="status")
    assert_error(api.get(STAFF, organisation="no spaces please"), 400, field="organisation")
    assert_error(api.get("/api/v1/credentials", on="2026-02-30"), 400, field="on")
    assert_error(api.get("/api/v1/credentials", on="0001-01-01"), 400, field="on")
    assert_error(api.get("/api/v1/credentials", status="gone"), 400, field="status.0")
    assert_error(api.get("/api/v1/completions", since="yesterday"), 400, field="since")
    assert_error(api.get("/api/v1/readiness"), 400, field="role")


def test_several_problems_are_all_listed(city, api_for):
    body = assert_error(api_for("hr").get(STAFF, limit=0, offset=-5), 400, field="limit")
    assert [error["field"] for error in body["errors"]] == ["limit", "offset"]
    assert body["message"].startswith("2 fields are invalid")


def test_text_the_database_cannot_store_is_refused(city, api_for):
    api = api_for("hr")
    assert_error(api.get("/api/v1/credentials", employee_id="E\x00001"), 400, field="employee_id")


def test_malformed_json_and_missing_bodies_are_400(city, api_for):
    api = api_for("hr")
    body = assert_error(api.post("/api/v1/credentials/external", raw=b"{not json"), 400)
    assert "JSON" in body["message"]
    assert_error(api.post("/api/v1/credentials/external", raw=b""), 400)
    assert_error(api.post("/api/v1/credentials/external", raw=b"[1, 2]"), 400)


def test_oversized_bodies_are_refused_before_anything_reads_them(city, api_for):
    api = api_for("hr")
    big = b'{"organisation": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    body = assert_error(api.post("/api/v1/credentials/external", raw=big), 413)
    assert "larger" in body["message"]
    assert_error(api.post(STAFF, raw=b"[" + b"0," * (1024 * 1024) + b"0]"), 413)


def test_unknown_paths_and_methods_are_json(city, api_for):
    api = api_for("hr")
    assert_error(api.get("/api/v1/nothing-here"), 404)
    assert_error(api.get("/api/v1/"), 404)
    assert_error(Client().get("/api/v1/staff/ocs/E1/extra"), 404)
    response = api.client.delete(STAFF, headers=api.headers)
    assert_error(response, 405)
    assert "GET" in response["Allow"]
    assert_error(api.client.put("/api/v1/credentials", headers=api.headers), 405)


@pytest.mark.parametrize(
    "path",
    ["/api/v2/pages/", "/api/v2/images/", "/api/v2/documents/", "/api/v3/pages/", "/api/cms/"],
)
def test_wagtails_content_api_is_not_served(city, path, settings):
    assert not [app for app in settings.INSTALLED_APPS if app.startswith("wagtail.api")]
    assert Client().get(path).status_code == 404


# --- Documentation -----------------------------------------------------------------------------


def test_the_openapi_document_is_for_signed_in_administrators(city, client_for):
    anonymous = Client().get("/api/v1/openapi.json")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert client_for("hr").get("/api/v1/openapi.json").status_code == 403
    assert client_for("learner").get("/api/v1/docs").status_code == 403
    admin = client_for("admin")
    schema = admin.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/staff", "/api/v1/credentials", "/api/v1/readiness"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_is_server_rendered_without_scripts(city, client_for):
    response = client_for("admin").get("/api/v1/docs")
    assert response.status_code == 200
    content = response.content.decode()
    assert "/api/v1/credentials/external" in content
    assert "<script" not in content
    assert "cdn" not in content.lower()
    assert "style=" not in content


def test_a_bearer_token_does_not_open_the_docs(city):
    client = ApiClient(make_token(city.user("admin")))
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 302

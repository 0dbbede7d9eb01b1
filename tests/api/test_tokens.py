"""Personal API tokens: the services (create, revoke, audit) and the pages."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lms.api.models import ApiScope, ApiToken
from lms.api.permissions import grantable_scopes
from lms.api.services import api_token_create, api_token_revoke
from lms.audit.models import AuditAction, AuditEvent

from .conftest import grant

NOW = datetime.datetime(2026, 5, 4, 15, 0, tzinfo=datetime.UTC)


def test_create_returns_the_secret_once_and_stores_only_its_hash(city):
    hr = city.user("hr")
    token, secret = api_token_create(
        owner=hr, name="  HRIS   sync ", scopes=["staff:read", "staff:write"], now=NOW
    )
    assert secret.startswith(f"relay_{token.prefix}_")
    assert len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "HRIS sync"
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert stored.scopes == ["staff:read", "staff:write"]
    assert stored.state(now=NOW) == "active"
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert event.actor_id == hr.pk
    assert event.target == f"api_token:{token.pk}"
    assert event.data["scopes"] == ["staff:read", "staff:write"]
    assert secret not in str(event.data)


def test_each_token_gets_its_own_secret_and_prefix(city):
    hr = city.user("hr")
    first = api_token_create(owner=hr, name="One", scopes=["staff:read"])
    second = api_token_create(owner=hr, name="Two", scopes=["staff:read"])
    assert first[1] != second[1]
    assert first[0].prefix != second[0].prefix


@pytest.mark.parametrize("role", ["learner", "fto", "supervisor", "author", "cbo_supervisor"])
def test_people_without_use_api_cannot_hold_tokens(city, role):
    with pytest.raises(PermissionDenied):
        api_token_create(owner=city.user(role), name="Mine", scopes=["staff:read"])
    assert not ApiToken.objects.exists()


def test_scopes_follow_the_owners_permissions(city):
    """HR and administrators may hold every scope; a supervisor given `use_api` reads but
    cannot write staff or credentials."""
    every = {str(s) for s in ApiScope}
    assert {str(s) for s in grantable_scopes(user=city.user("hr"))} == every
    assert {str(s) for s in grantable_scopes(user=city.user("admin"))} == every
    supervisor = grant(city.user("supervisor"), "accounts.use_api")
    assert {str(s) for s in grantable_scopes(user=supervisor)} == {
        "staff:read",
        "credentials:read",
        "completions:read",
        "readiness:read",
    }
    with pytest.raises(ValidationError) as error:
        api_token_create(owner=supervisor, name="Sync", scopes=["staff:read", "staff:write"])
    assert "scopes" in error.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["staff:read", "everything:write"]}, "scopes"),
        ({"expires_at": NOW - datetime.timedelta(minutes=1)}, "expires_at"),
    ],
)
def test_bad_token_requests_are_refused_and_nothing_is_stored(city, changes, field):
    arguments = {"owner": city.user("hr"), "name": "Sync", "scopes": ["staff:read"], "now": NOW}
    with pytest.raises(ValidationError) as error:
        api_token_create(**{**arguments, **changes})
    assert field in error.value.message_dict
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).exists()


def test_a_token_is_limited_to_an_organisation_its_owner_sees(city):
    hr = city.user("hr")
    token, _secret = api_token_create(
        owner=hr, name="Eastside", scopes=["staff:read"], organisation=city.sharing_cbo
    )
    assert token.organisation == city.sharing_cbo
    # City HR does not see the people of a contracted organisation that keeps them private.
    with pytest.raises(ValidationError) as error:
        api_token_create(
            owner=hr, name="Harbor", scopes=["staff:read"], organisation=city.private_cbo
        )
    assert "organisation" in error.value.message_dict


def test_the_owner_revokes_once_and_the_audit_says_so(city):
    hr = city.user("hr")
    token, _secret = api_token_create(owner=hr, name="Sync", scopes=["staff:read"])
    revoked = api_token_revoke(actor=hr, token=token, now=NOW)
    assert revoked.revoked_at == NOW
    assert revoked.state() == "revoked"
    again = api_token_revoke(actor=hr, token=token, now=NOW + datetime.timedelta(hours=1))
    assert again.revoked_at == NOW
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_token_audit_rows_belong_to_the_owners_organisation_unless_the_token_is_limited(city):
    """HR searching their organisation's log finds their people's tokens: an unlimited token's
    rows carry its owner's organisation, a limited token's the one it is limited to."""
    hr = city.user("hr")
    home = hr.staff_profile.organisation
    unlimited, _secret = api_token_create(owner=hr, name="All", scopes=["staff:read"])
    api_token_revoke(actor=hr, token=unlimited)
    rows = AuditEvent.objects.filter(target=f"api_token:{unlimited.pk}")
    assert sorted(rows.values_list("action", flat=True)) == [
        "api_token_created",
        "api_token_revoked",
    ]
    assert set(rows.values_list("organisation_id", flat=True)) == {home.pk}
    other = city.sharing_cbo
    assert other.pk != home.pk
    limited, _secret = api_token_create(
        owner=hr, name="CBO", scopes=["staff:read"], organisation=other
    )
    event = AuditEvent.objects.get(target=f"api_token:{limited.pk}")
    assert event.organisation_id == other.pk


def test_only_the_owner_or_an_administrator_revokes(city):
    hr = city.user("hr")
    token, _secret = api_token_create(owner=hr, name="Sync", scopes=["staff:read"])
    for role in ("supervisor", "learner", "cbo_supervisor"):
        with pytest.raises(PermissionDenied):
            api_token_revoke(actor=city.user(role), token=token)
    admin = city.user("admin")
    api_token_revoke(actor=admin, token=token)
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor_id == admin.pk


def test_expired_tokens_say_so(city):
    token, _secret = api_token_create(
        owner=city.user("hr"),
        name="Short",
        scopes=["staff:read"],
        expires_at=NOW + datetime.timedelta(days=1),
        now=NOW,
    )
    assert token.state(now=NOW) == "active"
    assert token.state(now=NOW + datetime.timedelta(days=2)) == "expired"


# --- Pages ---------------------------------------------------------------------------------------


def test_the_create_page_shows_the_secret_once(city, client_for):
    client = client_for("hr")
    page = client.get("/api/tokens/new/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "staff:write" in content
    # Only organisations HR sees are offered.
    assert city.sharing_cbo.name in content
    assert city.private_cbo.name not in content
    response = client.post(
        "/api/tokens/new/",
        {
            "name": "HRIS sync",
            "scopes": ["staff:read", "staff:write"],
            "organisation": city.department.pk,
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret in response.content.decode()
    assert token.organisation == city.department
    assert token.expires_at > timezone.now()
    listing = client.get("/api/tokens/")
    assert listing.status_code == 200
    assert "HRIS sync" in listing.content.decode()
    assert token.prefix in listing.content.decode()
    assert secret not in listing.content.decode()


def test_a_bad_form_is_answered_with_its_errors(city, client_for):
    client = client_for("hr")
    response = client.post(
        "/api/tokens/new/", {"name": "", "scopes": ["nope"], "expires_on": "2001-01-01"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"name", "scopes", "expires_on"}
    assert not ApiToken.objects.exists()


def test_someone_without_use_api_cannot_open_the_pages(city, client_for):
    client = client_for("supervisor")
    assert client.get("/api/tokens/").status_code == 403
    assert client.get("/api/tokens/new/").status_code == 403
    response = client.post("/api/tokens/new/", {"name": "Mine", "scopes": ["staff:read"]})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_revoking_through_the_page_confirms_first(city, client_for):
    token, _secret = api_token_create(owner=city.user("hr"), name="Sync", scopes=["staff:read"])
    client = client_for("hr")
    confirm = client.get(f"/api/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke token" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_persons_token_is_not_found_but_an_administrator_sees_it(city, client_for):
    token, _secret = api_token_create(owner=city.user("hr"), name="Sync", scopes=["staff:read"])
    other = grant(city.user("supervisor"), "accounts.use_api")
    assert other.has_perm("accounts.use_api")
    assert client_for("supervisor").post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    admin = client_for("admin")
    listing = admin.get("/api/tokens/")
    assert "Sync" in listing.content.decode()
    assert admin.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_token_list_runs_a_constant_number_of_queries(
    city, client_for, django_assert_max_num_queries
):
    hr = city.user("hr")
    client = client_for("admin")
    for n in range(15):
        api_token_create(owner=hr, name=f"Token {n}", scopes=["staff:read"])
        api_token_create(
            owner=city.user("admin"),
            name=f"Mine {n}",
            scopes=["staff:read"],
            organisation=city.sharing_cbo,
        )
    with django_assert_max_num_queries(12):
        response = client.get("/api/tokens/")
    assert response.status_code == 200

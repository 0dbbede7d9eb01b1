"""Bearer-token authentication for the API, and the checks every operation makes.

- :class:`TokenAuth` accepts ``Authorization: Bearer relay_<prefix>_<secret>``; it returns the
  :class:`~lms.api.models.ApiToken` (owner loaded) and sets ``request.api_token``.
- :func:`require_scope` refuses (403) a token without the scope, or whose owner no longer holds
  the permission the scope needs: a token never grants more than its owner has.
- :func:`token_organisations` and :func:`token_staff` are what a token may address: the owner's
  reach, narrowed to the token's organisation when it has one.
"""

import datetime

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from lms.accounts.middleware import has_totp
from lms.accounts.models import Organisation, StaffProfile
from lms.accounts.permissions import organisations_in_reach
from lms.accounts.roles import requires_mfa

from .errors import ApiError
from .models import SCOPE_PERMISSIONS, ApiScope, ApiToken, token_hash

LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def token_owner_may_use_api(owner) -> bool:
    """A token works only while its owner is active, still holds `accounts.use_api` and, when
    one of their roles requires a second factor, still has their authenticator (the site would
    not let them in without it either). One query: the permissions, roles and authenticator are
    read together (`lms.accounts.backends.load_access`)."""
    return (
        owner.is_active
        and owner.has_perm("accounts.use_api")
        and (has_totp(owner) or not requires_mfa(owner))
    )


def token_touch(token: ApiToken, *, now: datetime.datetime) -> None:
    """Record `last_used_at`, at most once a minute per token, in one UPDATE."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_GRANULARITY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)
    token.last_used_at = now


def token_authenticate(raw: str, *, now: datetime.datetime | None = None) -> ApiToken | None:
    """The usable token a raw bearer string names, or None."""
    raw = raw.strip()
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.usable(now=now)
        .select_related("owner", "owner__staff_profile", "organisation")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if token is None or not token_owner_may_use_api(token.owner):
        return None
    return token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; nothing else (no session, so no CSRF question).

    ``TokenAuth(ApiScope.X)`` also checks the scope (as `require_scope`) while authenticating,
    so that a token without it gets its 403 before the request body is even parsed."""

    def __init__(self, scope: "ApiScope | None" = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()
        api_token = token_authenticate(token, now=now)
        if api_token is None:
            raise ApiError(401, "The API token is missing, unknown, expired or revoked.")
        token_touch(api_token, now=now)
        request.api_token = api_token
        if self.scope is not None:
            require_scope(request, self.scope)
        return api_token


def scope_allowed_for(owner, scope: str) -> bool:
    """Whether `owner` may hold (and use) a token with `scope`: they may use the API and hold
    every permission the scope needs (`SCOPE_PERMISSIONS`)."""
    needed = SCOPE_PERMISSIONS.get(str(scope))
    if needed is None or not token_owner_may_use_api(owner):
        return False
    return all(owner.has_perm(permission) for permission in needed)


def require_scope(request: HttpRequest, scope: ApiScope) -> ApiToken:
    """The request's token, if it carries `scope` and its owner may still do what it needs."""
    token: ApiToken | None = getattr(request, "api_token", None) or getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        raise ApiError(401, "The API token is missing, unknown, expired or revoked.")
    if not token.has_scope(scope):
        raise ApiError(403, f"This token lacks the {scope} scope.")
    if not scope_allowed_for(token.owner, scope):
        raise ApiError(403, f"The token's owner may no longer use the {scope} scope.")
    return token


def token_organisations(token: ApiToken) -> QuerySet[Organisation]:
    """The organisations the token may address as a whole: the owner's reach
    (`organisations_in_reach`), narrowed to the token's organisation when it has one."""
    organisations = organisations_in_reach(user=token.owner)
    if token.organisation_id is not None:
        organisations = organisations.filter(pk=token.organisation_id)
    return organisations


def token_staff(token: ApiToken) -> QuerySet[StaffProfile]:
    """The staff profiles the token may read: what the owner sees
    (`StaffProfile.objects.visible_to`), narrowed to the token's organisation when it has one."""
    staff = StaffProfile.objects.visible_to(token.owner)
    if token.organisation_id is not None:
        staff = staff.filter(organisation_id=token.organisation_id)
    return staff

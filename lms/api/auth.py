"""Bearer-token authentication for the API, and the checks every operation makes.

- :class:`TokenAuth` accepts ``Authorization: Bearer relay_<prefix>_<secret>``; it returns the
  :class:`~lms.api.models.ApiToken` (owner loaded) and sets ``request.api_token``.
- :func:`require_scope` refuses (403) a token without the scope, or whose owner no longer holds
  the permission the scope needs: a token never grants more than its owner has.
- :func:`token_organisations` and :func:`token_staff` are what a token may address: the owner's
  reach, narrowed to the token's organisation when it has one.
- :func:`token_use_record` writes the ``API_TOKEN_USED`` audit rows (the policy is in its
  docstring).
"""

import datetime

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from lms.accounts.middleware import has_totp
from lms.accounts.models import Organisation, StaffProfile
from lms.accounts.permissions import organisations_in_reach
from lms.accounts.roles import requires_mfa
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_record

from .errors import ApiError
from .models import SCOPE_PERMISSIONS, ApiScope, ApiToken, token_hash

LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_AUDIT_WINDOW = datetime.timedelta(hours=1)
FIRST_READ = "first read this hour"


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


def token_touch(token: ApiToken, *, now: datetime.datetime) -> bool:
    """Record `last_used_at`, at most once a minute per token, in one UPDATE. True when it
    was due (the token had not been used in the last minute)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_GRANULARITY:
        return False
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)
    token.last_used_at = now
    return True


def _read_key(token: ApiToken) -> str:
    # The prefix is random per token, so a key never outlives its token into another's.
    return f"api-token-read:{token.pk}:{token.prefix}"


def token_use_record(
    token: ApiToken, *, request: HttpRequest, now: datetime.datetime, touched: bool
) -> AuditEvent | None:
    """The ``API_TOKEN_USED`` audit row for one authenticated request, if the policy wants one.

    Policy: every write request (POST, PUT, PATCH, DELETE) is recorded, whether or not it then
    succeeds. Reads are recorded at most once per token per hour: the first read records a row
    saying "first read this hour" and sets a cache key that lives an hour; reads while the key
    lives are not recorded, so an integration polling every few seconds does not flood the
    chain. The cache is consulted only when `token_touch` was due (`touched`: the token was
    not used in the last minute), so steady polling costs nothing extra either; a read within
    a minute of the token's previous use is covered by that use's row. Every row has the
    owner as actor, the token's audit organisation (`audit_organisation`), the client's
    address, the method, the path (without the query string) and the token's prefix, never
    its secret."""
    from .services import audit_organisation  # services imports permissions, which imports us

    method = (request.method or "").upper()
    data = {"method": method, "path": request.path[:200], "prefix": token.prefix}
    if method not in WRITE_METHODS:
        if not touched:
            return None
        seconds = int(READ_AUDIT_WINDOW.total_seconds())
        if not cache.add(_read_key(token), now.isoformat(), timeout=seconds):
            return None
        data["read"] = FIRST_READ
    return audit_record(
        action=AuditAction.API_TOKEN_USED,
        actor=token.owner,
        organisation=audit_organisation(token),
        request=request,
        target=f"api_token:{token.pk}",
        data=data,
        now=now,
    )


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
        touched = token_touch(api_token, now=now)
        token_use_record(api_token, request=request, now=now, touched=touched)
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

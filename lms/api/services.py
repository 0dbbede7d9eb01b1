"""Creating and revoking personal API tokens. The secret exists only in the return value of
`api_token_create`; the database keeps its SHA-256."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.accounts.models import Organisation
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from . import permissions
from .models import TOKEN_PREFIX, ApiToken, token_hash

MAX_NAME_LENGTH = 100


def _new_secret() -> tuple[str, str]:
    """A fresh (prefix, full token): ``relay_<8 hex>_<43 url-safe characters>``."""
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def audit_organisation(token: ApiToken) -> Organisation | None:
    """The organisation a token's audit rows belong to: the one it is limited to, else its
    owner's (so HR searching their organisation's log finds their people's tokens)."""
    if token.organisation_id is not None:
        return token.organisation
    return Organisation.objects.filter(staff__user_id=token.owner_id).first()


def api_token_create(
    *,
    owner,
    name: str,
    scopes: list[str],
    organisation: Organisation | None = None,
    expires_at: datetime.datetime | None = None,
    request=None,
    now: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A personal token for `owner` with `scopes` (each one the owner may use), limited to
    `organisation` when given (one they see). Returns the token and its secret, shown once."""
    permissions.ensure_can_hold_tokens(user=owner)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Give the token a name that says what uses it."
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = f"Keep the name under {MAX_NAME_LENGTH} characters."
    allowed = {str(scope) for scope in permissions.grantable_scopes(user=owner)}
    wanted = sorted({str(scope) for scope in scopes})
    if not wanted:
        errors["scopes"] = "Choose at least one scope."
    elif any(scope not in allowed for scope in wanted):
        errors["scopes"] = "You cannot give a token a scope you do not have yourself."
    if (
        organisation is not None
        and not permissions.token_organisation_choices(user=owner)
        .filter(pk=organisation.pk)
        .exists()
    ):
        errors["organisation"] = "Choose an organisation whose staff you see."
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for _attempt in range(5):
            prefix, secret = _new_secret()
            try:
                with transaction.atomic():
                    token = ApiToken.objects.create(
                        owner=owner,
                        name=name,
                        prefix=prefix,
                        token_hash=token_hash(secret),
                        scopes=wanted,
                        organisation=organisation,
                        created_at=now,
                        expires_at=expires_at,
                    )
                break
            except IntegrityError:  # a prefix collision: draw again
                continue
        else:  # pragma: no cover - five collisions of 32 random bits
            raise RuntimeError("Could not draw a unique token prefix.")
        audit_record(
            action=AuditAction.API_TOKEN_CREATED,
            actor=owner,
            organisation=audit_organisation(token),
            request=request,
            target=f"api_token:{token.pk}",
            data={
                "name": name,
                "prefix": prefix,
                "scopes": wanted,
                "organisation": organisation.slug if organisation else None,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
            now=now,
        )
    return token, secret


def api_token_revoke(
    *, actor, token: ApiToken, request=None, now: datetime.datetime | None = None
) -> ApiToken:
    """Revoke a token (its owner, or an API administrator). Revoking twice changes nothing."""
    permissions.ensure_can_revoke(actor=actor, token=token)
    now = now or timezone.now()
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_TOKEN_REVOKED,
            actor=actor,
            organisation=audit_organisation(locked),
            request=request,
            target=f"api_token:{locked.pk}",
            data={"prefix": locked.prefix, "owner": locked.owner_id},
            now=now,
        )
    return locked

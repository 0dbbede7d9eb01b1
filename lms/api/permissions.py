"""Who may hold, see and revoke API tokens, and read the API's documentation."""

from django.core.exceptions import PermissionDenied

from lms.accounts.permissions import organisations_in_reach

from .auth import scope_allowed_for, token_owner_may_use_api
from .models import ApiScope, ApiToken


def can_hold_tokens(*, user) -> bool:
    """Personal tokens are for active people holding `accounts.use_api` (HR, administrators)."""
    return user.is_authenticated and token_owner_may_use_api(user)


def ensure_can_hold_tokens(*, user) -> None:
    if not can_hold_tokens(user=user):
        raise PermissionDenied("You cannot hold API tokens.")


def is_api_administrator(*, user) -> bool:
    """An administrator of the API: holds `accounts.use_api` and `accounts.manage_roles` (the
    administrator role; superusers hold every permission)."""
    return (
        user.is_authenticated
        and user.has_perm("accounts.use_api")
        and user.has_perm("accounts.manage_roles")
    )


def can_read_api_docs(*, user) -> bool:
    """The OpenAPI document and its page are for signed-in API administrators."""
    return is_api_administrator(user=user)


def can_revoke(*, actor, token: ApiToken) -> bool:
    """The owner revokes their own token; an API administrator revokes anyone's."""
    if not actor.is_authenticated:
        return False
    if token.owner_id == actor.pk:
        return True
    return is_api_administrator(user=actor)


def ensure_can_revoke(*, actor, token: ApiToken) -> None:
    if not can_revoke(actor=actor, token=token):
        raise PermissionDenied("You cannot revoke this token.")


def grantable_scopes(*, user) -> list[ApiScope]:
    """The scopes `user` may put on a token: those whose permission they hold."""
    return [scope for scope in ApiScope if scope_allowed_for(user, scope)]


def token_organisation_choices(*, user):
    """The organisations a token of `user` may be limited to (the organisations they see)."""
    return organisations_in_reach(user=user).order_by("name")

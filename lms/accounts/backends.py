"""A person's groups, permissions and second factor, read in one query per request.

Every signed-in page asks for the person's roles (the MFA middleware, the navigation), for
several permissions (the navigation) and, for the roles that require MFA, whether they have set
up TOTP (the MFA middleware). Django's `ModelBackend` reads user permissions and group
permissions in two queries, the roles need a third and TOTP a fourth; `load_access` reads them
all at once and leaves the results where `roles_of`, `has_totp` and `ModelBackend` look for
them, so what they answer is unchanged.
"""

from collections.abc import Container

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from .models import User

# Django's ModelBackend keeps a person's permissions on the user object under these names.
USER_PERMS = "_user_perm_cache"
GROUP_PERMS = "_group_perm_cache"
ALL_PERMS = "_perm_cache"
GROUP_NAMES = "_relay_group_names"
HAS_TOTP = "_relay_has_totp"
ACCESS_ATTRIBUTES = (ALL_PERMS, USER_PERMS, GROUP_PERMS, GROUP_NAMES, HAS_TOTP)

# Tagged rows: the user's group names, direct permissions, permissions through groups and TOTP
# authenticator. The tables are Django's (auth, contenttypes), the custom User's two
# many-to-many tables and allauth's authenticators.
ACCESS_SQL = """
SELECT 'group', g.name, NULL
  FROM auth_group g
  JOIN accounts_user_groups ug ON ug.group_id = g.id
 WHERE ug.user_id = %(user)s
UNION ALL
SELECT 'user', ct.app_label, p.codename
  FROM auth_permission p
  JOIN django_content_type ct ON ct.id = p.content_type_id
  JOIN accounts_user_user_permissions up ON up.permission_id = p.id
 WHERE up.user_id = %(user)s
UNION ALL
SELECT 'group_perm', ct.app_label, p.codename
  FROM auth_permission p
  JOIN django_content_type ct ON ct.id = p.content_type_id
  JOIN auth_group_permissions gp ON gp.permission_id = p.id
  JOIN accounts_user_groups ug ON ug.group_id = gp.group_id
 WHERE ug.user_id = %(user)s
UNION ALL
SELECT 'totp', NULL, NULL
  FROM mfa_authenticator a
 WHERE a.user_id = %(user)s AND a.type = 'totp'
"""


def load_access(user: User) -> None:
    """Read the user's group names, permissions and whether they have TOTP, in one query, and
    keep them on the object (for this request: the next one loads the user afresh).

    Permissions are kept only where ModelBackend would compute them from these tables: for an
    active user who is not a superuser (a superuser holds every permission; ModelBackend reads
    them itself).
    """
    with connection.cursor() as cursor:
        cursor.execute(ACCESS_SQL, {"user": user.pk})
        rows = cursor.fetchall()
    setattr(user, GROUP_NAMES, {name for kind, name, _ in rows if kind == "group"})
    setattr(user, HAS_TOTP, any(kind == "totp" for kind, _, _ in rows))
    if user.is_active and not user.is_superuser:
        direct = {f"{app}.{code}" for kind, app, code in rows if kind == "user"}
        from_groups = {f"{app}.{code}" for kind, app, code in rows if kind == "group_perm"}
        setattr(user, USER_PERMS, direct)
        setattr(user, GROUP_PERMS, from_groups)
        setattr(user, ALL_PERMS, direct | from_groups)


class _Everything:
    def __contains__(self, perm: object) -> bool:
        return True


def granted_permissions(user) -> Container[str]:
    """What `user.has_perm(perm)` grants (without an object), to test several perms at once.

    An active superuser holds every permission, as `has_perm` answers without asking the
    backends; anyone else holds what the backends list (read in one query).
    """
    if user.is_active and user.is_superuser:
        return _Everything()
    return user.get_all_permissions()


def forget_access(user: User) -> None:
    """Drop what `load_access` (or ModelBackend) kept, after the user's groups changed."""
    for attribute in ACCESS_ATTRIBUTES:
        user.__dict__.pop(attribute, None)


# The signed-in person, read on every request. The ORM's `get(pk=...)` spends longer compiling
# the query (and ordering by the model's default ordering) than the database spends answering
# it; `raw()` hands the same row to the same model, with the same conversions.
USER_BY_PK_SQL = f"SELECT * FROM {User._meta.db_table} WHERE {User._meta.pk.column} = %s"  # noqa: S608 - fixed text


class LoadsUserInOneRawQuery:
    """`get_user` for the backends a session can name: the user by primary key, or None for
    an unknown id or someone who may not sign in (as ModelBackend answers)."""

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = next(iter(User._default_manager.raw(USER_BY_PK_SQL, [pk])), None)
        return user if user is not None and self.user_can_authenticate(user) else None


class RelayModelBackend(LoadsUserInOneRawQuery, ModelBackend):
    """Django's backend (email and password, as USERNAME_FIELD is the email), loading the
    signed-in person as above. allauth's sign-in form reaches it first."""


class RelayAuthenticationBackend(LoadsUserInOneRawQuery, AuthenticationBackend):
    """allauth's backend (sign-in by email), loading the signed-in person as above. Sessions
    record this backend for people who signed in with allauth."""


class OneQueryPermissionsBackend(LoadsUserInOneRawQuery, ModelBackend):
    """ModelBackend's permissions, read with the person's groups in one query.

    Listed before Django's and allauth's backends; it authenticates nobody, so sign-in and the
    backend recorded in a session are theirs.
    """

    def authenticate(self, request, **credentials):
        return None

    def _prime(self, user_obj, obj) -> None:
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and not user_obj.is_superuser
            and not hasattr(user_obj, ALL_PERMS)
            and not (hasattr(user_obj, USER_PERMS) and hasattr(user_obj, GROUP_PERMS))
        ):
            load_access(user_obj)

    def get_user_permissions(self, user_obj, obj=None):
        self._prime(user_obj, obj)
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        self._prime(user_obj, obj)
        return super().get_group_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        self._prime(user_obj, obj)
        return super().get_all_permissions(user_obj, obj)

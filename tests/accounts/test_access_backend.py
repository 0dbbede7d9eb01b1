"""Groups and permissions read in one query answer exactly as Django's ModelBackend does."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.utils.module_loading import import_string

from lms.accounts.backends import (
    LoadsUserInOneRawQuery,
    OneQueryPermissionsBackend,
    RelayAuthenticationBackend,
    RelayModelBackend,
    load_access,
)
from lms.accounts.models import User
from lms.accounts.roles import Role, roles_of
from lms.accounts.services import roles_set
from tests.conftest import sign_in
from tests.factories import UserFactory


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", list(Role))
def test_permissions_and_roles_match_model_backend(city, role):
    user = UserFactory(roles=[role])
    direct = Permission.objects.get(codename="view_competency")
    user.user_permissions.add(direct)
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert "courses.view_competency" in expected

    ours = _fresh(user)
    assert ours.get_all_permissions() == expected
    assert ours.get_user_permissions() == ModelBackend().get_user_permissions(_fresh(user))
    assert ours.get_group_permissions() == ModelBackend().get_group_permissions(_fresh(user))
    assert set(roles_of(_fresh(user))) == {role, Role.LEARNER}


def test_roles_permissions_and_groups_are_one_query(city, django_assert_num_queries):
    user = _fresh(city.user("supervisor"))
    with django_assert_num_queries(1):
        assert Role.SUPERVISOR in roles_of(user)
        assert user.has_perm("accounts.invite_staff")
        assert user.has_perm("courses.view_team_progress")
        assert not user.has_perm("accounts.manage_roles")


def test_inactive_users_and_superusers_keep_model_backend_answers(city):
    inactive = UserFactory(roles=[Role.SUPERVISOR], is_active=False)
    assert not _fresh(inactive).has_perm("accounts.invite_staff")
    superuser = _fresh(city.user("admin"))
    load_access(superuser)
    assert superuser.is_superuser
    assert superuser.has_perm("accounts.manage_roles")
    assert superuser.has_perm("wagtailcore.add_page")  # every permission, not only the role's


def test_a_role_change_is_seen_at_once(city):
    admin = city.user("admin")
    learner = city.user("learner")
    assert not learner.has_perm("accounts.sign_off_trainees")
    roles_set(actor=admin, user=learner, roles={Role.FTO})
    assert learner.has_perm("accounts.sign_off_trainees")
    assert Role.FTO in roles_of(learner)


def test_totp_is_read_with_the_roles(city, django_assert_num_queries):
    from allauth.mfa.models import Authenticator

    from lms.accounts.middleware import has_totp

    for role in ("learner", "fto", "admin"):
        user = _fresh(city.user(role))
        expected = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        with django_assert_num_queries(1):
            assert has_totp(user) == expected
            roles_of(user)
            user.has_perm("accounts.invite_staff")
    assert has_totp(_fresh(city.user("fto")))
    assert not has_totp(_fresh(city.user("learner")))


@pytest.mark.parametrize("role", ["learner", "supervisor", "hr", "author", "admin"])
def test_granted_permissions_answer_as_has_perm(city, role):
    from lms.accounts.backends import granted_permissions

    user = _fresh(city.user(role))
    granted = granted_permissions(user)
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        assert (name in granted) == user.has_perm(name), name
    inactive = _fresh(city.user(role))
    inactive.is_active = False
    assert "accounts.invite_staff" not in granted_permissions(inactive)


@pytest.mark.parametrize(
    "backend", [OneQueryPermissionsBackend, RelayModelBackend, RelayAuthenticationBackend]
)
def test_the_signed_in_person_loads_as_model_backend_loads_them(city, backend):
    expected = ModelBackend().get_user(city.user("learner").pk)
    loaded = backend().get_user(str(city.user("learner").pk))  # sessions keep the id as text
    field_names = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(loaded, name) for name in field_names] == [
        getattr(expected, name) for name in field_names
    ]
    assert loaded.last_login is None or loaded.last_login.tzinfo is not None
    inactive = UserFactory(is_active=False)
    assert backend().get_user(inactive.pk) is None
    assert backend().get_user(10**9) is None
    assert backend().get_user("not a number") is None


def test_allauth_sign_in_records_the_backend_that_loads_in_one_query(city, client):
    sign_in(client, city.user("learner"))
    recorded = import_string(client.session["_auth_user_backend"])
    assert issubclass(recorded, LoadsUserInOneRawQuery)
    assert client.get("/").status_code == 200

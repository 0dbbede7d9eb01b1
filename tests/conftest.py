"""Shared fixtures: one person per role, in a small city of three organisations."""

from dataclasses import dataclass

import pyotp
import pytest
from django.test import Client

from lms.accounts.models import DataSharing, Organisation, StaffProfile, User
from lms.accounts.roles import Role
from tests.factories import OrganisationFactory, StaffProfileFactory, UserFactory
from tests.factories.accounts import PASSWORD, TOTP_SECRET


@pytest.fixture(autouse=True)
def _fast_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@dataclass
class City:
    department: Organisation
    sharing_cbo: Organisation
    private_cbo: Organisation
    learner: StaffProfile
    fto: StaffProfile
    supervisor: StaffProfile
    hr: StaffProfile
    author: StaffProfile
    admin: StaffProfile
    cbo_learner: StaffProfile
    cbo_supervisor: StaffProfile
    private_cbo_learner: StaffProfile

    def user(self, role: str) -> User:
        return getattr(self, role).user


def _staff(org, email, *roles, totp=False, **extra):
    user = UserFactory(email=email, roles=roles, totp=totp)
    return StaffProfileFactory(user=user, organisation=org, **extra)


@pytest.fixture
def city(db) -> City:
    department = OrganisationFactory(name="Office of Community Safety", slug="ocs")
    sharing_cbo = OrganisationFactory(
        contracted=True, name="Eastside Peace Partners", data_sharing=DataSharing.FULL
    )
    private_cbo = OrganisationFactory(
        contracted=True, name="Harbor Outreach Collective", data_sharing=DataSharing.NONE
    )
    supervisor = _staff(department, "supervisor@relay.test", Role.SUPERVISOR, totp=True)
    fto = _staff(department, "fto@relay.test", Role.FTO, totp=True, supervisor=supervisor.user)
    learner = _staff(
        department,
        "learner@relay.test",
        supervisor=supervisor.user,
        field_training_officers=[fto.user],
    )
    hr = _staff(department, "hr@relay.test", Role.HR, totp=True)
    author = _staff(department, "author@relay.test", Role.AUTHOR)
    admin = _staff(department, "admin@relay.test", Role.ADMIN, totp=True)
    cbo_supervisor = _staff(sharing_cbo, "cbo.supervisor@relay.test", Role.SUPERVISOR, totp=True)
    cbo_learner = _staff(sharing_cbo, "cbo.learner@relay.test", supervisor=cbo_supervisor.user)
    private_cbo_learner = _staff(private_cbo, "harbor.learner@relay.test")
    return City(
        department=department,
        sharing_cbo=sharing_cbo,
        private_cbo=private_cbo,
        learner=learner,
        fto=fto,
        supervisor=supervisor,
        hr=hr,
        author=author,
        admin=admin,
        cbo_learner=cbo_learner,
        cbo_supervisor=cbo_supervisor,
        private_cbo_learner=private_cbo_learner,
    )


def totp_now() -> str:
    return pyotp.TOTP(TOTP_SECRET).now()


def sign_in(client: Client, user: User) -> Client:
    """Sign in through allauth's real forms, answering the TOTP step when there is one."""
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if response["Location"].startswith("/accounts/2fa/authenticate"):
        response = client.post(response["Location"], {"code": totp_now()})
        assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def client_for(city):
    """`client_for("hr")` is a client signed in as that person of the city."""

    def make(role: str) -> Client:
        return sign_in(Client(), city.user(role))

    return make

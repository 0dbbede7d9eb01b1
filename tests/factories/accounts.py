import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from lms.accounts.models import (
    Invitation,
    Organisation,
    OrganisationKind,
    StaffProfile,
    StaffStatus,
    User,
)
from lms.accounts.roles import Role
from lms.accounts.services import _apply_roles, hash_token

from .certificates import JobRoleFactory

PASSWORD = "relay-test-pass-9"
TOTP_SECRET = "RELAYDEMORELAYDEMORELAYDEMO23456"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Office of Community Safety {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganisationKind.DEPARTMENT
    time_zone = "America/Denver"

    class Params:
        contracted = factory.Trait(
            kind=OrganisationKind.CONTRACTED,
            contract_reference=factory.Sequence(lambda n: f"CT-2025-{n:04d}"),
            name=factory.Sequence(lambda n: f"Community Partners {n}"),
        )


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified primary email and a known password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@relay.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """Everyone holds the learner role, as invitations and the roles service ensure."""
        if create:
            give_roles(obj, *(extracted or ()))

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """`totp=True` activates an authenticator with the fixed test secret."""
        if create and extracted:
            TOTP.activate(obj, TOTP_SECRET)


def give_roles(user: User, *roles: Role) -> User:
    """Set a user's roles exactly as the roles service would (without the actor checks)."""
    _apply_roles(user, {Role(r) for r in roles} | {Role.LEARNER})
    # Drop Django's cached permissions so has_perm sees the new groups.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_relay_group_names"):
        user.__dict__.pop(attr, None)
    return user


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    employee_id = factory.Sequence(lambda n: f"E{n:06d}")
    job_role = factory.SubFactory(JobRoleFactory)
    hire_date = datetime.date(2025, 3, 3)
    status = StaffStatus.TRAINEE

    @factory.post_generation
    def field_training_officers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.field_training_officers.add(*extracted)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation. Pass `raw_token=` to know the token its link carries."""

    class Meta:
        model = Invitation
        exclude = ["raw_token"]

    raw_token = factory.Sequence(lambda n: f"test-token-{n:08d}-abcdefghijklmnop")
    email = factory.Sequence(lambda n: f"invitee{n}@relay.test")
    first_name = "Ines"
    last_name = "Invitee"
    organisation = factory.SubFactory(OrganisationFactory)
    employee_id = factory.Sequence(lambda n: f"INV{n:05d}")
    hire_date = datetime.date(2026, 1, 5)
    role = Role.LEARNER
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(
        lambda: datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=14)
    )

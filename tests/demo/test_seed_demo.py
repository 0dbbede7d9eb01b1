"""The demo city loader: shape of the city, the demo logins, idempotency and determinism."""

import datetime
import hashlib
from io import StringIO

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from certificates.models import JobRole
from lms.accounts.models import Organisation, OrganisationKind, StaffProfile, StaffStatus, User
from lms.accounts.roles import ROLE_DEFINITIONS, Role, roles_of
from lms.demo.people import (
    DEMO_ANCHOR,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    generate_staff,
)
from lms.demo.seed import seed_city

EMAILS = [login.email for login in DEMO_LOGINS]
pytestmark = pytest.mark.django_db

PRIVILEGED = {"fto@relay.test", "supervisor@relay.test", "hr@relay.test", "admin@relay.test"}


@pytest.fixture
def seeded(db):
    # The city alone: the curriculum and training history are tested in test_curriculum_seed.
    return seed_city(today=DEMO_ANCHOR, curriculum=False)


def _group_members(role: Role) -> set[int]:
    group = Group.objects.get(name=ROLE_DEFINITIONS[role].group_name)
    return set(group.user_set.values_list("pk", flat=True))


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "job_roles": JobRole.objects.count(),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "profiles": StaffProfile.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "ftos": StaffProfile.field_training_officers.through.objects.count(),
        "authenticators": Authenticator.objects.count(),
    }


def _digest(rows) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def test_city_has_departments_and_contracted_organisations(seeded):
    organisations = list(Organisation.objects.all())
    contracted = [org for org in organisations if org.kind == OrganisationKind.CONTRACTED]
    assert len(organisations) >= 6
    assert len(contracted) >= 3
    assert all(org.contract_reference for org in contracted)
    assert {org.data_sharing for org in contracted} >= {"full", "none"}
    assert {org.time_zone for org in organisations} == {"America/Denver"}


def test_job_roles_carry_onet_soc_codes(seeded):
    roles = {role.name: role for role in JobRole.objects.all()}
    assert len(roles) >= 20
    responder = roles["Community / behavioral health responder (non-licensed)"]
    assert (responder.onet_soc_code, responder.soc_verified) == ("21-1093.00", False)
    assert roles["Public safety telecommunicator (911)"].onet_soc_code == "43-5031.00"
    for role in roles.values():
        role.full_clean()
        assert role.onet_soc_code or not role.soc_verified


def test_about_two_hundred_staff(seeded):
    assert 180 <= StaffProfile.objects.count() <= 260
    assert seeded.staff == StaffProfile.objects.count()
    statuses = set(StaffProfile.objects.values_list("status", flat=True))
    assert statuses == set(StaffStatus.values)


@pytest.mark.parametrize(
    ("email", "role", "granted", "denied"),
    [
        ("learner@relay.test", Role.LEARNER, None, "accounts.sign_off_trainees"),
        ("fto@relay.test", Role.FTO, "accounts.sign_off_trainees", "accounts.view_city_staff"),
        (
            "supervisor@relay.test",
            Role.SUPERVISOR,
            "accounts.view_organisation_staff",
            "accounts.view_city_staff",
        ),
        ("hr@relay.test", Role.HR, "accounts.view_city_staff", "accounts.manage_roles"),
        ("author@relay.test", Role.AUTHOR, "wagtailadmin.access_admin", "accounts.invite_staff"),
        ("admin@relay.test", Role.ADMIN, "accounts.manage_roles", None),
        ("cbo.learner@relay.test", Role.LEARNER, None, "accounts.invite_staff"),
    ],
)
def test_demo_login_has_its_role(seeded, email, role, granted, denied):
    user = User.objects.get(email=email)
    assert user.check_password(DEMO_PASSWORD)
    assert user.is_active
    assert set(roles_of(user)) == {role, Role.LEARNER}
    if granted:
        assert user.has_perm(granted)
    if denied:
        assert not user.has_perm(denied)
    assert (user.is_staff, user.is_superuser) == (role == Role.ADMIN, role == Role.ADMIN)
    assert user.first_name
    assert user.last_name
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert has_totp == (email in PRIVILEGED)


def test_demo_learner_is_a_community_safety_trainee(seeded):
    profile = StaffProfile.objects.get(user__email="learner@relay.test")
    assert profile.status == StaffStatus.TRAINEE
    assert profile.organisation.name == "Alder Bay Office of Community Safety"
    assert profile.job_role.onet_soc_code == "21-1093.00"
    assert profile.supervisor.email == "supervisor@relay.test"
    assert [u.email for u in profile.field_training_officers.all()] == ["fto@relay.test"]
    fto = StaffProfile.objects.get(user__email="fto@relay.test")
    assert fto.organisation == profile.organisation
    assert fto.user.trainee_profiles.count() > 1  # the generated trainees share the demo FTO


def test_cbo_learner_works_for_a_contracted_organisation(seeded):
    profile = StaffProfile.objects.get(user__email="cbo.learner@relay.test")
    assert profile.organisation.is_contracted
    assert profile.organisation.shares_people_with_city
    assert profile.supervisor.staff_profile.organisation == profile.organisation


def test_every_user_has_a_verified_primary_email_and_the_learner_role(seeded):
    learners = _group_members(Role.LEARNER)
    for user in User.objects.all():
        assert user.pk in learners
    verified = set(
        EmailAddress.objects.filter(verified=True, primary=True).values_list("user_id", "email")
    )
    assert verified == set(User.objects.values_list("pk", "email"))


def test_trainees_have_one_or_two_ftos_of_their_own_organisation(seeded):
    ftos = _group_members(Role.FTO)
    trainees = StaffProfile.objects.filter(status=StaffStatus.TRAINEE).prefetch_related(
        "field_training_officers__staff_profile"
    )
    assert trainees
    for trainee in trainees:
        officers = list(trainee.field_training_officers.all())
        assert 1 <= len(officers) <= 2
        for officer in officers:
            assert officer.pk in ftos
            assert officer.staff_profile.organisation_id == trainee.organisation_id
            assert officer.staff_profile.status == StaffStatus.ACTIVE


def test_supervisors_belong_to_the_same_organisation(seeded):
    supervisors = _group_members(Role.SUPERVISOR)
    unsupervised_logins = {"supervisor@relay.test", "hr@relay.test", "author@relay.test"}
    unsupervised_logins.add("admin@relay.test")
    for profile in StaffProfile.objects.select_related("user", "supervisor__staff_profile"):
        if profile.supervisor is None:
            # Only the head of each team (and the office staff among the logins) has none.
            assert profile.user.pk in supervisors or profile.user.email in unsupervised_logins
            continue
        assert profile.supervisor.pk in supervisors
        assert profile.supervisor_id != profile.user_id
        assert profile.supervisor.staff_profile.organisation_id == profile.organisation_id


def test_separated_people_are_inactive(seeded):
    separated = StaffProfile.objects.filter(status=StaffStatus.SEPARATED).select_related("user")
    assert separated
    for profile in separated:
        assert not profile.user.is_active
        assert profile.hire_date < profile.separated_on <= DEMO_ANCHOR
    others = StaffProfile.objects.exclude(status=StaffStatus.SEPARATED)
    assert not others.filter(user__is_active=False).exists()
    assert not others.filter(separated_on__isnull=False).exists()


def test_hire_dates_fall_in_the_two_years_before_the_anchor(seeded):
    earliest = DEMO_ANCHOR - datetime.timedelta(days=730)
    dates = StaffProfile.objects.values_list("hire_date", flat=True)
    assert all(earliest <= day <= DEMO_ANCHOR for day in dates)
    trainees = StaffProfile.objects.filter(status=StaffStatus.TRAINEE)
    assert all((DEMO_ANCHOR - p.hire_date).days < 112 for p in trainees)


def test_seeding_twice_changes_nothing(seeded):
    before = _counts()
    snapshot = _digest(
        StaffProfile.objects.values_list(
            "user__email", "employee_id", "hire_date", "status", "supervisor__email"
        )
    )
    again = seed_city(today=DEMO_ANCHOR + datetime.timedelta(days=3), curriculum=False)
    assert _counts() == before
    assert (again.staff_created, again.logins_created, again.organisations_created) == (0, 0, 0)
    assert snapshot == _digest(
        StaffProfile.objects.values_list(
            "user__email", "employee_id", "hire_date", "status", "supervisor__email"
        )
    )


def test_generator_is_deterministic():
    def digest(size: int) -> str:
        return _digest((s.email, s.employee_id, s.hire_date) for s in generate_staff(size))

    assert digest(300) == digest(300)
    # A bigger city contains the smaller one: person i does not depend on the size.
    assert generate_staff(300)[:120] == generate_staff(120)
    assert len({s.email for s in generate_staff(300)}) == 300


def test_seed_demo_size_builds_the_generated_people():
    call_command("seed_demo", "--size", "300", "--no-curriculum", stdout=StringIO())
    generated = StaffProfile.objects.exclude(user__email__in=EMAILS)
    assert generated.count() == 300
    stored = generated.values_list("user__email", "employee_id", "hire_date")
    expected = ((s.email, s.employee_id, s.hire_date) for s in generate_staff(300))
    assert _digest(stored) == _digest(expected)
    assert set(User.objects.filter(email__in=EMAILS).values_list("email", flat=True)) == set(EMAILS)


def test_seed_demo_prints_a_summary():
    out = StringIO()
    call_command("seed_demo", "--size", "20", stdout=out)
    assert "City of Alder Bay: 7 organisations (3 contracted)" in out.getvalue()
    assert "36 staff" in out.getvalue()  # 20 generated, 7 demo logins, 9 field-training people
    assert "Curriculum: 4 programs, 30 modules" in out.getvalue()
    assert "Credentials: 33 types (3 earned in Relay)" in out.getvalue()
    assert "held by 36 people" in out.getvalue()  # every staff member holds credentials
    quiet = StringIO()
    call_command("seed_demo", "--size", "20", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""


def test_demo_logins_prints_every_login(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for email in EMAILS:
        assert email in text
    assert DEMO_PASSWORD in text
    assert DEMO_TOTP_SECRET in text
    assert "DEMO DATA ONLY" in text
    hr_line = next(line for line in text.splitlines() if line.startswith("hr@relay.test"))
    assert DEMO_TOTP_SECRET in hr_line
    learner_line = next(line for line in text.splitlines() if line.startswith("learner@"))
    assert DEMO_TOTP_SECRET not in learner_line


def test_a_privileged_demo_login_signs_in_with_its_totp(seeded):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "hr@relay.test", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    response = client.post(response["Location"], {"code": pyotp.TOTP(DEMO_TOTP_SECRET).now()})
    assert response.status_code == 302
    assert not response["Location"].startswith("/accounts/")

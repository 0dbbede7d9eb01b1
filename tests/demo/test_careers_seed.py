"""The demo career network: roles described, pathways without a circle, moves, interests, and
a readiness spread HR can use (some ready, more one requirement away).

A city with the curriculum, field training and credentials is seeded once for the module, inside
a transaction rolled back at the end (as in `test_credentials_seed.py`).
"""

import datetime
import random
import re
from collections import Counter, defaultdict

import pytest
from django.db import transaction

from certificates.models import (
    CareerInterest,
    Credential,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
)
from certificates.pathways import Edge, pathway_problems
from certificates.readiness import Band, PersonFacts, readiness
from certificates.selectors.readiness import held_credential, person_facts, role_requirements
from courses.models import FieldTraining, FieldTrainingStatus
from lms.accounts.models import StaffProfile, StaffStatus
from lms.demo.careers import (
    CITY_PATHWAYS,
    PAY_GRADES,
    READY,
    CareerPlan,
    career_plan,
    career_summary,
    network,
    next_role_credentials,
    seed_careers,
)
from lms.demo.catalog import load_catalog
from lms.demo.people import DEMO_ANCHOR
from lms.demo.seed import seed_city

pytestmark = pytest.mark.django_db

TODAY = DEMO_ANCHOR
SIZE = 160


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_city(SIZE, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _grade(role: JobRole) -> int:
    return int(role.pay_grade.removeprefix("CS-"))


def test_roles_carry_codes_departments_and_grades(seeded):
    described = JobRole.objects.exclude(onet_soc_code="").exclude(department="")
    described = described.exclude(pay_grade="")
    assert described.count() >= 12
    names = set(JobRole.objects.values_list("name", flat=True))
    assert "Transit security officer" in names  # the city's own role
    for role in JobRole.objects.all():
        role.full_clean()
        assert role.department.startswith("Alder Bay ")
        assert re.fullmatch(r"CS-(0[5-9]|1[0-2])", role.pay_grade)
        assert role.education_notes


def test_at_least_twenty_pathways_and_no_circle(seeded):
    pathways = list(Pathway.objects.select_related("from_role", "to_role"))
    catalog = load_catalog()
    assert len(pathways) == len(catalog["pathways"]) + len(CITY_PATHWAYS) >= 20
    assert {p.kind for p in pathways} == {PathwayKind.LATERAL, PathwayKind.PROGRESSIVE}
    in_network = {p.from_role_id for p in pathways} | {p.to_role_id for p in pathways}
    assert len(in_network) >= 12
    edges = [
        Edge(p.from_role_id, p.to_role_id, p.kind, p.from_role.name, p.to_role.name)
        for p in pathways
    ]
    assert pathway_problems(edges) == []
    for p in pathways:
        p.full_clean()
        assert p.notes.endswith(".")
        if p.kind == PathwayKind.PROGRESSIVE:
            assert _grade(p.to_role) >= _grade(p.from_role), p


def test_requirements_follow_the_catalog(seeded):
    roles = {role.name: role for role in JobRole.objects.all()}
    telecommunicator = roles["Public safety telecommunicator (911)"]
    assert set(
        telecommunicator.credential_requirements.filter(
            level=RequirementLevel.REQUIRED
        ).values_list("credential_type__slug", flat=True)
    ) == {"apco-pst1", "iaed-emd", "aha-bls"}
    assert set(
        telecommunicator.credential_requirements.filter(
            level=RequirementLevel.PREFERRED
        ).values_list("credential_type__slug", flat=True)
    ) == {"cto", "nena-enp"}
    assert telecommunicator.minimum_months_in_role == 12  # both pathways in ask 12 months
    assert not telecommunicator.requires_field_release  # reached laterally only
    responder = roles["Community / behavioral health responder (non-licensed)"]
    assert responder.minimum_months_in_role == 6  # the smallest of 6 and 12
    social_worker = roles["Mental health & substance abuse social worker"]
    assert not social_worker.requires_field_release
    assert "Graduate degree" in social_worker.education_notes
    # An officer who trains others in the field must have been released themself.
    assert [role.name for role in roles.values() if role.requires_field_release] == [
        "Field training officer / CTO (any family)"
    ]
    assert (
        roles["Transit security officer"]
        .credential_requirements.filter(level=RequirementLevel.REQUIRED)
        .count()
        == 3
    )
    levels = Counter(RoleCredential.objects.values_list("level", flat=True))
    assert levels[RequirementLevel.PREFERRED] >= 20
    assert not RoleCredential.objects.filter(credential_type__active=False).exists()
    move = Pathway.objects.get(
        from_role__name__startswith="Telephone/online report taker",
        to_role__name__startswith="Field training officer",
    )
    assert "Credentials for this move: Communications Training Officer." in move.notes


def test_some_moved_roles_lately(seeded):
    moved = StaffProfile.objects.filter(job_role_since__isnull=False)
    assert moved.count() >= 5
    for profile in moved:
        assert profile.status != StaffStatus.SEPARATED
        assert profile.hire_date < profile.job_role_since
        assert TODAY - datetime.timedelta(days=31 * 30) <= profile.job_role_since
        assert profile.job_role_since <= TODAY - datetime.timedelta(days=88)


def test_some_are_interested_in_a_next_role(seeded):
    staff = StaffProfile.objects.exclude(status=StaffStatus.SEPARATED).count()
    interests = list(CareerInterest.objects.select_related("user__staff_profile"))
    assert 0.05 * staff <= len(interests) <= 0.25 * staff
    next_roles = set(Pathway.objects.values_list("from_role_id", "to_role_id"))
    for interest in interests:
        assert (interest.user.staff_profile.job_role_id, interest.role_id) in next_roles
        assert interest.created_at.date() < TODAY


def _bands_by_role() -> dict[str, Counter]:
    """Readiness bands of the people on a pathway into each role (a handful of queries)."""
    roles = list(JobRole.objects.all())
    requirements = role_requirements(roles)
    into = defaultdict(set)
    for from_id, to_id in Pathway.objects.values_list("from_role_id", "to_role_id"):
        into[to_id].add(from_id)
    held = defaultdict(list)
    for credential in Credential.objects.all():
        held[credential.holder_id].append(held_credential(credential))
    released = {
        trainee: at.date()
        for trainee, at in FieldTraining.objects.filter(
            status=FieldTrainingStatus.RELEASED
        ).values_list("trainee_id", "released_at")
    }
    people = list(StaffProfile.objects.filter(status=StaffStatus.ACTIVE, job_role__isnull=False))
    bands: dict[str, Counter] = {}
    for role in roles:
        counts: Counter = Counter()
        for profile in people:
            if profile.job_role_id in into[role.pk]:
                facts = PersonFacts(
                    profile.in_role_since,
                    tuple(held[profile.user_id]),
                    released.get(profile.user_id),
                )
                counts[readiness(requirements[role.pk], facts, on=TODAY).band] += 1
        bands[role.name] = counts
    return bands


def test_hr_sees_some_ready_and_more_one_away(seeded):
    bands = _bands_by_role()
    spread = [
        name
        for name, counts in bands.items()
        if counts[Band.READY] >= 1 and counts[Band.ONE_AWAY] > counts[Band.READY]
    ]
    assert spread, bands
    assert sum(counts[Band.READY] for counts in bands.values()) >= 5
    assert sum(counts[Band.ONE_AWAY] for counts in bands.values()) >= 20


def test_the_bulk_facts_agree_with_the_loader(seeded):
    profile = (
        StaffProfile.objects.filter(job_role_since__isnull=False, status=StaffStatus.ACTIVE)
        .select_related("organisation")
        .first()
    )
    facts = person_facts(profile)
    assert facts.in_role_since == profile.job_role_since
    assert len(facts.credentials) == Credential.objects.filter(holder=profile.user).count()


def test_loading_again_changes_nothing(seeded):
    before = career_summary()
    again = seed_careers(load_catalog(), job_roles={}, today=TODAY)
    assert again == before
    seed_city(SIZE, today=TODAY)
    assert career_summary() == before


# --- the plan, without a database -----------------------------------------------------------------


def test_the_plan_is_the_same_for_the_same_person():
    net = network(load_catalog())
    kwargs = {
        "status": StaffStatus.ACTIVE,
        "hire_date": TODAY - datetime.timedelta(days=500),
        "today": TODAY,
        "network": net,
    }
    emails = [f"p{n}@alderbay.test" for n in range(300)]
    plans = [career_plan(email, "community_responder", **kwargs) for email in emails]
    assert plans == [career_plan(email, "community_responder", **kwargs) for email in emails]
    prepared = Counter(plan.prepared for plan in plans)
    assert prepared[READY]
    assert prepared["one_away"]
    assert prepared[""]
    for plan in plans:
        assert plan.target in net.pathways_out["community_responder"]
    assert career_plan("x@alderbay.test", None, **kwargs) == CareerPlan()
    trainee = kwargs | {"status": StaffStatus.TRAINEE}
    assert career_plan("p1@alderbay.test", "community_responder", **trainee) == CareerPlan()


def test_a_ready_plan_holds_every_credential_of_the_next_role():
    net = network(load_catalog())
    plan = CareerPlan("telecommunicator", READY)
    rng = random.Random(3)  # noqa: S311 - a fixed sample, not a secret
    held = ["mhfa_adult", "aha_bls", "naloxone"]
    assert next_role_credentials(plan, held=held, network=net, rng=rng) == [
        ("apco_pst1", "active"),
        ("iaed_emd", "active"),
    ]
    one_away = CareerPlan("telecommunicator", "one_away", short_by_credential=True)
    for _ in range(20):
        got = next_role_credentials(one_away, held=held, network=net, rng=rng)
        assert got[0] == ("apco_pst1", "active")
        assert got[1:] in ([], [("iaed_emd", "expired")], [("iaed_emd", "pending")])
    unprepared = CareerPlan("telecommunicator")
    assert next_role_credentials(unprepared, held=held, network=net, rng=rng) == []
    assert PAY_GRADES.keys() >= {role["id"] for role in load_catalog()["roles"]}

"""The readiness dashboard's set-based computation (`certificates.selectors.readiness_board`):
bands and ranking, filters, readiness on a later date, time in role at month ends, field
release in the organisation's time zone, retired types, privacy, the query budget, and a
property test holding the SQL to the pure rules (`certificates.readiness.readiness`)."""

import datetime
import zoneinfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.models import (
    CareerInterest,
    Credential,
    CredentialState,
    JobRole,
    RequirementLevel,
    Verification,
)
from certificates.readiness import Band, readiness
from certificates.selectors.readiness import person_facts, role_requirements
from certificates.selectors.readiness_board import BoardFilters, readiness_board
from certificates.selectors.readiness_person import person_readiness
from courses.models import FieldTraining, FieldTrainingStatus
from lms.accounts.models import StaffProfile, StaffStatus
from tests.factories import StaffProfileFactory
from tests.factories.certificates import (
    CredentialTypeFactory,
    JobRoleFactory,
    record_external,
    require,
    verify,
)
from tests.factories.field import task_book_page

DAY = datetime.timedelta(days=1)
DENVER = zoneinfo.ZoneInfo("America/Denver")


@pytest.fixture
def target(db):
    return JobRoleFactory(name="Crisis counsellor II")


@pytest.fixture
def types(db):
    return [
        CredentialTypeFactory(name=name, slug=slug)
        for name, slug in (
            ("CPR/BLS provider", "cpr"),
            ("Crisis intervention", "cit"),
            ("Mental health first aid", "mhfa"),
        )
    ]


def held(*, holder, credential_type, issued_on, expires_on, hr):
    """A verified external credential, through the services."""
    credential = record_external(
        holder=holder, credential_type=credential_type, issued_on=issued_on, expires_on=expires_on
    )
    verify(credential=credential, actor=hr)
    return credential


def person(org, *, last_name: str, first_name: str = "Alex", **extra) -> StaffProfile:
    return StaffProfileFactory(
        organisation=org,
        user__last_name=last_name,
        user__first_name=first_name,
        status=StaffStatus.ACTIVE,
        **extra,
    )


@pytest.fixture
def task_book(db):
    return task_book_page()


def released(profile: StaffProfile, *, at: datetime.datetime, task_book, fto) -> FieldTraining:
    """A field training released at `at`. The sign-off path to a release is the field
    training's own tests; here only the moment matters, so the record is written directly."""
    now = timezone.now()
    return FieldTraining.objects.create(
        trainee=profile.user,
        organisation=profile.organisation,
        task_book=task_book,
        module_id=task_book.get_parent().pk,
        revision_id=task_book.live_revision_id,
        title=task_book.title,
        spec={},
        primary_fto=fto,
        assigned_by=fto,
        started_on=at.date() - 60 * DAY,
        phase_started_on=at.date() - 60 * DAY,
        status=FieldTrainingStatus.RELEASED,
        released_at=at,
        created_at=now,
    )


def rows_by_id(board):
    return {row.profile_id: row for row in board.candidates()}


# --- Bands, ranking, missing ----------------------------------------------------------------------


def test_candidates_are_ranked_ready_one_away_further_then_percent_then_name(
    city, target, types, today
):
    cpr, cit, _mhfa = types
    require(target, cpr, cit)
    target.minimum_months_in_role = 12
    target.save()
    hr = city.user("hr")
    old = today - 800 * DAY
    ready = person(city.department, last_name="Young", hire_date=old)
    away_b = person(city.department, last_name="Baker", hire_date=old)
    away_a = person(city.department, last_name="Adams", hire_date=old)
    further = person(city.department, last_name="Abbott", hire_date=today - 30 * DAY)
    for profile, kinds in ((ready, (cpr, cit)), (away_a, (cpr,)), (away_b, (cit,))):
        for kind in kinds:
            held(
                holder=profile.user,
                credential_type=kind,
                issued_on=today - 10 * DAY,
                expires_on=today + 300 * DAY,
                hr=hr,
            )
    board = readiness_board(user=hr, role=target, on=today)
    order = [row.profile_id for row in board.candidates()]
    assert order.index(ready.pk) < order.index(away_a.pk) < order.index(away_b.pk)
    assert order.index(away_b.pk) < order.index(further.pk)
    rows = rows_by_id(board)
    assert (rows[ready.pk].band, rows[ready.pk].met, rows[ready.pk].total) == (Band.READY, 3, 3)
    assert rows[ready.pk].percent == 100
    assert rows[ready.pk].missing == ()
    assert rows[away_a.pk].band == Band.ONE_AWAY
    assert rows[away_a.pk].missing == ("Crisis intervention",)
    assert rows[away_b.pk].missing == ("CPR/BLS provider",)
    assert rows[away_a.pk].percent == 66
    assert rows[further.pk].band == Band.FURTHER
    assert rows[further.pk].missing == (
        "CPR/BLS provider",
        "Crisis intervention",
        "1 year in a current role",
    )
    assert board.totals[Band.READY] >= 1
    assert board.labels == ("CPR/BLS provider", "Crisis intervention", "1 year in a current role")


def test_people_already_in_the_role_and_separated_people_are_not_candidates(city, target, today):
    inside = person(city.department, last_name="Inside", job_role=target)
    gone = person(city.department, last_name="Gone")
    StaffProfile.objects.filter(pk=gone.pk).update(status=StaffStatus.SEPARATED, separated_on=today)
    board = readiness_board(user=city.user("hr"), role=target, on=today)
    ids = {row.profile_id for row in board.candidates()}
    assert inside.pk not in ids
    assert gone.pk not in ids
    assert city.learner.pk in ids


def test_a_role_with_no_requirements_has_everyone_ready(city, target, today):
    board = readiness_board(user=city.user("hr"), role=target, on=today)
    assert board.total == 0
    assert {row.band for row in board.candidates()} == {Band.READY}
    assert all(row.percent == 100 for row in board.candidates())


def test_pending_suspended_and_renewed_instances_do_not_count(city, target, types, today):
    cpr, cit, mhfa = types
    require(target, cpr, cit, mhfa)
    hr = city.user("hr")
    learner = city.user("learner")
    # Pending: recorded, not verified.
    record_external(holder=learner, credential_type=cpr, issued_on=today - DAY)
    # Renewed: the old instance stops counting on the renewal's day, the renewal counts.
    first = held(
        holder=learner,
        credential_type=cit,
        issued_on=today - 400 * DAY,
        expires_on=today + 100 * DAY,
        hr=hr,
    )
    renewal = held(
        holder=learner,
        credential_type=cit,
        issued_on=today - 5 * DAY,
        expires_on=today + 700 * DAY,
        hr=hr,
    )
    first.refresh_from_db()
    assert first.renewed_on is not None
    # Suspended.
    suspended = held(
        holder=learner,
        credential_type=mhfa,
        issued_on=today - 5 * DAY,
        expires_on=today + 700 * DAY,
        hr=hr,
    )
    Credential.objects.filter(pk=suspended.pk).update(state=CredentialState.SUSPENDED)
    row = next(
        r
        for r in readiness_board(user=hr, role=target, on=today).candidates()
        if r.profile_id == city.learner.pk
    )
    assert row.missing == ("CPR/BLS provider", "Mental health first aid")
    assert row.met == 1
    assert renewal.credential_type_id == cit.pk


def test_retired_credential_types_are_not_counted(city, target, types, today):
    cpr, cit, _ = types
    require(target, cpr, cit)
    cit.active = False
    cit.save()
    board = readiness_board(user=city.user("hr"), role=target, on=today)
    assert board.labels == ("CPR/BLS provider",)
    assert all(row.total == 1 for row in board.candidates())


def test_preferred_credentials_are_never_counted(city, target, types, today):
    cpr, cit, _ = types
    require(target, cpr)
    require(target, cit, level=RequirementLevel.PREFERRED)
    board = readiness_board(user=city.user("hr"), role=target, on=today)
    assert board.labels == ("CPR/BLS provider",)


# --- Readiness on a date --------------------------------------------------------------------------


def test_a_credential_that_expires_before_the_date_counts_as_missing(city, target, types, today):
    cpr, _, _ = types
    require(target, cpr)
    hr = city.user("hr")
    held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 30 * DAY,
        hr=hr,
    )

    def band_on(day):
        board = readiness_board(user=hr, role=target, on=day)
        return next(r for r in board.candidates() if r.profile_id == city.learner.pk).band

    assert band_on(today) == Band.READY
    assert band_on(today + 30 * DAY) == Band.READY  # valid through its expiry date
    assert band_on(today + 31 * DAY) == Band.ONE_AWAY
    assert band_on(today - 11 * DAY) == Band.ONE_AWAY  # not yet issued


@pytest.mark.parametrize(
    ("since", "months", "on", "met"),
    [
        (datetime.date(2027, 1, 31), 1, datetime.date(2027, 2, 28), True),  # clamped month end
        (datetime.date(2027, 1, 31), 1, datetime.date(2027, 2, 27), False),
        (datetime.date(2027, 1, 30), 1, datetime.date(2027, 2, 28), True),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 28), False),  # leap year
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29), True),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28), True),
        (datetime.date(2027, 3, 31), 11, datetime.date(2028, 2, 29), True),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 28), False),
    ],
)
def test_time_in_role_at_month_ends(city, target, since, months, on, met):
    target.minimum_months_in_role = months
    target.save()
    profile = person(city.department, last_name="Month", hire_date=since - 400 * DAY)
    StaffProfile.objects.filter(pk=profile.pk).update(job_role_since=since)
    row = next(
        r
        for r in readiness_board(user=city.user("hr"), role=target, on=on).candidates()
        if r.profile_id == profile.pk
    )
    assert (row.met == 1) is met
    assert row.in_role_since == since


def test_time_in_role_counts_from_hire_without_a_role_change(city, target):
    target.minimum_months_in_role = 6
    target.save()
    profile = person(city.department, last_name="Hired", hire_date=datetime.date(2026, 1, 15))
    on = datetime.date(2026, 7, 15)
    row = next(
        r
        for r in readiness_board(user=city.user("hr"), role=target, on=on).candidates()
        if r.profile_id == profile.pk
    )
    assert row.band == Band.READY
    assert row.in_role_since == datetime.date(2026, 1, 15)


def test_field_release_counts_by_the_end_of_the_day_in_the_organisation(city, target, task_book):
    target.requires_field_release = True
    target.save()
    day = datetime.date(2027, 5, 10)
    fto = city.user("fto")
    late = person(city.department, last_name="Late")  # 23:30 in Denver is 05:30 UTC next day
    released(
        late,
        at=datetime.datetime(2027, 5, 10, 23, 30, tzinfo=DENVER),
        task_book=task_book,
        fto=fto,
    )
    early = person(city.department, last_name="Early")  # 00:30 the next day in Denver
    released(
        early,
        at=datetime.datetime(2027, 5, 11, 0, 30, tzinfo=DENVER),
        task_book=task_book,
        fto=fto,
    )
    active = person(city.department, last_name="Active")
    training = released(
        active,
        at=datetime.datetime(2027, 5, 1, 12, 0, tzinfo=DENVER),
        task_book=task_book,
        fto=fto,
    )
    FieldTraining.objects.filter(pk=training.pk).update(
        status=FieldTrainingStatus.ACTIVE, released_at=None
    )
    rows = rows_by_id(readiness_board(user=city.user("hr"), role=target, on=day))
    assert rows[late.pk].band == Band.READY
    assert rows[early.pk].band == Band.ONE_AWAY
    assert rows[early.pk].missing == ("Released from field training",)
    assert rows[active.pk].band == Band.ONE_AWAY
    later = rows_by_id(readiness_board(user=city.user("hr"), role=target, on=day + DAY))
    assert later[early.pk].band == Band.READY


# --- Filters --------------------------------------------------------------------------------------


@pytest.fixture
def crowd(city, target, types, today):
    """Four people of the department and the sharing CBO with 0 to 3 of 3 credentials."""
    require(target, *types)
    hr = city.user("hr")
    other_role = JobRoleFactory(name="Peer navigator")
    people = {}
    for n, (org, role) in enumerate(
        [
            (city.department, other_role),
            (city.department, None),
            (city.sharing_cbo, other_role),
            (city.sharing_cbo, None),
        ]
    ):
        profile = person(org, last_name=f"Crowd{n}", job_role=role)
        for kind in types[:n]:
            held(
                holder=profile.user,
                credential_type=kind,
                issued_on=today - DAY,
                expires_on=today + 100 * DAY,
                hr=hr,
            )
        people[n] = profile
    return people, other_role


def ids(board):
    return {row.profile_id for row in board.candidates()}


def test_filter_by_organisation_and_current_role(city, target, today, crowd):
    people, other_role = crowd
    hr = city.user("hr")
    board = readiness_board(
        user=hr, role=target, on=today, filters=BoardFilters(organisation_id=city.sharing_cbo.pk)
    )
    assert ids(board) == {city.cbo_learner.pk, city.cbo_supervisor.pk, people[2].pk, people[3].pk}
    assert [org.name for org in board.by_organisation] == [city.sharing_cbo.name]
    board = readiness_board(
        user=hr, role=target, on=today, filters=BoardFilters(job_role_id=other_role.pk)
    )
    assert ids(board) == {people[0].pk, people[2].pk}


def test_filter_by_minimum_readiness_uses_the_whole_percent(city, target, today, crowd):
    people, _ = crowd
    hr = city.user("hr")

    def at_least(percent):
        return ids(
            readiness_board(
                user=hr, role=target, on=today, filters=BoardFilters(minimum_percent=percent)
            )
        )

    assert at_least(66) == {people[2].pk, people[3].pk}  # 2 of 3 is 66%
    assert at_least(67) == {people[3].pk}
    assert at_least(100) == {people[3].pk}
    assert people[1].pk in at_least(33)
    assert people[1].pk not in at_least(34)
    assert len(at_least(0)) == len(at_least(1)) + sum(
        1 for row in readiness_board(user=hr, role=target, on=today).candidates() if row.met == 0
    )


def test_interest_is_shown_and_filtered_for_hr_only(city, target, today, crowd):
    people, _ = crowd
    CareerInterest.objects.create(user=people[1].user, role=target, created_at=timezone.now())
    CareerInterest.objects.create(  # interest in another role is not interest in this one
        user=people[2].user, role=JobRoleFactory(name="Other"), created_at=timezone.now()
    )
    hr_board = readiness_board(
        user=city.user("hr"), role=target, on=today, filters=BoardFilters(interested_only=True)
    )
    assert hr_board.shows_interest
    assert ids(hr_board) == {people[1].pk}
    assert all(row.interested for row in hr_board.candidates())
    full = readiness_board(user=city.user("hr"), role=target, on=today)
    assert {row.profile_id for row in full.candidates() if row.interested} == {people[1].pk}
    supervisor_board = readiness_board(
        user=city.user("supervisor"),
        role=target,
        on=today,
        filters=BoardFilters(interested_only=True),
    )
    assert not supervisor_board.shows_interest
    assert people[0].pk in ids(supervisor_board)  # the filter is ignored, not applied
    assert all(row.interested is None for row in supervisor_board.candidates())


# --- Privacy --------------------------------------------------------------------------------------


def test_hr_never_sees_a_contracted_organisation_that_does_not_share(city, target, today):
    board = readiness_board(user=city.user("hr"), role=target, on=today)
    assert city.private_cbo_learner.pk not in ids(board)
    assert city.cbo_learner.pk in ids(board)
    assert city.private_cbo.name not in [org.name for org in board.by_organisation]
    # Even when asked for by id.
    board = readiness_board(
        user=city.user("hr"),
        role=target,
        on=today,
        filters=BoardFilters(organisation_id=city.private_cbo.pk),
    )
    assert board.count == 0


def test_a_supervisor_sees_their_own_organisation_only(city, target, today):
    board = readiness_board(user=city.user("supervisor"), role=target, on=today)
    organisations = set(
        StaffProfile.objects.filter(pk__in=ids(board)).values_list("organisation", flat=True)
    )
    assert organisations == {city.department.pk}
    assert city.learner.pk in ids(board)
    cbo_board = readiness_board(user=city.user("cbo_supervisor"), role=target, on=today)
    assert city.cbo_learner.pk in ids(cbo_board)
    assert city.learner.pk not in ids(cbo_board)


def test_admin_sees_every_organisation(city, target, today):
    board = readiness_board(user=city.user("admin"), role=target, on=today)
    assert city.private_cbo_learner.pk in ids(board)


# --- Queries --------------------------------------------------------------------------------------


def test_the_board_runs_a_constant_number_of_queries(
    city, target, types, today, task_book, django_assert_max_num_queries
):
    require(target, *types)
    target.minimum_months_in_role = 6
    target.requires_field_release = True
    target.save()
    hr = city.user("hr")
    # The viewer's permissions and staff record are read once per request (and cached).
    hr.has_perm("certificates.view_readiness")
    assert hr.staff_profile is not None

    def crowd(n):
        for i in range(n):
            profile = person(city.department, last_name=f"Many{i}")
            held(
                holder=profile.user,
                credential_type=types[i % 3],
                issued_on=today - DAY,
                expires_on=today + 50 * DAY,
                hr=hr,
            )
            released(
                profile,
                at=timezone.now() - 3 * DAY,
                task_book=task_book,
                fto=city.user("fto"),
            )
            CareerInterest.objects.create(user=profile.user, role=target, created_at=timezone.now())

    crowd(5)
    with django_assert_max_num_queries(3):
        small = readiness_board(user=hr, role=target, on=today)
        assert small.count >= 5
        assert small.by_organisation
    crowd(35)
    with django_assert_max_num_queries(3):
        large = readiness_board(user=hr, role=target, on=today)
        assert large.count == small.count + 35
        assert [row.profile_id for row in large.candidates()]


# --- The drill-down agrees ------------------------------------------------------------------------


def test_the_drill_down_agrees_with_the_board(city, target, types, today, crowd):
    hr = city.user("hr")
    board = readiness_board(user=hr, role=target, on=today)
    for row in board.candidates():
        profile = StaffProfile.objects.select_related("organisation").get(pk=row.profile_id)
        result = person_readiness(viewer=hr, profile=profile, role=target, on=today).readiness
        assert (result.met, result.total, result.percent, result.band) == (
            row.met,
            row.total,
            row.percent,
            row.band,
        )
        assert tuple(item.label for item in result.missing) == row.missing


# --- The SQL and the pure rules agree on random data ----------------------------------------------

BASE = datetime.date(2027, 3, 31)
ZONES = ("America/Denver", "America/New_York", "Pacific/Honolulu", "Asia/Tokyo")

credential_rows = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.integers(0, 3),
            "issued": st.integers(-800, 40),
            "lasts": st.one_of(st.none(), st.integers(0, 900)),
            "renewed": st.one_of(st.none(), st.integers(-400, 60)),
            "state": st.sampled_from(list(CredentialState)),
            "verification": st.sampled_from(list(Verification)),
        }
    ),
    max_size=5,
)
people_rows = st.lists(
    st.fixed_dictionaries(
        {
            "org": st.sampled_from(["department", "sharing_cbo", "private_cbo"]),
            "hired": st.integers(-900, 20),
            "moved": st.one_of(st.none(), st.integers(-500, 20)),
            "in_target": st.booleans(),
            "credentials": credential_rows,
            "releases": st.lists(
                st.fixed_dictionaries({"day": st.integers(-60, 10), "hour": st.integers(0, 23)}),
                max_size=2,
            ),
            "interested": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
)
roles = st.fixed_dictionaries(
    {
        "required": st.sets(st.integers(0, 3), max_size=4),
        "retired": st.sets(st.integers(0, 3), max_size=1),
        "preferred": st.sets(st.integers(0, 3), max_size=2),
        "months": st.sampled_from([0, 1, 6, 11, 12, 13]),
        "field": st.booleans(),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role_spec=roles,
    people_spec=people_rows,
    on_offset=st.integers(-40, 40),
    zones=st.tuples(st.sampled_from(ZONES), st.sampled_from(ZONES)),
    minimum=st.sampled_from([0, 0, 34, 50, 100]),
)
def test_the_board_agrees_with_the_pure_rules(
    city, task_book, role_spec, people_spec, on_offset, zones, minimum
):
    on = BASE + on_offset * DAY
    hr = city.user("hr")
    with transaction.atomic():
        city.department.time_zone, city.sharing_cbo.time_zone = zones
        city.department.save()
        city.sharing_cbo.save()
        kinds = [
            CredentialTypeFactory(
                name=f"Property type {n}",
                slug=f"property-{n}",
                active=n not in role_spec["retired"],
            )
            for n in range(4)
        ]
        role = JobRole.objects.create(
            name="Property role",
            minimum_months_in_role=role_spec["months"],
            requires_field_release=role_spec["field"],
        )
        require(role, *(kinds[n] for n in sorted(role_spec["required"])))
        require(
            role,
            *(kinds[n] for n in sorted(role_spec["preferred"] - role_spec["required"])),
            level=RequirementLevel.PREFERRED,
        )
        made = []
        for n, spec in enumerate(people_spec):
            org = getattr(city, spec["org"])
            hired = BASE + spec["hired"] * DAY
            profile = StaffProfileFactory(
                organisation=org,
                user__last_name=f"Prop{n}",
                hire_date=hired,
                job_role=role if spec["in_target"] else None,
                status=StaffStatus.ACTIVE,
            )
            if spec["moved"] is not None:
                StaffProfile.objects.filter(pk=profile.pk).update(
                    job_role_since=max(hired, BASE + spec["moved"] * DAY)
                )
            for c in spec["credentials"]:
                issued = BASE + c["issued"] * DAY
                Credential.objects.create(  # any state the rules must handle, written directly
                    holder=profile.user,
                    organisation=org,
                    credential_type=kinds[c["type"]],
                    kind=kinds[c["type"]].kind,
                    title=kinds[c["type"]].name,
                    issuer="Issuer",
                    window_days=90,
                    grace_days=30,
                    expiry_rule="from_completion",
                    issued_on=issued,
                    expires_on=None if c["lasts"] is None else issued + c["lasts"] * DAY,
                    renewed_on=None if c["renewed"] is None else BASE + c["renewed"] * DAY,
                    state=c["state"],
                    verification=c["verification"],
                    created_at=timezone.now(),
                )
            for r in spec["releases"]:
                moment = datetime.datetime.combine(
                    BASE + r["day"] * DAY, datetime.time(r["hour"], 30), tzinfo=datetime.UTC
                )
                released(profile, at=moment, task_book=task_book, fto=city.user("fto"))
            if spec["interested"]:
                CareerInterest.objects.create(
                    user=profile.user, role=role, created_at=timezone.now()
                )
            made.append(profile)

        board = readiness_board(
            user=hr, role=role, on=on, filters=BoardFilters(minimum_percent=minimum)
        )
        requirements = role_requirements([role])[role.pk]
        got = {row.profile_id: row for row in board.candidates()}
        expected = {}
        visible = set(StaffProfile.objects.visible_to(hr).current().values_list("pk", flat=True))
        for profile in (
            StaffProfile.objects.select_related("organisation")
            .filter(pk__in=visible)
            .exclude(job_role=role)
        ):
            result = readiness(requirements, person_facts(profile), on=on)
            if result.percent >= minimum:
                expected[profile.pk] = result
        assert set(got) == set(expected)
        for pk, result in expected.items():
            row = got[pk]
            assert (row.met, row.total, row.percent, row.band) == (
                result.met,
                result.total,
                result.percent,
                result.band,
            )
            assert row.missing == tuple(item.label for item in result.missing)
            assert (
                row.interested
                == CareerInterest.objects.filter(user__staff_profile__pk=pk, role=role).exists()
            )
        ranks = [(-row.met) for row in board.candidates()]
        assert ranks == sorted(ranks)
        assert sum(org.total for org in board.by_organisation) == board.count
        assert not {p.pk for p in made if p.organisation_id == city.private_cbo.pk} & set(got)
        transaction.set_rollback(True)

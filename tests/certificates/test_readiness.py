"""The readiness rules as a pure function: no database."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from certificates.expiry import add_months
from certificates.readiness import (
    Band,
    HeldCredential,
    ItemKind,
    PersonFacts,
    RoleRequirements,
    band_for,
    latest_start,
    percent,
    readiness,
    valid_on,
)

ON = datetime.date(2026, 6, 15)
CPR, NALOXONE, MEDIATION = 1, 2, 3
ROLE = RoleRequirements(
    role_id=7,
    required=((CPR, "CPR/BLS"), (NALOXONE, "Naloxone")),
    preferred=((MEDIATION, "Mediation"),),
    minimum_months=12,
    requires_field_release=True,
)


def held(type_id, issued=datetime.date(2025, 1, 1), expires=None, **extra):
    return HeldCredential(type_id, issued_on=issued, expires_on=expires, **extra)


def facts(*credentials, since=datetime.date(2024, 1, 1), released=datetime.date(2024, 6, 1)):
    return PersonFacts(in_role_since=since, credentials=credentials, released_on=released)


def test_everything_met_is_ready_today():
    result = readiness(ROLE, facts(held(CPR), held(NALOXONE)), on=ON)
    assert (result.met, result.total, result.percent, result.band) == (4, 4, 100, Band.READY)
    assert result.ready_on == ON
    preferred = [item for item in result.items if item.kind == ItemKind.PREFERRED]
    assert [(item.label, item.met) for item in preferred] == [("Mediation", False)]


def test_a_credential_expiring_before_the_date_counts_as_missing():
    person = facts(held(CPR, expires=datetime.date(2026, 9, 30)), held(NALOXONE))
    assert readiness(ROLE, person, on=ON).band == Band.READY
    later = readiness(ROLE, person, on=datetime.date(2026, 10, 1))
    assert later.band == Band.ONE_AWAY
    assert [item.label for item in later.missing] == ["CPR/BLS"]
    assert later.missing[0].detail == "expired on 30 Sep 2026, before this date"
    # The last valid day still counts.
    assert readiness(ROLE, person, on=datetime.date(2026, 9, 30)).band == Band.READY


def test_credentials_not_in_force_or_not_yet_issued_or_renewed_away_are_missing():
    on = ON
    assert not valid_on(held(CPR, in_force=False), on)
    assert not valid_on(held(CPR, issued=on + datetime.timedelta(days=1)), on)
    assert not valid_on(held(CPR, renewed_on=on), on)
    assert valid_on(held(CPR, renewed_on=on + datetime.timedelta(days=1)), on)
    assert valid_on(held(CPR, expires=on), on)


def test_time_in_role_missing_alone_gives_the_day_it_is_reached():
    person = facts(held(CPR), held(NALOXONE), since=datetime.date(2026, 1, 31))
    result = readiness(ROLE, person, on=ON)
    assert result.band == Band.ONE_AWAY
    assert result.missing[0].kind == ItemKind.TIME_IN_ROLE
    assert result.ready_on == datetime.date(2027, 1, 31)


def test_no_ready_on_date_when_a_credential_lapses_before_time_closes_the_gap():
    person = facts(
        held(CPR, expires=datetime.date(2026, 12, 31)),
        held(NALOXONE),
        since=datetime.date(2026, 1, 31),
    )
    assert readiness(ROLE, person, on=ON).ready_on is None


def test_field_release_must_come_by_the_date():
    not_released = readiness(ROLE, facts(held(CPR), held(NALOXONE), released=None), on=ON)
    assert [item.kind for item in not_released.missing] == [ItemKind.FIELD_RELEASE]
    assert not_released.ready_on is None
    released_later = facts(held(CPR), held(NALOXONE), released=ON + datetime.timedelta(days=1))
    assert readiness(ROLE, released_later, on=ON).band == Band.ONE_AWAY


def test_bands_and_percentages():
    result = readiness(ROLE, facts(released=None, since=ON), on=ON)
    assert (result.met, result.total, result.band) == (0, 4, Band.FURTHER)
    assert percent(3, 4) == 75
    assert percent(0, 0) == 100
    assert [band_for(n) for n in (0, 1, 2, 5)] == [
        Band.READY,
        Band.ONE_AWAY,
        Band.FURTHER,
        Band.FURTHER,
    ]


def test_a_role_without_requirements_is_ready_for_anyone():
    result = readiness(RoleRequirements(role_id=1, required=()), facts(), on=ON)
    assert (result.total, result.percent, result.band) == (0, 100, Band.READY)


def test_month_end_time_in_role():
    # 31 January + 1 month is 28 February: on 28 February a month has passed.
    assert latest_start(datetime.date(2026, 2, 28), 1) == datetime.date(2026, 1, 31)
    assert latest_start(datetime.date(2026, 3, 30), 1) == datetime.date(2026, 2, 28)
    assert latest_start(datetime.date(2026, 6, 15), 0) == datetime.date(2026, 6, 15)


@given(
    since=st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)),
    on=st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)),
    months=st.integers(0, 120),
)
def test_latest_start_agrees_with_adding_months(since, on, months):
    assert (since <= latest_start(on, months)) == (add_months(since, months) <= on)

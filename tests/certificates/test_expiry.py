"""The expiry engine, without a database: examples for each rule and property tests over the
awkward dates (month ends, 29 February, DST changes, completions just after UTC midnight)."""

import datetime
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.expiry import (
    REMINDER_DAYS,
    Rule,
    Status,
    add_months,
    grace_ends_on,
    local_date,
    next_expiry,
    reminder_band,
    status_on,
    valid_until,
    window_opens_on,
)

DENVER = zoneinfo.ZoneInfo("America/Denver")
ZONES = st.sampled_from(
    [
        zoneinfo.ZoneInfo(name)
        for name in ("America/Denver", "America/New_York", "Pacific/Honolulu", "Europe/London")
    ]
)
DAYS = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31))
VALIDITY = st.integers(min_value=1, max_value=60)
D = datetime.date


# --- Examples -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_short_months(day, months, expected):
    assert add_months(day, months) == expected


def test_from_completion():
    assert next_expiry(
        rule=Rule.FROM_COMPLETION, completed_on=D(2026, 5, 10), validity_months=24
    ) == D(2028, 5, 10)


def test_from_previous_expiry_keeps_the_cycle_when_renewed_in_time():
    kwargs = {"rule": Rule.FROM_PREVIOUS_EXPIRY, "validity_months": 24, "grace_days": 30}
    early = next_expiry(completed_on=D(2026, 3, 1), previous_expiry=D(2026, 5, 10), **kwargs)
    assert early == D(2028, 5, 10)  # renewing early loses nothing
    in_grace = next_expiry(completed_on=D(2026, 6, 1), previous_expiry=D(2026, 5, 10), **kwargs)
    assert in_grace == D(2028, 5, 10)
    lapsed = next_expiry(completed_on=D(2026, 7, 1), previous_expiry=D(2026, 5, 10), **kwargs)
    assert lapsed == D(2028, 7, 1)  # past the grace period: from completion
    first = next_expiry(completed_on=D(2026, 7, 1), **kwargs)
    assert first == D(2028, 7, 1)


def test_fixed_date_with_a_minimum_active_period():
    kwargs = {
        "rule": Rule.FIXED_DATE,
        "validity_months": 12,
        "fixed_month": 12,
        "fixed_day": 31,
        "minimum_active_months": 6,
    }
    assert next_expiry(completed_on=D(2026, 3, 1), **kwargs) == D(2026, 12, 31)
    assert next_expiry(completed_on=D(2026, 9, 1), **kwargs) == D(2027, 12, 31)
    leap = {**kwargs, "fixed_month": 2, "fixed_day": 29, "minimum_active_months": 0}
    assert next_expiry(completed_on=D(2026, 3, 1), **leap) == D(2027, 2, 28)
    assert next_expiry(completed_on=D(2027, 3, 1), **leap) == D(2028, 2, 29)


def test_no_validity_means_no_expiry():
    assert (
        next_expiry(rule=Rule.FROM_COMPLETION, completed_on=D(2026, 1, 1), validity_months=None)
        is None
    )
    assert (
        status_on(
            D(2090, 1, 1), issued_on=D(2026, 1, 1), expires_on=None, window_days=90, grace_days=0
        )
        == Status.ACTIVE
    )


def test_statuses_across_a_cycle():
    kwargs = {
        "issued_on": D(2026, 1, 1),
        "expires_on": D(2027, 1, 1),
        "window_days": 60,
        "grace_days": 30,
    }
    assert status_on(D(2025, 12, 31), **kwargs) == Status.NOT_YET
    assert status_on(D(2026, 6, 1), **kwargs) == Status.ACTIVE
    assert status_on(D(2026, 11, 2), **kwargs) == Status.WINDOW
    assert status_on(D(2027, 1, 1), **kwargs) == Status.WINDOW  # valid through the expiry day
    assert status_on(D(2027, 1, 2), **kwargs) == Status.GRACE
    assert status_on(D(2027, 1, 31), **kwargs) == Status.GRACE
    assert status_on(D(2027, 2, 1), **kwargs) == Status.EXPIRED
    assert status_on(D(2026, 6, 1), suspended=True, **kwargs) == Status.SUSPENDED
    assert status_on(D(2026, 6, 1), revoked=True, suspended=True, **kwargs) == Status.REVOKED
    assert status_on(D(2026, 12, 1), renewed_on=D(2026, 11, 20), **kwargs) == Status.RENEWED


def test_a_completion_just_after_utc_midnight_is_the_previous_day_in_denver():
    moment = datetime.datetime(2026, 3, 1, 0, 30, tzinfo=datetime.UTC)
    assert local_date(moment, DENVER) == D(2026, 2, 28)
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime.datetime(2026, 3, 1, 0, 30), DENVER)  # noqa: DTZ001


def test_valid_until_is_local_midnight_across_dst_changes():
    # 8 March 2026 (spring forward) and 1 November 2026 (fall back) in Denver.
    assert valid_until(D(2026, 3, 7), DENVER).utcoffset() == datetime.timedelta(hours=-7)
    assert valid_until(D(2026, 3, 8), DENVER).utcoffset() == datetime.timedelta(hours=-6)
    assert valid_until(D(2026, 10, 31), DENVER).utcoffset() == datetime.timedelta(hours=-6)
    assert valid_until(D(2026, 11, 1), DENVER).utcoffset() == datetime.timedelta(hours=-7)


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (120, None),
        (90, 90),
        (61, 90),
        (60, 60),
        (45, 60),
        (30, 30),
        (8, 30),
        (7, 7),
        (0, 7),
        (-1, None),
        (None, None),
    ],
)
def test_reminder_bands(days, band):
    assert reminder_band(days) == band


# --- Properties ---------------------------------------------------------------------------------


@given(day=DAYS, months=st.integers(min_value=0, max_value=240))
def test_add_months_lands_in_the_right_month_never_past_the_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert (
        result.day == day.day
        or result.day == (add_months(result.replace(day=1), 1) - datetime.timedelta(days=1)).day
    )


@given(completed=DAYS, validity=VALIDITY)
def test_from_completion_is_after_completion_and_within_the_validity(completed, validity):
    expiry = next_expiry(
        rule=Rule.FROM_COMPLETION, completed_on=completed, validity_months=validity
    )
    assert completed < expiry <= completed + datetime.timedelta(days=31 * validity)


@given(
    previous=DAYS,
    offset=st.integers(min_value=-400, max_value=400),
    validity=VALIDITY,
    grace=st.integers(0, 120),
)
def test_from_previous_expiry_is_always_after_completion(previous, offset, validity, grace):
    completed = previous + datetime.timedelta(days=offset)
    expiry = next_expiry(
        rule=Rule.FROM_PREVIOUS_EXPIRY,
        completed_on=completed,
        validity_months=validity,
        previous_expiry=previous,
        grace_days=grace,
    )
    assert expiry > completed
    if offset <= grace:  # renewed in time: the cycle is kept (a multiple of the validity on)
        assert expiry > previous


@given(
    completed=DAYS,
    month=st.integers(1, 12),
    day=st.integers(1, 31),
    minimum=st.integers(0, 24),
    validity=st.sampled_from([12, 24, 36]),
)
def test_fixed_date_lands_on_the_fixed_date_after_the_minimum_period(
    completed, month, day, minimum, validity
):
    expiry = next_expiry(
        rule=Rule.FIXED_DATE,
        completed_on=completed,
        validity_months=validity,
        fixed_month=month,
        fixed_day=day,
        minimum_active_months=minimum,
    )
    assert expiry.month == month
    assert expiry.day == min(
        day, (add_months(expiry.replace(day=1), 1) - datetime.timedelta(days=1)).day
    )
    assert expiry > completed
    assert expiry >= add_months(completed, minimum)


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(2001, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime.datetime(2089, 1, 1),  # noqa: DTZ001
        timezones=st.just(datetime.UTC),
    ),
    zone=ZONES,
    validity=VALIDITY,
)
def test_valid_through_the_end_of_the_expiry_date_in_local_time(moment, zone, validity):
    issued = local_date(moment, zone)
    expiry = next_expiry(rule=Rule.FROM_COMPLETION, completed_on=issued, validity_months=validity)
    end = valid_until(expiry, zone)
    last_valid = end - datetime.timedelta(microseconds=1)
    assert local_date(last_valid, zone) == expiry
    assert local_date(end, zone) == expiry + datetime.timedelta(days=1)
    assert status_on(
        local_date(last_valid, zone),
        issued_on=issued,
        expires_on=expiry,
        window_days=30,
        grace_days=0,
    ).valid
    assert not status_on(
        local_date(end, zone), issued_on=issued, expires_on=expiry, window_days=30, grace_days=0
    ).valid


@given(
    issued=DAYS,
    length=st.integers(0, 2000),
    window=st.integers(0, 365),
    grace=st.integers(0, 365),
    probe=st.integers(-10, 2500),
)
def test_status_is_monotonic_over_time(issued, length, window, grace, probe):
    """Not yet → active → window → grace → expired, never back."""
    expires = issued + datetime.timedelta(days=length)
    order = [Status.NOT_YET, Status.ACTIVE, Status.WINDOW, Status.GRACE, Status.EXPIRED]
    day = issued + datetime.timedelta(days=probe)
    today = status_on(
        day, issued_on=issued, expires_on=expires, window_days=window, grace_days=grace
    )
    tomorrow = status_on(
        day + datetime.timedelta(days=1),
        issued_on=issued,
        expires_on=expires,
        window_days=window,
        grace_days=grace,
    )
    assert order.index(tomorrow) >= order.index(today)
    assert window_opens_on(expires, window) <= expires <= grace_ends_on(expires, grace)


@given(days=st.integers(-30, 400))
def test_reminder_band_is_the_tightest_threshold(days):
    band = reminder_band(days)
    if band is None:
        assert days < 0 or days > max(REMINDER_DAYS)
    else:
        assert days <= band
        assert all(not (days <= t < band) for t in REMINDER_DAYS)

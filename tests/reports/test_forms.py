"""The reports' filter form, without a database: defaults, validation and, for any input at
all, either valid filters within the limits or a form error (never an exception)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from lms.reports.forms import MAX_MONTHS, ReleaseFilterForm, ReportFilterForm, default_range

TODAY = datetime.date(2026, 11, 29)
ORGANISATIONS = [(1, "Office of Community Safety"), (2, "Eastside Peace Partners")]
JOB_ROLES = [(7, "Responder")]


def form(data=None, cls=ReportFilterForm):
    return cls(data, organisations=ORGANISATIONS, job_roles=JOB_ROLES, today=TODAY)


def test_the_default_range_is_the_last_twelve_months():
    assert default_range(TODAY) == (datetime.date(2025, 12, 1), TODAY)
    assert default_range(datetime.date(2026, 1, 15)) == (
        datetime.date(2025, 2, 1),
        datetime.date(2026, 1, 15),
    )
    filters = form().filters()
    assert (filters.date_from, filters.date_to) == default_range(TODAY)
    assert len(filters.months) == 12


def test_an_empty_submission_takes_the_defaults():
    bound = form({"organisation": "", "funding_source": "", "job_role": ""})
    assert bound.is_valid()
    filters = bound.filters()
    assert (filters.date_from, filters.date_to) == default_range(TODAY)
    assert (filters.organisation_id, filters.funding_source, filters.job_role_id) == (
        None,
        "",
        None,
    )


def test_only_a_last_day_gives_the_twelve_months_before_it():
    bound = form({"date_to": "2026-06-30"})
    assert bound.is_valid()
    assert bound.filters().date_from == datetime.date(2025, 7, 1)


def test_choices_are_typed():
    bound = form({"organisation": "2", "funding_source": "state_grant", "job_role": "7"})
    assert bound.is_valid()
    filters = bound.filters()
    assert (filters.organisation_id, filters.funding_source, filters.job_role_id) == (
        2,
        "state_grant",
        7,
    )


def test_five_years_at_most():
    assert form({"date_from": "2021-12-01", "date_to": "2026-11-30"}).is_valid()
    late = form({"date_from": "2021-11-30", "date_to": "2026-11-30"})
    assert not late.is_valid()
    assert "at most 5 years" in late.errors["date_from"][0]


def test_release_days():
    assert form({"beyond_days": "90"}, ReleaseFilterForm).days_beyond == 90
    assert form({}, ReleaseFilterForm).days_beyond == 180
    assert form({"beyond_days": "0"}, ReleaseFilterForm).errors["beyond_days"]


TEXT = st.one_of(
    st.text(max_size=12),
    st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2300, 1, 1)).map(str),
    st.integers(min_value=-10, max_value=10**6).map(str),
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "date_from": TEXT,
            "date_to": TEXT,
            "organisation": TEXT,
            "funding_source": TEXT,
            "job_role": TEXT,
            "beyond_days": TEXT,
        },
    )
)
def test_any_input_is_valid_filters_or_a_form_error(data):
    bound = form(data, ReleaseFilterForm)
    if not bound.is_valid():
        assert bound.errors
        return
    filters = bound.filters()
    assert filters.date_from <= filters.date_to
    assert 1 <= len(filters.months) <= MAX_MONTHS
    assert filters.organisation_id in (None, 1, 2)
    assert filters.job_role_id in (None, 7)
    assert 1 <= bound.days_beyond <= 3650
    assert filters.start < filters.end

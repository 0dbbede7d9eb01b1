"""The reports' GET filter form. Choices come from lists the view reads once (the organisations
in the viewer's reach, the job roles), so an unknown or out-of-reach id, a word where a number
belongs, or an impossible range is a form error (a 400 page that says what to fix), never an
empty report or a server error."""

import datetime

from django import forms

from lms.accounts.models import FundingSource
from lms.forms import date_input, within_calendar

from .selectors.common import ReportFilters
from .selectors.release import DEFAULT_BEYOND_DAYS

DATE_ERROR = "Give the date as YYYY-MM-DD, for example 2026-09-01."
MAX_MONTHS = 60
BEYOND_ERROR = "Give a whole number of days from 1 to 3650."


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 months: from the first day of the month eleven months back, to today."""
    index = today.year * 12 + today.month - 1 - 11
    return datetime.date(index // 12, index % 12 + 1, 1), today


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=date_input(),
        error_messages={"invalid": DATE_ERROR},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=date_input(),
        help_text="Both days count. Empty: the last 12 months.",
        error_messages={"invalid": DATE_ERROR},
    )
    organisation = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "There is no such organisation among those you can report on: "
            "choose one from the list."
        },
    )
    funding_source = forms.ChoiceField(
        label="Funding source",
        required=False,
        choices=[("", "Any funding source"), *FundingSource.choices],
        help_text="The position's own, else its organisation's.",
        error_messages={
            "invalid_choice": "There is no such funding source: choose one from the list."
        },
    )
    job_role = forms.TypedChoiceField(
        label="Job role",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "There is no such job role: choose one from the list."},
    )

    def __init__(self, *args, organisations, job_roles, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        start, end = default_range(today)
        self.fields["date_from"].initial = start
        self.fields["date_to"].initial = end
        self.fields["organisation"].choices = [("", "All organisations"), *organisations]
        self.fields["job_role"].choices = [("", "Any job role"), *job_roles]

    def clean_date_from(self):
        return within_calendar(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return within_calendar(self.cleaned_data["date_to"])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        date_to = cleaned.get("date_to") or self.today
        date_from = cleaned.get("date_from") or default_range(date_to)[0]
        if date_from > date_to:
            self.add_error(
                "date_from", "The first day must not come after the last (today, if left empty)."
            )
            return cleaned
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        if months > MAX_MONTHS:
            self.add_error("date_from", f"Choose a range of at most {MAX_MONTHS // 12} years.")
            return cleaned
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def filters(self) -> ReportFilters:
        """The validated filters (the defaults when the form was not submitted)."""
        if not self.is_bound:
            start, end = default_range(self.today)
            return ReportFilters(date_from=start, date_to=end)
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            organisation_id=data.get("organisation"),
            funding_source=data.get("funding_source") or "",
            job_role_id=data.get("job_role"),
        )


class ReleaseFilterForm(ReportFilterForm):
    beyond_days = forms.IntegerField(
        label="Still in training after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
        help_text=f"Counts people hired longer ago than this and not yet released. "
        f"Empty: {DEFAULT_BEYOND_DAYS}.",
        error_messages={
            "invalid": BEYOND_ERROR,
            "min_value": BEYOND_ERROR,
            "max_value": BEYOND_ERROR,
        },
    )

    @property
    def days_beyond(self) -> int:
        """The validated "still in training after" days (the default when not given)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("beyond_days") or DEFAULT_BEYOND_DAYS
        return DEFAULT_BEYOND_DAYS

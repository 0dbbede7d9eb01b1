"""Form pieces shared by every app: the date input and the calendar bounds of a date asked about."""

import datetime

from django import forms

# Dates asked about ("status on", "ready on", an audit search's range) stay well inside the
# calendar: month arithmetic near years 1 and 9999 would leave it.
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(2199, 12, 31)
CALENDAR_ERROR = f"Give a date between {EARLIEST_DAY:%Y} and {LATEST_DAY:%Y}, as YYYY-MM-DD."


def date_input() -> forms.DateInput:
    """A native date picker that shows and reads ISO dates."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def within_calendar(day: datetime.date | None) -> datetime.date | None:
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise forms.ValidationError(CALENDAR_ERROR)
    return day

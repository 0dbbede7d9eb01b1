"""What every program report shares: the viewer's reach (read once), the filters, the people a
report counts, the position's funding source computed in SQL, and the date range as moments.

Reports are dated in the city's time zone (`settings.RELAY_TIME_ZONE`): a month is a calendar
month there, and the range runs from the start of its first day to the end of its last."""

import datetime
import zoneinfo
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from certificates.models import JobRole
from lms.accounts.models import FundingSource, StaffProfile, StaffStatus
from lms.reports.permissions import headcount_organisations, record_organisations

NO_JOB_ROLE = "No job role recorded"
FUNDING_LABELS = dict(FundingSource.choices)


def city_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.RELAY_TIME_ZONE)


def position_funding(prefix: str = "") -> Coalesce:
    """The funding source of a position in SQL: the staff record's own, else its
    organisation's (`StaffProfile.position_funding_source`). `prefix` reaches the staff record
    from another model, e.g. "user__staff_profile__"."""
    return Coalesce(
        NullIf(F(f"{prefix}funding_source"), Value("")),
        F(f"{prefix}organisation__funding_source"),
        output_field=CharField(),
    )


# --- Reach -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationInfo:
    pk: int
    name: str
    funding_source: str
    records: bool  # the viewer may see its training records summed up (not only its headcount)


@dataclass(frozen=True)
class Scope:
    """The organisations a viewer's reports cover, read once per request."""

    organisations: tuple[OrganisationInfo, ...]

    @cached_property
    def by_pk(self) -> dict[int, OrganisationInfo]:
        return {org.pk: org for org in self.organisations}

    def name(self, pk: int) -> str:
        return self.by_pk[pk].name

    def headcount_ids(self, organisation_id: int | None = None) -> list[int]:
        return [
            org.pk
            for org in self.organisations
            if organisation_id is None or org.pk == organisation_id
        ]

    def record_ids(self, organisation_id: int | None = None) -> list[int]:
        return [pk for pk in self.headcount_ids(organisation_id) if self.by_pk[pk].records]

    def headcount_only(self, organisation_id: int | None = None) -> list[OrganisationInfo]:
        """The organisations (of the filter) reported by headcount alone."""
        return [
            self.by_pk[pk]
            for pk in self.headcount_ids(organisation_id)
            if not self.by_pk[pk].records
        ]

    def record_choices(self) -> list[tuple[int, str]]:
        return [(org.pk, org.name) for org in self.organisations if org.records]

    def headcount_choices(self) -> list[tuple[int, str]]:
        return [(org.pk, org.name) for org in self.organisations]


def report_scope(*, user) -> Scope:
    """The organisations in the viewer's headcount reach, each marked with whether its records
    are in reach too (one query)."""
    rows = (
        headcount_organisations(user=user)
        .annotate(
            records=ExpressionWrapper(
                Q(pk__in=record_organisations(user=user).values("pk")),
                output_field=BooleanField(),
            )
        )
        .order_by("name", "pk")
        .values_list("pk", "name", "funding_source", "records")
    )
    return Scope(
        tuple(
            OrganisationInfo(pk, name, funding, bool(records))
            for pk, name, funding, records in rows
        )
    )


def job_role_names() -> dict[int, str]:
    """Job roles are reference data: every viewer may filter by any of them (one query)."""
    return dict(JobRole.objects.order_by("name", "pk").values_list("pk", "name"))


# --- Filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """A report's filters, validated (see `lms.reports.forms`). Dates are inclusive."""

    date_from: datetime.date
    date_to: datetime.date
    organisation_id: int | None = None
    funding_source: str = ""
    job_role_id: int | None = None

    @property
    def start(self) -> datetime.datetime:
        """The first moment of the range, in the city's time zone."""
        return datetime.datetime.combine(self.date_from, datetime.time(0), tzinfo=city_zone())

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the range (local midnight after its last day)."""
        return datetime.datetime.combine(
            self.date_to + datetime.timedelta(days=1), datetime.time(0), tzinfo=city_zone()
        )

    @property
    def months(self) -> list[datetime.date]:
        """The first day of every calendar month the range touches, in order."""
        months = []
        month = self.date_from.replace(day=1)
        while month <= self.date_to:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months

    def month_of(self, field: str, *, moments: bool = True) -> Case:
        """The first day of the calendar month (in the city) of `field`, for rows within the
        range: a CASE over the months' bounds, computed here with the time zone, so the SQL is
        plain comparisons on both databases (no per-row time zone conversion) and exact
        across daylight-saving changes. `moments`: `field` is a datetime, else a date."""
        zone = city_zone()
        whens = []
        for month in self.months:
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            bound = (
                datetime.datetime.combine(following, datetime.time(0), tzinfo=zone)
                if moments
                else following
            )
            whens.append(When(**{f"{field}__lt": bound}, then=Value(month)))
        return Case(*whens, output_field=DateField())

    @property
    def month_span(self) -> float:
        """The range's length in (average) months, for "per month" figures."""
        days = (self.date_to - self.date_from).days + 1
        return days / (365.25 / 12)

    def as_dict(self) -> dict:
        """For the audit row of an export."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "organisation": self.organisation_id,
            "funding_source": self.funding_source or None,
            "job_role": self.job_role_id,
        }


def staff_filter(filters: ReportFilters, organisation_ids, prefix: str = "") -> Q:
    """The condition on staff records (reached through `prefix`) that a report counts: in one
    of `organisation_ids`, and of the filter's funding source and job role."""
    rule = Q(**{f"{prefix}organisation_id__in": list(organisation_ids)})
    if filters.job_role_id is not None:
        rule &= Q(**{f"{prefix}job_role_id": filters.job_role_id})
    return rule


def with_funding(queryset: QuerySet, filters: ReportFilters, prefix: str = "") -> QuerySet:
    """Annotate `funding` (the position's funding source) and keep the filter's."""
    queryset = queryset.annotate(funding=position_funding(prefix))
    if filters.funding_source:
        queryset = queryset.filter(funding=filters.funding_source)
    return queryset


def staff_on(day: datetime.date, prefix: str = "") -> Q:
    """Staff records counted in the headcount on `day`: hired by then, not yet separated, and
    not on leave (active and trainee staff; someone separated later counts as working then)."""
    return (
        Q(**{f"{prefix}hire_date__lte": day})
        & (Q(**{f"{prefix}separated_on__isnull": True}) | Q(**{f"{prefix}separated_on__gt": day}))
        & ~Q(**{f"{prefix}status": StaffStatus.ON_LEAVE})
    )


def counted_staff(
    filters: ReportFilters, organisation_ids, *, on: datetime.date | None = None
) -> QuerySet[StaffProfile]:
    """The staff records a report counts (annotated with `funding`); with `on`, only those in
    the headcount that day."""
    people = StaffProfile.objects.filter(staff_filter(filters, organisation_ids))
    if on is not None:
        people = people.filter(staff_on(on))
    return with_funding(people, filters)

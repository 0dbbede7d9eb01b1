"""Time from hire to field release, per organisation and job role. Two queries.

- **Released**: people whose first field training release (the supervisor's final sign-off,
  `FieldTraining.released_at`) falls in the range; their days from hire date to the release
  day (in their organisation's time zone). Median and 90th percentile (nearest rank).
- **Still in training beyond N days**: people in the headcount on the last day of the range,
  hired more than N days before it, in a field training on that day (started by then and not
  yet released) and never released before it.

People belong to their current organisation and job role; only organisations whose records the
viewer may see are counted."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Min, OuterRef, Q

from courses.models import FieldTraining, FieldTrainingStatus
from lms.reports.stats import median, percentile

from .common import NO_JOB_ROLE, ReportFilters, Scope, counted_staff, staff_filter, with_funding

DEFAULT_BEYOND_DAYS = 180


class _DaysToRelease:
    """People released, and the median and 90th percentile of their days from hire."""

    days: tuple[int, ...]

    @property
    def released(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return median(self.days)

    @property
    def p90(self) -> int | None:
        return percentile(self.days, 90)


@dataclass(frozen=True)
class ReleaseLine(_DaysToRelease):
    organisation_id: int
    organisation: str
    job_role_id: int | None
    job_role: str
    days: tuple[int, ...]  # days from hire to release, one per person released
    still_in_training: int


@dataclass(frozen=True)
class ReleaseReport(_DaysToRelease):
    lines: list[ReleaseLine]
    beyond_days: int

    @property
    def days(self) -> tuple[int, ...]:
        return tuple(day for line in self.lines for day in line.days)

    @property
    def still_in_training(self) -> int:
        return sum(line.still_in_training for line in self.lines)


def field_release(
    *,
    scope: Scope,
    filters: ReportFilters,
    job_roles: dict[int, str],
    beyond_days: int = DEFAULT_BEYOND_DAYS,
) -> ReleaseReport:
    organisation_ids = scope.record_ids(filters.organisation_id)
    prefix = "trainee__staff_profile__"
    releases = (
        with_funding(
            FieldTraining.objects.filter(
                staff_filter(filters, organisation_ids, prefix),
                status=FieldTrainingStatus.RELEASED,
            ),
            filters,
            prefix,
        )
        .values(
            "trainee_id",
            org=F(f"{prefix}organisation_id"),
            role=F(f"{prefix}job_role_id"),
            hired=F(f"{prefix}hire_date"),
            zone=F(f"{prefix}organisation__time_zone"),
        )
        .annotate(first=Min("released_at"))
        .filter(first__gte=filters.start, first__lt=filters.end)
        .order_by()
    )
    days: dict[tuple[int, int | None], list[int]] = {}
    for row in releases:
        released_on = row["first"].astimezone(zoneinfo.ZoneInfo(row["zone"])).date()
        days.setdefault((row["org"], row["role"]), []).append((released_on - row["hired"]).days)
    in_training = FieldTraining.objects.filter(
        Q(status=FieldTrainingStatus.ACTIVE)
        | Q(status=FieldTrainingStatus.RELEASED, released_at__gte=filters.end),
        trainee_id=OuterRef("user_id"),
        started_on__lte=filters.date_to,
    )
    released_before = FieldTraining.objects.filter(
        trainee_id=OuterRef("user_id"),
        status=FieldTrainingStatus.RELEASED,
        released_at__lt=filters.end,
    )
    staying = (
        counted_staff(filters, organisation_ids, on=filters.date_to)
        .filter(hire_date__lt=filters.date_to - datetime.timedelta(days=beyond_days))
        .filter(Exists(in_training))
        .exclude(Exists(released_before))
        .values("organisation_id", "job_role_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    waiting = {(row["organisation_id"], row["job_role_id"]): row["n"] for row in staying}
    keys = sorted(
        set(days) | set(waiting),
        key=lambda key: (
            scope.name(key[0]).casefold(),
            key[0],
            job_roles.get(key[1], NO_JOB_ROLE).casefold() if key[1] else "~",
            key[1] or 0,
        ),
    )
    return ReleaseReport(
        lines=[
            ReleaseLine(
                organisation_id=org,
                organisation=scope.name(org),
                job_role_id=role,
                job_role=job_roles.get(role, NO_JOB_ROLE) if role else NO_JOB_ROLE,
                days=tuple(sorted(days.get((org, role), ()))),
                still_in_training=waiting.get((org, role), 0),
            )
            for org, role in keys
        ],
        beyond_days=beyond_days,
    )

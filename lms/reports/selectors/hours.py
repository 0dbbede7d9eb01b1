"""Training hours, set-based: two grouped queries whatever the number of people.

- **Modules**: every module completed in the range counts the minutes recorded on its
  completion (`ModuleProgress.completed_minutes`, the module's estimated time snapshotted when
  it was completed), under the training type recorded with it: the same figure the transcript
  adds up (`courses.selectors.transcript`).
- **Field shifts**: every ride-along shift worked in the range (by its shift date) counts its
  length (end minus start) as field training of the trainee.

Hours belong to the person's current organisation, job role and position funding source (their
staff record now). Only the organisations whose records the viewer may see are summed."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DurationField, ExpressionWrapper, F, Sum

from courses.models import ModuleProgress, ProgressStatus, RideAlong, TrainingType

from .common import ReportFilters, staff_filter, with_funding

TYPES = tuple(TrainingType)
TENTH = Decimal("0.1")


def hours_of(minutes: int = 0, seconds: int = 0) -> Decimal:
    """Minutes and seconds as hours, to one decimal (as the transcript shows them)."""
    total = Decimal(minutes) / 60 + Decimal(seconds) / 3600
    return total.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class HoursCell:
    """Training time of one kind in one month, for one organisation, job role and funding
    source. Times stay exact (minutes, seconds) until shown."""

    month: datetime.date
    organisation_id: int
    job_role_id: int | None
    funding_source: str
    training_type: str
    module_minutes: int = 0
    shift_seconds: int = 0

    @property
    def hours(self) -> Decimal:
        return hours_of(self.module_minutes, self.shift_seconds)


def hours_cells(filters: ReportFilters, organisation_ids: Iterable[int]) -> list[HoursCell]:
    """Training time in the range for the staff of `organisation_ids` that the filters keep,
    grouped by month, organisation, job role, funding source and training type (two queries)."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids:
        return []
    prefix = "user__staff_profile__"
    modules = with_funding(
        ModuleProgress.objects.filter(
            staff_filter(filters, organisation_ids, prefix),
            status=ProgressStatus.COMPLETED,
            completed_at__gte=filters.start,
            completed_at__lt=filters.end,
        ),
        filters,
        prefix,
    )
    module_rows = (
        modules.annotate(
            month=filters.month_of("completed_at"),
            org=F(f"{prefix}organisation_id"),
            role=F(f"{prefix}job_role_id"),
            kind=F("completed_training_type"),
        )
        .values("month", "org", "role", "funding", "kind")
        .annotate(minutes=Sum("completed_minutes"))
        .order_by()
    )
    prefix = "trainee__staff_profile__"
    shifts = with_funding(
        RideAlong.objects.filter(
            staff_filter(filters, organisation_ids, prefix),
            shift_date__gte=filters.date_from,
            shift_date__lte=filters.date_to,
        ),
        filters,
        prefix,
    )
    shift_rows = (
        shifts.annotate(
            month=filters.month_of("shift_date", moments=False),
            org=F(f"{prefix}organisation_id"),
            role=F(f"{prefix}job_role_id"),
        )
        .values("month", "org", "role", "funding")
        .annotate(
            length=Sum(
                ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
            )
        )
        .order_by()
    )
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in module_rows:
        key = (row["month"], row["org"], row["role"], row["funding"], row["kind"])
        cells[key][0] += row["minutes"] or 0
    for row in shift_rows:
        key = (row["month"], row["org"], row["role"], row["funding"], TrainingType.FIELD.value)
        length = row["length"] or datetime.timedelta(0)
        cells[key][1] += round(length.total_seconds())
    return [
        HoursCell(*key, module_minutes=minutes, shift_seconds=seconds)
        for key, (minutes, seconds) in sorted(cells.items(), key=_order)
    ]


def _order(item) -> tuple:
    month, org, role, funding, kind = item[0]
    return (month, org, role or 0, funding, kind)


# --- Totals -----------------------------------------------------------------------------------


@dataclass
class TypeTotals:
    """Exact training time per type for one group (a month, an organisation, a job role...)."""

    minutes: dict[str, int]
    seconds: dict[str, int]

    @classmethod
    def empty(cls) -> "TypeTotals":
        return cls(dict.fromkeys(TYPES, 0), dict.fromkeys(TYPES, 0))

    def add(self, cell: HoursCell) -> None:
        self.minutes[cell.training_type] = self.minutes.get(cell.training_type, 0) + (
            cell.module_minutes
        )
        self.seconds[cell.training_type] = self.seconds.get(cell.training_type, 0) + (
            cell.shift_seconds
        )

    def hours(self, kind: str) -> Decimal:
        return hours_of(self.minutes.get(kind, 0), self.seconds.get(kind, 0))

    @property
    def by_type(self) -> list[Decimal]:
        return [self.hours(kind) for kind in TYPES]

    @property
    def total(self) -> Decimal:
        return hours_of(sum(self.minutes.values()), sum(self.seconds.values()))


def totals_by(cells: Iterable[HoursCell], key) -> dict:
    """Cells summed per `key(cell)`, in the order keys are first met."""
    totals: dict = {}
    for cell in cells:
        group = key(cell)
        if group not in totals:
            totals[group] = TypeTotals.empty()
        totals[group].add(cell)
    return totals


def grand_total(cells: Iterable[HoursCell]) -> TypeTotals:
    total = TypeTotals.empty()
    for cell in cells:
        total.add(cell)
    return total

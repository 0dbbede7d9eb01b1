"""Headcount and training hours per funding source (the position's, else the organisation's),
and per organisation and funding source. Three queries.

Headcount covers every organisation in the viewer's headcount reach; hours only those whose
records the viewer may see (a contracted organisation that shares nothing beyond headcount
keeps its hours to itself)."""

from dataclasses import dataclass, field

from django.db.models import Count

from lms.accounts.models import FundingSource

from .common import FUNDING_LABELS, ReportFilters, Scope, counted_staff
from .hours import HoursCell, TypeTotals, hours_cells, totals_by


@dataclass
class FundingLine:
    funding_source: str
    headcount: int = 0
    hours: TypeTotals = field(default_factory=TypeTotals.empty)

    @property
    def label(self) -> str:
        return FUNDING_LABELS.get(self.funding_source, self.funding_source)


@dataclass
class OrganisationFundingLine(FundingLine):
    organisation_id: int = 0
    organisation: str = ""
    records: bool = True  # False: the organisation shares its headcount only


@dataclass
class FundingReport:
    by_source: list[FundingLine]
    by_organisation: list[OrganisationFundingLine]
    headcount_only: list[str]  # organisations whose hours are not shared with the viewer
    cells: list[HoursCell]

    @property
    def headcount(self) -> int:
        return sum(line.headcount for line in self.by_source)


def funding_report(*, scope: Scope, filters: ReportFilters) -> FundingReport:
    headcount = (
        counted_staff(filters, scope.headcount_ids(filters.organisation_id), on=filters.date_to)
        .values("organisation_id", "funding")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cells = hours_cells(filters, scope.record_ids(filters.organisation_id))
    sources = [
        value
        for value in FundingSource.values
        if not filters.funding_source or value == filters.funding_source
    ]
    by_source = {value: FundingLine(value) for value in sources}
    by_organisation: dict[tuple[int, str], OrganisationFundingLine] = {}

    def line_for(org_id: int, funding: str) -> OrganisationFundingLine:
        key = (org_id, funding)
        if key not in by_organisation:
            org = scope.by_pk[org_id]
            by_organisation[key] = OrganisationFundingLine(
                funding, organisation_id=org_id, organisation=org.name, records=org.records
            )
        return by_organisation[key]

    for row in headcount:
        by_source.setdefault(row["funding"], FundingLine(row["funding"])).headcount += row["n"]
        line_for(row["organisation_id"], row["funding"]).headcount += row["n"]
    for (org_id, funding), totals in totals_by(
        cells, lambda cell: (cell.organisation_id, cell.funding_source)
    ).items():
        _merge(by_source.setdefault(funding, FundingLine(funding)).hours, totals)
        _merge(line_for(org_id, funding).hours, totals)
    order = {org.pk: index for index, org in enumerate(scope.organisations)}
    return FundingReport(
        by_source=list(by_source.values()),
        by_organisation=sorted(
            by_organisation.values(),
            key=lambda line: (order[line.organisation_id], _source_order(line.funding_source)),
        ),
        headcount_only=[org.name for org in scope.headcount_only(filters.organisation_id)],
        cells=cells,
    )


def _source_order(value: str) -> int:
    values = list(FundingSource.values)
    return values.index(value) if value in values else len(values)


def _merge(into: TypeTotals, other: TypeTotals) -> None:
    for kind, minutes in other.minutes.items():
        into.minutes[kind] = into.minutes.get(kind, 0) + minutes
    for kind, seconds in other.seconds.items():
        into.seconds[kind] = into.seconds.get(kind, 0) + seconds

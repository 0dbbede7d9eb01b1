"""The reports as pages: each report's tables (the chart's data), charts and download, built
from its read model. A table is plain rows of values, so the page and the CSV/XLSX download
show the same figures; formatting happens only when a cell is shown (`cell_text`)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString

from lms.reports.charts import ChartRow, bar_chart_svg, number

from .selectors.common import FUNDING_LABELS, NO_JOB_ROLE, ReportFilters
from .selectors.compliance import ComplianceLine, ComplianceReport
from .selectors.fto import FtoReport
from .selectors.funding import FundingReport
from .selectors.hours import TYPES, TypeTotals, grand_total, hours_of, totals_by
from .selectors.release import ReleaseReport

TYPE_LABELS = [kind.label for kind in TYPES]
TYPE_LABEL_OF = {kind.value: kind.label for kind in TYPES}
PAGE_LIMIT = 100  # rows of a long list shown on the page; the download has them all
CHART_LIMIT = 20  # bars of a long list drawn in its chart
NOT_SHARED = "Not shared"


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list]  # the first cell of a row names it
    footer: list | None = None

    @property
    def header(self) -> list[str]:
        return [column.label for column in self.columns]

    def _cells(self, row: list) -> list[Cell]:
        return [
            Cell(cell_text(value), column.numeric)
            for column, value in zip(self.columns, row, strict=True)
        ]

    @property
    def display_rows(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def display_footer(self) -> list[Cell] | None:
        return self._cells(self.footer) if self.footer else None


@dataclass
class Section:
    heading: str
    table: Table
    chart: SafeString | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ReportPage:
    summary: list[tuple[str, str]]  # (what, figure) shown above the sections
    sections: list[Section]
    export: Table  # what the CSV and XLSX downloads hold
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """How many rows the download has (for the export's audit row)."""
        return len(self.export.rows)


def cell_text(value) -> str:
    """A cell as the page shows it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return number(value)
    if isinstance(value, datetime.date):
        return f"{value:%-d %b %Y}"
    return str(value)


def export_value(value):
    """A cell as the download holds it: numbers stay numbers (XLSX keeps them typed)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def month_label(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def _types(totals: TypeTotals) -> list:
    return [*totals.by_type, totals.total]


def _type_columns(first: str) -> list[Column]:
    return [
        Column(first),
        *(Column(f"{label} (hours)", numeric=True) for label in TYPE_LABELS),
        Column("Total hours", numeric=True),
    ]


def _headcount_only_note(names: Sequence[str]) -> list[str]:
    if not names:
        return []
    return [
        "Hours leave out the organisations that share only their headcount with the city: "
        + ", ".join(names)
        + "."
    ]


# --- 1. Training hours ---------------------------------------------------------------------------


def training_hours_page(
    *, cells, filters: ReportFilters, scope, job_roles: dict[int, str]
) -> ReportPage:
    total = grand_total(cells)
    by_month = totals_by(cells, lambda cell: cell.month)
    months = [(month, by_month.get(month, TypeTotals.empty())) for month in filters.months]
    month_table = Table(
        "Training hours by month and training type",
        _type_columns("Month"),
        [[month_label(month), *_types(totals)] for month, totals in months],
        ["All months", *_types(total)],
    )
    chart = bar_chart_svg(
        chart_id="hours",
        title=f"Training hours by month, stacked by training type, {number(total.total)} in all",
        rows=[ChartRow(month_label(month), tuple(totals.by_type)) for month, totals in months],
        series=TYPE_LABELS,
    )
    by_org = totals_by(cells, lambda cell: cell.organisation_id)
    org_rows = sorted(
        ([scope.name(org), *_types(totals)] for org, totals in by_org.items()),
        key=lambda row: row[0].casefold(),
    )
    by_role = totals_by(cells, lambda cell: cell.job_role_id)
    role_rows = sorted(
        (
            [job_roles.get(role, NO_JOB_ROLE) if role else NO_JOB_ROLE, *_types(totals)]
            for role, totals in by_role.items()
        ),
        key=lambda row: row[0].casefold(),
    )
    export = Table(
        "Training hours by month, organisation, job role, funding source and training type",
        [
            Column("Month"),
            Column("Organisation"),
            Column("Job role"),
            Column("Funding source"),
            Column("Training type"),
            Column("Module hours", numeric=True),
            Column("Field shift hours", numeric=True),
            Column("Hours", numeric=True),
        ],
        [
            [
                f"{cell.month:%Y-%m}",
                scope.name(cell.organisation_id),
                job_roles.get(cell.job_role_id, NO_JOB_ROLE) if cell.job_role_id else NO_JOB_ROLE,
                FUNDING_LABELS.get(cell.funding_source, cell.funding_source),
                TYPE_LABEL_OF.get(cell.training_type, cell.training_type),
                hours_of(cell.module_minutes),
                hours_of(0, cell.shift_seconds),
                cell.hours,
            ]
            for cell in cells
        ],
    )
    return ReportPage(
        summary=[
            ("Training hours", number(total.total)),
            *(
                (label, number(hours))
                for label, hours in zip(TYPE_LABELS, total.by_type, strict=True)
            ),
        ],
        sections=[
            Section("By month and training type", month_table, chart=chart),
            Section(
                "By organisation",
                Table(
                    "Training hours by organisation and training type",
                    _type_columns("Organisation"),
                    org_rows,
                    ["All organisations", *_types(total)],
                ),
            ),
            Section(
                "By job role",
                Table(
                    "Training hours by job role and training type",
                    _type_columns("Job role"),
                    role_rows,
                    ["All job roles", *_types(total)],
                ),
            ),
        ],
        export=export,
        notes=_headcount_only_note(
            [org.name for org in scope.headcount_only(filters.organisation_id)]
        ),
    )


# --- 2. Funding sources ------------------------------------------------------------------------


def funding_page(*, report: FundingReport) -> ReportPage:
    source_rows = [[line.label, line.headcount, *_types(line.hours)] for line in report.by_source]
    total = grand_total(report.cells)
    source_table = Table(
        "Headcount and training hours by funding source",
        [
            Column("Funding source"),
            Column("Headcount", numeric=True),
            *_type_columns("")[1:],
        ],
        source_rows,
        ["All funding sources", report.headcount, *_types(total)],
    )
    headcount_chart = bar_chart_svg(
        chart_id="headcount",
        title=f"Headcount by funding source, {report.headcount} in all",
        rows=[ChartRow(line.label, (line.headcount,)) for line in report.by_source],
        series=["Headcount"],
    )
    hours_chart = bar_chart_svg(
        chart_id="funding-hours",
        title=f"Training hours by funding source, stacked by training type, "
        f"{number(total.total)} in all",
        rows=[ChartRow(line.label, tuple(line.hours.by_type)) for line in report.by_source],
        series=TYPE_LABELS,
    )
    org_columns = [
        Column("Organisation"),
        Column("Funding source"),
        Column("Headcount", numeric=True),
        *(Column(f"{label} (hours)", numeric=True) for label in TYPE_LABELS),
        Column("Total hours", numeric=True),
    ]

    def org_row(line) -> list:
        hours = _types(line.hours) if line.records else [*[None] * len(TYPES), NOT_SHARED]
        return [line.organisation, line.label, line.headcount, *hours]

    org_table = Table(
        "Headcount and training hours by organisation and funding source",
        org_columns,
        [org_row(line) for line in report.by_organisation],
    )
    export = Table(
        org_table.caption,
        [*org_columns, Column("Hours shared")],
        [
            [
                line.organisation,
                line.label,
                line.headcount,
                *(_types(line.hours) if line.records else [None] * (len(TYPES) + 1)),
                line.records,
            ]
            for line in report.by_organisation
        ],
    )
    return ReportPage(
        summary=[
            ("Headcount", number(report.headcount)),
            ("Training hours", number(total.total)),
        ],
        sections=[
            Section("By funding source", source_table, chart=headcount_chart),
            Section(
                "Training hours by funding source", _chart_only(source_table), chart=hours_chart
            ),
            Section("By organisation and funding source", org_table),
        ],
        export=export,
        notes=_headcount_only_note(report.headcount_only),
    )


def _chart_only(table: Table) -> Table:
    """The hours chart's own table: the funding table without the headcount."""
    return Table(
        "Training hours by funding source and training type",
        [table.columns[0], *table.columns[2:]],
        [[row[0], *row[2:]] for row in table.rows],
        [table.footer[0], *table.footer[2:]] if table.footer else None,
    )


# --- 3. FTO workload -----------------------------------------------------------------------------


FTO_COLUMNS = [
    Column("Field training officer"),
    Column("Organisation"),
    Column("Trainees now", numeric=True),
    Column("Shifts", numeric=True),
    Column("DORs written", numeric=True),
    Column("Task sign-offs", numeric=True),
    Column("Shifts per month", numeric=True),
    Column("DORs per month", numeric=True),
    Column("Sign-offs per month", numeric=True),
]


def fto_page(*, report: FtoReport, filters: ReportFilters) -> ReportPage:
    def row(line) -> list:
        return [
            line.name,
            line.organisation,
            line.trainees,
            line.shifts,
            line.reports,
            line.signoffs,
            line.shifts_per_month,
            line.reports_per_month,
            line.signoffs_per_month,
        ]

    months = filters.month_span
    totals = [report.trainees, *(report.total(name) for name in ("shifts", "reports", "signoffs"))]
    per_month = [round(count / months, 1) for count in totals[1:]]
    table = Table(
        "Workload per field training officer, busiest first",
        FTO_COLUMNS,
        [row(line) for line in report.lines[:PAGE_LIMIT]],
        ["All officers", "", *totals, *per_month],
    )
    charted = [line for line in report.lines if line.activity][:CHART_LIMIT]
    chart = bar_chart_svg(
        chart_id="fto",
        title=f"Shifts, DORs and task sign-offs per field training officer "
        f"(the {len(charted)} busiest)",
        rows=[ChartRow(line.name, (line.shifts, line.reports, line.signoffs)) for line in charted],
        series=["Shifts", "DORs written", "Task sign-offs"],
        stacked=False,
    )
    notes = []
    if len(report.lines) > PAGE_LIMIT:
        notes.append(
            f"Showing the {PAGE_LIMIT} busiest of {len(report.lines)} officers; "
            "the download has everyone."
        )
    if len(charted) < len(report.lines):
        notes.append(f"The chart draws the {len(charted)} busiest officers with work in the range.")
    export = Table(
        table.caption,
        [FTO_COLUMNS[0], Column("Email"), *FTO_COLUMNS[1:]],
        [[line.name, line.email, *row(line)[1:]] for line in report.lines],
    )
    return ReportPage(
        summary=[
            ("Field training officers", number(len(report.lines))),
            ("Trainees in field training now", number(totals[0])),
            ("Shifts", number(totals[1])),
            ("DORs written", number(totals[2])),
            ("Task sign-offs", number(totals[3])),
        ],
        sections=[Section("Per officer", table, chart=chart, notes=notes)],
        export=export,
    )


# --- 4. Time from hire to field release --------------------------------------------------------


def release_page(*, report: ReleaseReport) -> ReportPage:
    beyond = f"Still in training after {report.beyond_days} days"
    columns = [
        Column("Organisation"),
        Column("Job role"),
        Column("Released", numeric=True),
        Column("Median days", numeric=True),
        Column("90th percentile days", numeric=True),
        Column(beyond, numeric=True),
    ]
    rows = [
        [
            line.organisation,
            line.job_role,
            line.released,
            line.median,
            line.p90,
            line.still_in_training,
        ]
        for line in report.lines
    ]
    table = Table(
        "Days from hire to field release, by organisation and job role",
        columns,
        rows,
        [
            "All organisations",
            "",
            report.released,
            report.median,
            report.p90,
            report.still_in_training,
        ],
    )
    released = [line for line in report.lines if line.released]
    chart = bar_chart_svg(
        chart_id="release",
        title="Median and 90th percentile days from hire to field release, by organisation "
        "and job role",
        rows=[
            ChartRow(f"{line.organisation}: {line.job_role}", (line.median, line.p90))
            for line in released
        ],
        series=["Median days", "90th percentile days"],
        stacked=False,
    )
    return ReportPage(
        summary=[
            ("Released", number(report.released)),
            ("Median days", number(report.median)),
            ("90th percentile days", number(report.p90)),
            (beyond, number(report.still_in_training)),
        ],
        sections=[Section("By organisation and job role", table, chart=chart)],
        export=Table(table.caption, columns, rows),
    )


# --- 5. Credential compliance ------------------------------------------------------------------


COMPLIANCE_COLUMNS = [
    Column("Staff", numeric=True),
    Column("Role requires credentials", numeric=True),
    Column("Holding every required credential", numeric=True),
    Column("Compliance rate (%)", numeric=True),
]


def _compliance_cells(line: ComplianceLine) -> list:
    return [line.staff, line.requiring, line.compliant, line.rate]


def compliance_page(*, report: ComplianceReport, filters: ReportFilters) -> ReportPage:
    total = report.total
    org_table = Table(
        f"Credential compliance by organisation on {filters.date_to:%-d %b %Y}",
        [Column("Organisation"), *COMPLIANCE_COLUMNS],
        [[line.organisation, *_compliance_cells(line)] for line in report.by_organisation],
        ["All organisations", *_compliance_cells(total)],
    )
    chart = bar_chart_svg(
        chart_id="compliance",
        title="Share of staff holding every credential their role requires, by organisation",
        rows=[
            ChartRow(
                line.organisation,
                (line.rate or 0,),
                figure=f"{number(line.rate)}%" if line.rate is not None else "—",
            )
            for line in report.by_organisation
        ],
        series=["Compliance rate"],
        maximum=100,
    )
    columns = [Column("Organisation"), Column("Job role"), *COMPLIANCE_COLUMNS]
    rows = [[line.organisation, line.job_role, *_compliance_cells(line)] for line in report.lines]
    role_table = Table(
        "Credential compliance by organisation and job role",
        columns,
        rows,
        ["All organisations", "", *_compliance_cells(total)],
    )
    return ReportPage(
        summary=[
            ("Staff", number(total.staff)),
            ("Role requires credentials", number(total.requiring)),
            ("Holding every required credential", number(total.compliant)),
            ("Compliance rate", f"{number(total.rate)}%" if total.rate is not None else "—"),
        ],
        sections=[
            Section("By organisation", org_table, chart=chart),
            Section("By organisation and job role", role_table),
        ],
        export=Table(role_table.caption, columns, rows),
    )

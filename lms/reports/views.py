"""Program reports for supervisors (their organisation), HR and administrators (the
organisations in reach): one index and five reports, each a filter form, charts with their
tables, and the table as CSV or XLSX (an audited export). Thin: check, parse, select, render."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from certificates.services.exports import export_record
from lms.spreadsheets import csv_response, xlsx_response

from . import permissions, tables
from .forms import ReleaseFilterForm, ReportFilterForm
from .selectors.common import ReportFilters, Scope, city_zone, job_role_names, report_scope
from .selectors.compliance import credential_compliance
from .selectors.fto import fto_workload
from .selectors.funding import funding_report
from .selectors.hours import hours_cells
from .selectors.release import field_release

EXPORT_FORMATS = ("csv", "xlsx")
FORMAT_ERROR = "Downloads come as CSV or XLSX: choose one of the download buttons."


@dataclass(frozen=True)
class Context:
    """What a report's builder gets: the viewer's reach, the filters, the job role names and
    the bound form (for report-specific fields)."""

    scope: Scope
    filters: ReportFilters
    job_roles: dict[int, str]
    form: ReportFilterForm


@dataclass(frozen=True)
class Report:
    slug: str
    url_name: str
    title: str
    summary: str
    explanation: tuple[str, ...]
    build: Callable[[Context], tables.ReportPage]
    headcount_reach: bool = False  # the organisation filter offers headcount-only organisations
    form_class: type[ReportFilterForm] = ReportFilterForm


def _hours(ctx: Context) -> tables.ReportPage:
    cells = hours_cells(ctx.filters, ctx.scope.record_ids(ctx.filters.organisation_id))
    return tables.training_hours_page(
        cells=cells, filters=ctx.filters, scope=ctx.scope, job_roles=ctx.job_roles
    )


def _funding(ctx: Context) -> tables.ReportPage:
    return tables.funding_page(report=funding_report(scope=ctx.scope, filters=ctx.filters))


def _fto(ctx: Context) -> tables.ReportPage:
    return tables.fto_page(
        report=fto_workload(scope=ctx.scope, filters=ctx.filters), filters=ctx.filters
    )


def _release(ctx: Context) -> tables.ReportPage:
    report = field_release(
        scope=ctx.scope,
        filters=ctx.filters,
        job_roles=ctx.job_roles,
        beyond_days=ctx.form.days_beyond,
    )
    return tables.release_page(report=report)


def _compliance(ctx: Context) -> tables.ReportPage:
    report = credential_compliance(scope=ctx.scope, filters=ctx.filters, job_roles=ctx.job_roles)
    return tables.compliance_page(report=report, filters=ctx.filters)


REPORTS = (
    Report(
        "training-hours",
        "reports:training_hours",
        "Training hours",
        "Hours of training by month, organisation, job role and training type.",
        (
            "A completed module counts the minutes recorded when it was completed (the module's "
            "estimated time then), under its training type: the figure each person's transcript "
            "adds up. A ride-along shift counts its length as field training, by its shift date.",
            "Hours count for the person's current organisation, job role and funding source.",
        ),
        _hours,
    ),
    Report(
        "funding",
        "reports:funding",
        "Funding sources",
        "Headcount and training hours per funding source, and per organisation.",
        (
            "A position's funding source is its own where one is recorded, else its "
            "organisation's. Headcount counts active and trainee staff on the last day of the "
            "range (hired by then, not separated, not on leave); hours are counted as in the "
            "training hours report.",
            "A contracted organisation that shares only its headcount with the city appears "
            "here with its headcount alone.",
        ),
        _funding,
        headcount_reach=True,
    ),
    Report(
        "fto-workload",
        "reports:fto_workload",
        "FTO workload",
        "Trainees, shifts, Daily Observation Reports and task sign-offs per field training "
        "officer.",
        (
            "Trainees now are those in an active field training with the officer as primary or "
            "secondary FTO. Shifts, DORs (a corrected report counts once) and task sign-offs "
            "count within the range, with their average per month.",
            "The organisation, funding source and job role filters apply to the officer.",
        ),
        _fto,
    ),
    Report(
        "field-release",
        "reports:field_release",
        "Time to field release",
        "Days from hire to field release, and who is still in training after a given time.",
        (
            "Everyone whose first field training release falls in the range counts once, with "
            "the days from their hire date to the release day. The 90th percentile is the "
            "number of days within which nine in ten were released.",
            "Still in training: people working on the last day of the range, hired longer ago "
            "than the days you choose, in a field training that day and never released before.",
        ),
        _release,
        form_class=ReleaseFilterForm,
    ),
    Report(
        "credential-compliance",
        "reports:compliance",
        "Credential compliance",
        "The share of staff holding every credential their job role requires.",
        (
            "On the last day of the range, of the active and trainee staff whose job role "
            "requires credentials: those holding every one of them, valid that day (in force, "
            "not expired, not awaiting verification), as on the compliance board.",
        ),
        _compliance,
    ),
)
BY_SLUG = {report.slug: report for report in REPORTS}


def _today(user) -> datetime.date:
    """Today in the viewer's organisation's time zone (the city's for people without one)."""
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        return profile.organisation.today()
    return timezone.localdate(timezone=city_zone())


@login_required
@require_GET
def index(request):
    permissions.ensure_can_view_program_reports(user=request.user, request=request)
    return render(request, "reports/index.html", {"reports": REPORTS})


def report_view(slug: str):
    report = BY_SLUG[slug]

    @login_required
    @require_GET
    def view(request):
        permissions.ensure_can_view_program_reports(user=request.user, request=request)
        scope = report_scope(user=request.user)
        job_roles = job_role_names()
        organisations = (
            scope.headcount_choices() if report.headcount_reach else scope.record_choices()
        )
        form = report.form_class(
            request.GET or None,
            organisations=organisations,
            job_roles=list(job_roles.items()),
            today=_today(request.user),
        )
        context = {"report": report, "reports": REPORTS, "form": form}
        wanted = request.GET.get("format", "")
        if wanted and wanted not in EXPORT_FORMATS:
            context["format_error"] = FORMAT_ERROR
            return render(request, "reports/report.html", context, status=400)
        if form.is_bound and not form.is_valid():
            # Nothing is computed for filters that do not make sense.
            return render(request, "reports/report.html", context, status=400)
        filters = form.filters()
        page = report.build(Context(scope, filters, job_roles, form))
        if wanted:
            export_record(
                user=request.user,
                request=request,
                what=f"report_{report.slug}_{wanted}",
                filters={**filters.as_dict(), **_extra(form)},
                rows=page.rows,
            )
            return _export(report, filters, page, wanted)
        query = _query(request.GET, filters)
        context.update(
            page=page,
            filters=filters,
            csv_query=_with(query, format="csv"),
            xlsx_query=_with(query, format="xlsx"),
        )
        return render(request, "reports/report.html", context)

    view.__name__ = view.__qualname__ = slug.replace("-", "_")
    return view


def _extra(form: ReportFilterForm) -> dict:
    if isinstance(form, ReleaseFilterForm):
        return {"beyond_days": form.days_beyond}
    return {}


def _query(data, filters: ReportFilters):
    """The page's query with the dates it used written out, so a download matches the page."""
    query = data.copy()
    query.pop("format", None)
    query["date_from"] = filters.date_from.isoformat()
    query["date_to"] = filters.date_to.isoformat()
    return query


def _with(query, **changes) -> str:
    query = query.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _export(report: Report, filters: ReportFilters, page: tables.ReportPage, wanted: str):
    stem = f"{report.slug}-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}"
    table = page.export
    rows = ([tables.export_value(value) for value in row] for row in table.rows)
    if wanted == "xlsx":
        return xlsx_response(f"{stem}.xlsx", report.title, table.header, rows)
    return csv_response(f"{stem}.csv", table.header, rows)


training_hours = report_view("training-hours")
funding = report_view("funding")
fto_workload_view = report_view("fto-workload")
field_release_view = report_view("field-release")
compliance = report_view("credential-compliance")

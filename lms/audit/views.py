"""The audit log's search page and its exports (CSV, XLSX), for HR and administrators."""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lms.accounts.permissions import organisations_in_reach
from lms.spreadsheets import csv_response, xlsx_response

from .forms import AuditSearchForm
from .models import AuditAction
from .selectors import (
    EXPORT_HEADER,
    AuditFilters,
    audit_export_rows,
    audit_search,
    can_search_audit,
)
from .services import audit_record

EXPORT_LIMIT = 100_000  # rows in one export; narrow the filters for more
EXPORT_FORMATS = ("csv", "xlsx")


def _zone(user) -> zoneinfo.ZoneInfo:
    """The viewer's organisation's time zone (the city's for people without one)."""
    profile = getattr(user, "staff_profile", None)
    return profile.organisation.zone if profile else zoneinfo.ZoneInfo(settings.RELAY_TIME_ZONE)


def _filters(cleaned: dict, zone: zoneinfo.ZoneInfo) -> AuditFilters:
    """Dates are days in the viewer's time zone; the log keeps UTC instants."""

    def start_of(day):
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone) if day else None

    until = cleaned.get("until")
    return AuditFilters(
        action=cleaned.get("action") or "",
        actor=cleaned.get("actor") or "",
        target=cleaned.get("target") or "",
        organisation_id=cleaned.get("organisation"),
        since=start_of(cleaned.get("since")),
        until=start_of(until + datetime.timedelta(days=1)) if until else None,
    )


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@login_required
@require_GET
def search(request):
    if not can_search_audit(user=request.user):
        raise PermissionDenied
    zone = _zone(request.user)
    organisations = list(
        organisations_in_reach(user=request.user).order_by("name").values_list("pk", "name")
    )
    form = AuditSearchForm(request.GET or None, organisations=organisations)
    valid = form.is_valid() if request.GET else True
    filters = _filters(form.cleaned_data if request.GET else {}, zone) if valid else None
    export = request.GET.get("format")
    if filters is not None and export in EXPORT_FORMATS:
        return _export(request, filters=filters, export=export)
    page = (
        audit_search(user=request.user, filters=filters, before=_cursor(request.GET.get("before")))
        if filters is not None
        else None
    )
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("format", None)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "zone": zone,
            "query": query.urlencode(),
            "sees_everything": request.user.has_perm("accounts.view_all_staff"),
        },
        status=200 if valid else 400,
    )


def _export(request, *, filters: AuditFilters, export: str):
    """The whole filtered log (up to EXPORT_LIMIT rows), written to the log itself first."""
    rows = list(audit_export_rows(user=request.user, filters=filters, limit=EXPORT_LIMIT))
    profile = getattr(request.user, "staff_profile", None)
    audit_record(
        action=AuditAction.EXPORTED,
        actor=request.user,
        organisation=profile.organisation if profile else None,
        request=request,
        target="audit-log",
        data={"filters": request.GET.dict(), "rows": len(rows), "format": export},
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if export == "csv":
        return csv_response(f"relay-audit-{stamp}.csv", EXPORT_HEADER, rows)
    return xlsx_response(f"relay-audit-{stamp}.xlsx", "Audit log", EXPORT_HEADER, rows)

"""HR's readiness dashboard: the candidates for a city role, ranked ready / one requirement
away / further, filtered, counted by organisation (a chart and its table), exported to CSV and
XLSX; and the drill-down to one person's readiness with what would close each gap."""

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from certificates import permissions
from certificates.charts import readiness_by_organisation_svg
from certificates.models import JobRole
from certificates.readiness import BAND_LABELS
from certificates.selectors.readiness_board import (
    BANDS,
    BoardFilters,
    ReadinessBoard,
    readiness_board,
)
from certificates.selectors.readiness_person import person_readiness
from certificates.services.exports import export_record
from lms.accounts.models import StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.forms import date_input, within_calendar
from lms.spreadsheets import csv_response, xlsx_response

PAGE_LIMIT = 100  # candidates listed on the page (as the compliance board); exports have all
EXPORT_FORMATS = ("csv", "xlsx")
DATE_ERROR = "Give the date as YYYY-MM-DD, for example 2026-09-01."
MINIMUM_ERROR = "Give the minimum readiness as a whole number from 0 to 100."


def _today(user) -> datetime.date:
    """Today in the viewer's organisation's time zone (the city's for people without one)."""
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        return profile.organisation.today()
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.RELAY_TIME_ZONE))


class OnForm(forms.Form):
    on = forms.DateField(
        label="Ready on",
        required=False,
        widget=date_input(),
        help_text="Credentials that expire before this date count as missing.",
        error_messages={"invalid": DATE_ERROR},
    )

    def clean_on(self):
        return within_calendar(self.cleaned_data["on"])


class DashboardForm(OnForm):
    """The dashboard's GET form. Choices come from lists the view reads once (the roles, the
    organisations in the viewer's reach), so an unknown or out-of-reach id, or one
    that is not a number, is a form error rather than an empty list."""

    field_order = ["role", "on", "organisation", "job_role", "minimum", "interested"]

    role = forms.TypedChoiceField(
        label="Target role",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "There is no such role: choose one from the list."},
    )
    organisation = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "There is no such organisation among the people you can see: "
            "choose one from the list."
        },
    )
    job_role = forms.TypedChoiceField(
        label="Current role",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "There is no such current role: choose one from the list."
        },
    )
    minimum = forms.IntegerField(
        label="Minimum readiness (%)",
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
        error_messages={
            "invalid": MINIMUM_ERROR,
            "min_value": MINIMUM_ERROR,
            "max_value": MINIMUM_ERROR,
        },
    )
    interested = forms.BooleanField(label="Only people interested in the role", required=False)

    def __init__(self, *args, roles, organisations, shows_interest: bool, **kwargs):
        super().__init__(*args, **kwargs)
        role_choices = [(role.pk, role.name) for role in roles]
        self.fields["role"].choices = [("", "Choose a role"), *role_choices]
        self.fields["organisation"].choices = [("", "All organisations"), *organisations]
        self.fields["job_role"].choices = [("", "Any current role"), *role_choices]
        if not shows_interest:
            del self.fields["interested"]


def _filters(data: dict) -> BoardFilters:
    return BoardFilters(
        organisation_id=data.get("organisation"),
        job_role_id=data.get("job_role"),
        minimum_percent=data.get("minimum") or 0,
        interested_only=bool(data.get("interested")),
    )


@login_required
@require_GET
def dashboard(request):
    permissions.ensure_can_view_readiness(user=request.user)
    shows_interest = permissions.can_view_career_interest(user=request.user)
    today = _today(request.user)
    roles = list(JobRole.objects.order_by("name"))
    organisations = list(
        permissions.organisations_in_reach(user=request.user)
        .order_by("name")
        .values_list("pk", "name")
    )
    query = None
    if request.GET:
        query = request.GET.copy()
        if not query.get("on"):
            query["on"] = today.isoformat()  # shown in the form, and carried into the exports
    form = DashboardForm(
        query,
        initial={"on": today},
        roles=roles,
        organisations=organisations,
        shows_interest=shows_interest,
    )
    wanted = request.GET.get("format", "")
    context = {"form": form, "roles": roles, "today": today, "shows_interest": shows_interest}
    if form.is_bound and not form.is_valid():
        # Nothing is computed for filters that do not make sense.
        return render(request, "certificates/readiness/dashboard.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    role = next((r for r in roles if r.pk == data.get("role")), None)
    if role is None:
        if wanted in EXPORT_FORMATS:
            context["export_error"] = "Choose a target role to export its candidates."
            return render(request, "certificates/readiness/dashboard.html", context, status=400)
        return render(request, "certificates/readiness/dashboard.html", context)
    on = data.get("on") or today
    board = readiness_board(user=request.user, role=role, on=on, filters=_filters(data))
    if wanted in EXPORT_FORMATS:
        export_record(
            user=request.user,
            request=request,
            what=f"readiness_{wanted}",
            filters={
                "role": role.pk,
                "on": on.isoformat(),
                "organisation": data.get("organisation"),
                "job_role": data.get("job_role"),
                "minimum": data.get("minimum"),
                "interested": bool(data.get("interested")) if shows_interest else None,
            },
            rows=board.count,
        )
        return _export(board, wanted)
    context.update(
        board=board,
        role=role,
        on=on,
        rows=board.top(PAGE_LIMIT),
        limit=PAGE_LIMIT,
        chart=readiness_by_organisation_svg(board.by_organisation),
        band_totals=[(band, BAND_LABELS[band], board.totals[band]) for band in BANDS],
        csv_query=_query(form.data, format="csv"),
        xlsx_query=_query(form.data, format="xlsx"),
        on_query=on.isoformat(),
    )
    return render(request, "certificates/readiness/dashboard.html", context)


def _query(data, **changes) -> str:
    query = data.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def export_header(board: ReadinessBoard) -> list[str]:
    header = [
        "Name",
        "Email",
        "Employee id",
        "Organisation",
        "Current role",
        "In current role since",
        "Target role",
        "Ready on",
        "Requirements met",
        "Requirements counted",
        "Readiness %",
        "Band",
        "Missing",
    ]
    if board.shows_interest:
        header.append("Interested")
    return header


def export_rows(board: ReadinessBoard):
    for row in board.candidates():
        values = [
            row.name,
            row.email,
            row.employee_id,
            row.organisation,
            row.job_role,
            row.in_role_since,
            board.role.name,
            board.on,
            row.met,
            row.total,
            row.percent,
            row.band.label,
            "; ".join(row.missing),
        ]
        if board.shows_interest:
            values.append("yes" if row.interested else "no")
        yield values


def _export(board: ReadinessBoard, wanted: str):
    stem = f"readiness-{slugify(board.role.name) or board.role.pk}-{board.on.isoformat()}"
    header = export_header(board)
    if wanted == "xlsx":
        return xlsx_response(f"{stem}.xlsx", board.role.name, header, export_rows(board))
    return csv_response(f"{stem}.csv", header, export_rows(board))


# --- One person -----------------------------------------------------------------------------------


@login_required
@require_GET
def person(request, role_id: int, profile_id: int):
    """One person's readiness for a role: the person themself, and those with
    `view_readiness` who may see the person. People the viewer may not see at all are not
    found (404), as on the staff pages; those they see but may not assess are forbidden."""
    role = get_object_or_404(JobRole, pk=role_id)
    profile = get_object_or_404(
        StaffProfile.objects.select_related("user", "organisation", "job_role"), pk=profile_id
    )
    try:
        permissions.ensure_can_view_person_readiness(viewer=request.user, profile=profile)
    except PermissionDenied:
        if not can_view_staff(viewer=request.user, profile=profile):
            raise Http404("No such person.") from None
        raise
    today = _today(request.user)
    form = OnForm(request.GET or None)
    context = {
        "form": form,
        "role": role,
        "profile": profile,
        "today": today,
        "can_view_dashboard": permissions.can_view_readiness(user=request.user),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "certificates/readiness/person.html", context, status=400)
    on = (form.cleaned_data.get("on") if form.is_bound else None) or today
    context.update(
        on=on,
        result=person_readiness(viewer=request.user, profile=profile, role=role, on=on),
    )
    return render(request, "certificates/readiness/person.html", context)

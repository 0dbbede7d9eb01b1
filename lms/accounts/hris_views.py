"""The HR-system import page: upload a CSV of an organisation's staff, see what changed or every
problem by line. Thin: parse, check, call `lms.accounts.hris`, render."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from certificates.models import JobRole
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.spreadsheets import csv_response

from . import hris
from .forms import StaffImportForm
from .models import FundingSource, Organisation, StaffStatus
from .permissions import importable_organisations

ERRORS_SHOWN = 1_000  # a file with more problems shows the first thousand and the count


def _refuse_out_of_reach(request, organisations) -> None:
    """A posted organisation that exists but is out of the person's reach: 403, audited."""
    value = request.POST.get("organisation", "")
    if not value.isdigit() or organisations.filter(pk=value).exists():
        return
    if Organisation.objects.filter(pk=value).exists():
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            target=f"organisation:{value}",
            data={"rule": "You cannot import staff into this organisation."},
        )
        raise PermissionDenied("You cannot import staff into this organisation.")


@login_required
@permission_required("accounts.import_staff", raise_exception=True)
@require_http_methods(["GET", "POST"])
def hris_import(request):
    organisations = importable_organisations(user=request.user)
    if request.method == "POST":
        _refuse_out_of_reach(request, organisations)
        form = StaffImportForm(request.POST, request.FILES, organisations=organisations)
    else:
        form = StaffImportForm(organisations=organisations)
    context = {"form": form, "columns": list(hris.COLUMN_HELP.items())}
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            context["organisation"] = organisation
            try:
                context["summary"] = hris.staff_csv_import(
                    actor=request.user,
                    organisation=organisation,
                    data=form.cleaned_data["file"],
                    request=request,
                )
            except hris.ImportRejected as rejected:
                context["errors"] = rejected.errors[:ERRORS_SHOWN]
                context["error_count"] = len(rejected.errors)
            else:
                status = 200
                context["form"] = StaffImportForm(
                    organisations=organisations, initial={"organisation": organisation}
                )
    return render(request, "accounts/hris/import.html", context, status=status)


@login_required
@permission_required("accounts.import_staff", raise_exception=True)
@require_GET
def hris_sample(request):
    """A CSV with the header and two example hires, the second supervised by the first."""
    job_role = JobRole.objects.order_by("name").values_list("name", flat=True).first() or ""
    example = {
        "employee_id": "E-10001",
        "email": "jordan.rivera@example.org",
        "first_name": "Jordan",
        "last_name": "Rivera",
        "job_role": job_role,
        "hire_date": "2026-01-05",
        "status": StaffStatus.TRAINEE,
        "separated_on": "",
        "supervisor_employee_id": "",
        "funding_source": "",
    }
    colleague = {
        **example,
        "employee_id": "E-10002",
        "email": "sam.okafor@example.org",
        "first_name": "Sam",
        "last_name": "Okafor",
        "hire_date": "2026-01-12",
        "supervisor_employee_id": "E-10001",
        "funding_source": FundingSource.STATE_GRANT,
    }
    return csv_response(
        "relay-staff-import-sample.csv",
        hris.COLUMNS,
        [[row[name] for name in hris.COLUMNS] for row in (example, colleague)],
    )

"""A person's data export: `/account/my-data/` for oneself, `/people/<pk>/export/` for HR and
administrators within their reach. A GET explains; a POST builds the zip, writes the audit row
and downloads it. Thin: check, call `lms.accounts.privacy.export`, respond."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from . import selectors
from .models import StaffProfile
from .permissions import can_export_personal_data, can_view_staff
from .privacy import export


def _download(request, person) -> FileResponse:
    archive = export.export_zip(person)
    export.export_record(actor=request.user, person=person, request=request)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=export.export_filename(person),
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    if request.method == "POST":
        return _download(request, request.user)
    return render(
        request,
        "accounts/privacy_my_data.html",
        {"profile": getattr(request.user, "staff_profile", None)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_export(request, pk: int):
    try:
        profile = selectors.staff_detail(pk=pk)
    except StaffProfile.DoesNotExist:
        raise Http404 from None
    if profile.user_id == request.user.pk:
        return redirect("accounts:my_data")
    if not can_export_personal_data(actor=request.user, person=profile.user):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            target=f"privacy-export:{profile.user_id}",
        )
        # Like the person page: people out of sight are not confirmed to exist.
        if not can_view_staff(viewer=request.user, profile=profile):
            raise Http404
        raise PermissionDenied("You cannot export this person's data.")
    if request.method == "POST":
        return _download(request, profile.user)
    return render(request, "accounts/privacy_person_export.html", {"profile": profile})

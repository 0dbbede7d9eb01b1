"""Certificates and transcripts on paper: one credential's PDF certificate (rendered on demand,
kept until its data changes), a staff member's transcript PDF, and bulk generation of a cohort's
certificates with a progress page."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify

from certificates import permissions, selectors
from certificates.models import (
    BatchStatus,
    CertificateBatch,
    CertificateDocument,
    Credential,
    CredentialType,
)
from certificates.pdf.transcript import transcript_pdf
from certificates.services import documents
from certificates.services.exports import export_record
from lms.accounts.models import StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.storage import private_file_response

# The progress page reloads itself this often (seconds) while its batch runs.
PROGRESS_REFRESH = 3
RECENT_BATCHES = 20


def _pdf_response(data: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate(request, public_id):
    """The credential's certificate, for the holder and whoever may see the holder; 404 for
    others (the refusal logged) and for credentials without one (awaiting verification,
    rejected, revoked)."""
    try:
        credential = selectors.credential_for_page(public_id)
        permissions.ensure_can_download_certificate(user=request.user, credential=credential)
    except (Credential.DoesNotExist, PermissionDenied):
        raise Http404("No such certificate.") from None
    if not documents.certificate_available(credential):
        raise Http404("This credential has no certificate.")
    document = documents.certificate_document(credential=credential)
    name = slugify(f"{credential.title} {credential.holder.display_name}")[:80] or "certificate"
    return private_file_response(
        document.pdf, filename=f"{name}.pdf", content_type="application/pdf"
    )


def _transcript_response(request, profile: StaffProfile) -> HttpResponse:
    permissions.ensure_can_view_transcript(viewer=request.user, profile=profile)
    data = transcript_pdf(profile)
    if profile.user_id != request.user.pk:
        export_record(
            user=request.user,
            request=request,
            what="training_transcript_pdf",
            filters={"staff_profile": profile.pk},
            rows=1,
        )
    name = slugify(profile.user.display_name)[:60] or "staff"
    stamp = timezone.localdate().isoformat()
    return _pdf_response(data, filename=f"transcript-{name}-{stamp}.pdf")


@login_required
def my_transcript(request):
    profile = StaffProfile.objects.select_related("user").filter(user=request.user).first()
    if profile is None:
        raise Http404("Only staff members have a transcript.")
    return _transcript_response(request, profile)


@login_required
def transcript(request, pk: int):
    """A staff member's transcript, for them, their supervisor and HR; 404 for those who may not
    see the person at all, 403 for those who see them but not their transcript."""
    profile = get_object_or_404(StaffProfile.objects.select_related("user", "organisation"), pk=pk)
    if not can_view_staff(viewer=request.user, profile=profile):
        raise Http404("No such person.")
    return _transcript_response(request, profile)


# --- Bulk ---------------------------------------------------------------------------------------


class BatchForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, empty_label=None)
    credential_type = forms.ModelChoiceField(
        queryset=CredentialType.objects.order_by("name"), label="Credential"
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("name")


@login_required
def batches(request):
    """Start generating a cohort's certificates, and the recent batches."""
    permissions.ensure_can_view_compliance(user=request.user)
    organisations = permissions.certificate_organisations(user=request.user)
    form = BatchForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        batch = documents.certificate_batch_create(
            actor=request.user,
            credential_type=form.cleaned_data["credential_type"],
            organisation=form.cleaned_data["organisation"],
        )
        return redirect("credentials:certificate_batch", pk=batch.pk)
    recent = CertificateBatch.objects.filter(organisation__in=organisations).select_related(
        "organisation", "credential_type", "requested_by"
    )[:RECENT_BATCHES]
    return render(
        request,
        "certificates/documents/batches.html",
        {"form": form, "batches": recent},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def batch(request, pk: int):
    """A batch's progress; the page reloads itself while the batch runs (no script)."""
    found = get_object_or_404(
        CertificateBatch.objects.select_related("organisation", "credential_type", "requested_by"),
        pk=pk,
    )
    if found.requested_by_id != request.user.pk and not permissions.can_generate_certificates(
        user=request.user, organisation=found.organisation
    ):
        raise Http404("No such batch.")
    finished = found.status in (BatchStatus.DONE, BatchStatus.FAILED)
    rendered = []
    if finished:
        rendered = list(
            CertificateDocument.objects.filter(credential_id__in=found.credential_ids)
            .select_related("credential__holder")
            .only(
                "rendered_at",
                "credential__public_id",
                "credential__title",
                "credential__holder__first_name",
                "credential__holder__last_name",
                "credential__holder__email",
            )
            .order_by("credential__holder__last_name", "credential__holder__first_name")
        )
    percent = round(100 * (found.done + found.failed) / found.total) if found.total else 100
    return render(
        request,
        "certificates/documents/batch.html",
        {
            "batch": found,
            "finished": finished,
            "percent": percent,
            "refresh": PROGRESS_REFRESH,
            "rendered": rendered,
        },
    )

"""HR's verification queue and the compliance board of supervisors and HR (with its CSV)."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from certificates import permissions, selectors
from certificates.forms import ComplianceFilterForm
from certificates.models import JobRole
from certificates.services.exports import export_record
from lms.accounts.models import Organisation, StaffProfile
from lms.spreadsheets import safe_cell

QUEUE_PAGE_SIZE = 50
BOARD_LIST_LIMIT = 100  # rows shown per list; the CSV has them all


@login_required
def verification_queue(request):
    permissions.ensure_can_open_verification_queue(user=request.user)
    page = Paginator(selectors.verification_queue(user=request.user), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "certificates/queue.html", {"page": page})


@login_required
def compliance(request):
    """Counts and lists of who needs attention, filtered by organisation and job role."""
    permissions.ensure_can_view_compliance(user=request.user)
    visible = StaffProfile.objects.visible_to(request.user).current()
    form = ComplianceFilterForm(
        request.GET or None,
        organisations=Organisation.objects.filter(pk__in=visible.values("organisation")),
        job_roles=JobRole.objects.filter(pk__in=visible.values("job_role")),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    organisation, job_role = filters.get("organisation"), filters.get("job_role")
    scope = {
        "user": request.user,
        "organisation_id": organisation.pk if organisation else None,
        "job_role_id": job_role.pk if job_role else None,
    }
    if request.GET.get("format") == "csv":
        board = selectors.compliance_board(**scope)
        export_record(
            user=request.user,
            request=request,
            what="credential_compliance_csv",
            filters={
                "organisation": organisation.pk if organisation else None,
                "job_role": job_role.pk if job_role else None,
            },
            rows=len(board.rows),
        )
        return _board_csv(board)
    # The page shows every count but only the first rows of each list: it is read as counts.
    board = selectors.compliance_summary(**scope, limit=BOARD_LIST_LIMIT)
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "certificates/compliance.html",
        {
            "board": board,
            "form": form,
            "limit": BOARD_LIST_LIMIT,
            "csv_query": query.urlencode(),
        },
    )


CSV_HEADER = [
    "Name",
    "Email",
    "Employee id",
    "Organisation",
    "Job role",
    "Credential",
    "Status",
    "Expires on",
    "Days left",
    "Not qualified for role",
]


def _board_csv(board: selectors.Board) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="credential-compliance-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)

    def person(profile):
        return [
            profile.user.display_name,
            profile.user.email,
            profile.employee_id,
            profile.organisation.name,
            profile.job_role.name if profile.job_role else "",
        ]

    for row in board.rows:
        card = row.card
        lacking = board.gaps.get(row.profile.pk, [])
        writer.writerow(
            [
                safe_cell(value)
                for value in [
                    *person(row.profile),
                    card.credential.title,
                    card.label.text,
                    card.credential.expires_on.isoformat() if card.credential.expires_on else "",
                    "" if card.days_left is None else card.days_left,
                    "yes" if lacking else "no",
                ]
            ]
        )
    for row in board.bucket("not_qualified").rows:
        for gap in row.gaps:
            if gap.credential is not None and selectors.is_current(gap.credential):
                continue  # already listed above with its status
            writer.writerow(
                [
                    safe_cell(value)
                    for value in [*person(row.profile), gap.name, gap.reason, "", "", "yes"]
                ]
            )
    return response

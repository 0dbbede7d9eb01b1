"""A trainee's record as FTOs, supervisors and the trainee read it: the record, the trends,
the reports and the PDFs, and the trainee's acknowledgement of a report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from courses import permissions
from courses.field import selectors
from courses.field.charts import trend_svg
from courses.field.forms import CommentForm
from courses.field.pdf import report_pdf, task_book_pdf
from courses.field.views.access import _report, _training
from courses.models import SignoffKind
from courses.services import field as services


@login_required
def record(request, pk: int):
    training = _training(request, pk)
    record = selectors.field_record(training=training)
    user = request.user
    context = {
        "record": record,
        "training": training,
        "can_sign": permissions.can_sign_for_trainee(officer=user, training=training),
        "can_approve": permissions.can_approve_phase(supervisor=user, training=training),
        "is_trainee": user.pk == training.trainee_id,
    }
    return render(request, "courses/field/record.html", context)


@login_required
def trends(request, pk: int):
    training = _training(request, pk)
    data = selectors.trends(training=training)
    return render(
        request,
        "courses/field/trends.html",
        {"trends": data, "training": training, "svg": trend_svg(data)},
    )


@login_required
def task_book_download(request, pk: int):
    training = _training(request, pk)
    pdf = task_book_pdf(training)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="task-book-{training.pk}.pdf"'
    return response


@login_required
def report_detail(request, pk: int):
    report = _report(request, pk)
    training = _training(request, report.training_id)
    record = selectors.field_record(training=training)
    ack_form = None
    if request.user.pk == report.trainee_id and report.pk not in record.acknowledged:
        ack_form = CommentForm()
    context = {
        "report": report,
        "training": training,
        "ratings": list(report.ratings.all()),
        "signature": record.signatures.get((SignoffKind.REPORT, report.pk)),
        "acknowledgement": record.signatures.get((SignoffKind.REPORT_ACKNOWLEDGEMENT, report.pk)),
        "ack_form": ack_form,
        "can_correct": permissions.can_sign_for_trainee(officer=request.user, training=training)
        and not hasattr(report, "superseded_by"),
        "spec": record.spec,
        "call_types": list(report.ride_along.call_types.all()),
    }
    return render(request, "courses/field/report.html", context)


@login_required
@require_POST
def report_acknowledge(request, pk: int):
    report = _report(request, pk)
    permissions.ensure_can_acknowledge_report(user=request.user, report=report)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.report_acknowledge(
                trainee=request.user,
                report=report,
                comment=form.cleaned_data["comment"],
                request_key=form.cleaned_data["request_key"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"You acknowledged DOR {report.number}.")
    else:
        messages.error(request, "Your comment could not be saved: keep it under 3,000 characters.")
    return redirect("field:report", pk=report.pk)


@login_required
def report_download(request, pk: int):
    report = _report(request, pk)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="dor-{report.training_id}-{report.number}.pdf"'
    )
    return response

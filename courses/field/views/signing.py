"""What FTOs and supervisors sign: shifts, Daily Observation Reports, task sign-offs and their
corrections, phase recommendations, approvals and extensions, and the release (with
re-authentication)."""

import datetime
import uuid

from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from courses import permissions
from courses.field import selectors
from courses.field.forms import (
    CommentForm,
    ExtensionForm,
    ReleaseForm,
    ReportForm,
    RideAlongForm,
    TaskObservationForm,
    report_initial,
)
from courses.field.views.access import _report, _signer, _training
from courses.models import FieldTraining, ObservationReport, RideAlong, SignoffKind, TaskObservation
from courses.services import field as services
from lms.accounts.reauth import recent_reauthentication


def _today(training: FieldTraining) -> datetime.date:
    return training.organisation.today()


@login_required
def shift_new(request, pk: int):
    training = _training(request, pk)
    _signer(request, training)
    zone = training.organisation.zone
    form = RideAlongForm(
        request.POST or None,
        zone=zone,
        initial={"shift_date": _today(training)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            ride = services.ride_along_log(
                fto=request.user,
                training=training,
                started_at=form.cleaned_data["started_at"],
                ended_at=form.cleaned_data["ended_at"],
                unit=form.cleaned_data["unit"],
                call_types=form.cleaned_data["call_types"],
                notes=form.cleaned_data["notes"],
                request_key=form.cleaned_data["request_key"],
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"Shift of {ride.hours} hours logged.")
            if request.POST.get("then") == "report":
                return redirect(
                    f"{reverse('field:report_new', args=[training.pk])}?shift={ride.pk}"
                )
            return redirect("field:record", pk=training.pk)
    return render(
        request,
        "courses/field/shift_form.html",
        {"form": form, "training": training},
        status=400 if request.method == "POST" else 200,
    )


def _unreported_shifts(training: FieldTraining):
    return RideAlong.objects.filter(training=training, reports__isnull=True).order_by("-started_at")


@login_required
def report_new(request, pk: int):
    training = _training(request, pk)
    _signer(request, training)
    return _report_form(request, training)


def _already_submitted(request, model):
    """The record a resubmitted form (same request key) already created, if any."""
    try:
        key = uuid.UUID(request.POST.get("request_key", ""))
    except ValueError:
        return None
    return model.objects.filter(request_key=key).first()


def _report_form(request, training: FieldTraining, *, supersedes: ObservationReport | None = None):
    if request.method == "POST":
        done = _already_submitted(request, ObservationReport)
        if done is not None and done.training_id == training.pk:
            return redirect("field:report", pk=done.pk)
    spec = services.spec_of(training)
    if supersedes is not None:
        shifts = RideAlong.objects.filter(pk=supersedes.ride_along_id)
        initial = report_initial(supersedes)
    else:
        shifts = _unreported_shifts(training)
        initial = {}
        shift = request.GET.get("shift")
        if shift and shift.isdigit():
            initial["ride_along"] = int(shift)
        elif shifts:
            initial["ride_along"] = shifts[0].pk
    form = ReportForm(
        request.POST or None,
        spec=spec,
        shifts=shifts,
        zone=training.organisation.zone,
        correcting=supersedes is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_submit(
                fto=request.user,
                training=training,
                ride_along=form.cleaned_data["ride_along"],
                ratings=form.ratings(),
                most_satisfactory=form.cleaned_data["most_satisfactory"],
                least_satisfactory=form.cleaned_data["least_satisfactory"],
                comments=form.cleaned_data["comments"],
                supersedes=supersedes,
                correction_reason=form.cleaned_data.get("correction_reason", ""),
                request_key=form.cleaned_data["request_key"],
                request=request,
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"DOR {report.number} signed. The trainee can now read it.")
            return redirect("field:report", pk=report.pk)
    context = {
        "form": form,
        "training": training,
        "spec": spec,
        "supersedes": supersedes,
        "no_shifts": supersedes is None and not shifts,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/field/report_form.html", context, status=status)


@login_required
def report_correct(request, pk: int):
    report = _report(request, pk)
    training = _training(request, report.training_id)
    _signer(request, training)
    if hasattr(report, "superseded_by"):
        raise Http404("This report has already been corrected.")
    return _report_form(request, training, supersedes=report)


@login_required
def task_sign(request, pk: int, task_id: str):
    training = _training(request, pk)
    _signer(request, training)
    spec = services.spec_of(training)
    task = spec.task(task_id)
    if task is None:
        raise Http404("That task is not in this trainee's task book.")
    return _task_form(request, training, task)


def _task_form(request, training, task, *, supersedes: TaskObservation | None = None):
    shifts = RideAlong.objects.filter(training=training).order_by("-started_at")[:20]
    initial = {"observed_on": _today(training), "satisfactory": "yes"}
    if supersedes is not None:
        initial = {
            "observed_on": supersedes.observed_on,
            "satisfactory": "yes" if supersedes.satisfactory else "no",
            "context": supersedes.context,
            "ride_along": supersedes.ride_along_id,
            "notes": supersedes.notes,
        }
    else:
        latest = next(iter(shifts), None)
        if latest is not None and latest.shift_date == _today(training):
            initial["ride_along"] = latest.pk
    form = TaskObservationForm(
        request.POST or None,
        shifts=RideAlong.objects.filter(training=training).order_by("-started_at"),
        correcting=supersedes is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_observation_sign(
                fto=request.user,
                training=training,
                task_id=task.id,
                observed_on=form.cleaned_data["observed_on"],
                context=form.cleaned_data["context"],
                satisfactory=form.cleaned_data["satisfactory"],
                ride_along=form.cleaned_data["ride_along"],
                notes=form.cleaned_data["notes"],
                supersedes=supersedes,
                correction_reason=form.cleaned_data.get("correction_reason", ""),
                request_key=form.cleaned_data["request_key"],
                request=request,
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"{task.number} signed off.")
            return redirect(f"{reverse('field:record', args=[training.pk])}#task-{task.id}")
    history = TaskObservation.objects.filter(training=training, task_id=task.id).select_related(
        "fto"
    )
    context = {
        "form": form,
        "training": training,
        "task": task,
        "history": history,
        "supersedes": supersedes,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/field/task_form.html", context, status=status)


@login_required
def observation_correct(request, pk: int):
    observation = get_object_or_404(TaskObservation, pk=pk)
    training = _training(request, observation.training_id)
    _signer(request, training)
    task = services.spec_of(training).task(observation.task_id)
    if task is None or hasattr(observation, "superseded_by"):
        raise Http404("This sign-off cannot be corrected.")
    return _task_form(request, training, task, supersedes=observation)


@login_required
def phase_recommend(request, pk: int):
    training = _training(request, pk)
    _signer(request, training)
    return _decision(
        request,
        training,
        action=lambda form: services.phase_recommend(
            fto=request.user,
            training=training,
            comment=form.cleaned_data["comment"],
            request_key=form.cleaned_data["request_key"],
            request=request,
        ),
        kind=SignoffKind.PHASE_RECOMMENDATION,
        done="Phase recommended. Your supervisor has been asked to approve it.",
    )


@login_required
def phase_approve(request, pk: int):
    training = _training(request, pk)
    permissions.ensure_can_approve_phase(supervisor=request.user, training=training)
    return _decision(
        request,
        training,
        action=lambda form: services.phase_approve(
            supervisor=request.user,
            training=training,
            comment=form.cleaned_data["comment"],
            request_key=form.cleaned_data["request_key"],
            request=request,
        ),
        kind=SignoffKind.PHASE_APPROVAL,
        done="Phase approved.",
    )


def _decision(request, training, *, action, kind, done):
    record = selectors.field_record(training=training)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(form)
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, done)
            return redirect("field:record", pk=training.pk)
    from courses.services.signoff import STATEMENTS

    context = {
        "form": form,
        "training": training,
        "record": record,
        "phase": record.current,
        "kind": kind,
        "statement": STATEMENTS[kind][1],
    }
    return render(
        request,
        "courses/field/decision_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def phase_extend(request, pk: int):
    training = _training(request, pk)
    permissions.ensure_can_approve_phase(supervisor=request.user, training=training)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = services.phase_extend(
                supervisor=request.user,
                training=training,
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"],
                request_key=form.cleaned_data["request_key"],
                request=request,
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"Phase extended by {extension.days} days.")
            return redirect("field:record", pk=training.pk)
    record = selectors.field_record(training=training)
    return render(
        request,
        "courses/field/extension_form.html",
        {"form": form, "training": training, "phase": record.current},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def release(request, pk: int):
    """The final release needs a re-authentication at the moment of signing: without one in
    the last few minutes, allauth asks for the password (or code) and then replays the POST."""
    training = _training(request, pk)
    permissions.ensure_can_approve_phase(supervisor=request.user, training=training)
    record = selectors.field_record(training=training)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reauthenticated_at = recent_reauthentication(request)
        if reauthenticated_at is None:
            raise ReauthenticationRequired()
        try:
            services.training_release(
                supervisor=request.user,
                training=training,
                reauthenticated_at=reauthenticated_at,
                comment=form.cleaned_data["comment"],
                request_key=form.cleaned_data["request_key"],
                request=request,
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"{training.trainee.display_name} is released to solo duty.")
            return redirect("field:record", pk=training.pk)
    from courses.services.signoff import STATEMENTS

    return render(
        request,
        "courses/field/release_form.html",
        {
            "form": form,
            "training": training,
            "record": record,
            "statement": STATEMENTS[SignoffKind.RELEASE][1],
        },
        status=400 if request.method == "POST" else 200,
    )

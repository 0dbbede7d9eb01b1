"""The coach's pages: the review queue, one attempt's review, and live role-plays.
Thin: parse, check, call a service or a selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from . import coaching
from .forms import CoachingReviewForm, RoleplayForm
from .models import ScenarioPage
from .permissions import can_coach, can_use_coaching


def _ensure_coach(request) -> None:
    if not can_use_coaching(user=request.user):
        raise PermissionDenied


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def queue(request):
    _ensure_coach(request)
    attempts = coaching.coach_queue(coach=request.user)
    return render(request, "scenarios/coaching/queue.html", {"attempts": attempts})


@login_required
def review(request, pk: int):
    _ensure_coach(request)
    attempt = coaching.attempt_for_coach(coach=request.user, pk=pk)
    if attempt is None:
        raise Http404
    existing = getattr(attempt, "coaching_review", None)
    form = CoachingReviewForm(request.POST or None) if existing is None else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            coaching.coaching_review_record(
                coach=request.user,
                attempt=attempt,
                feedback=form.cleaned_data["feedback"],
                verdict=form.cleaned_data["verdict"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Review saved; {attempt.user.display_name} is notified.")
            return redirect("coaching:queue")
    return render(
        request,
        "scenarios/coaching/review.html",
        {
            "attempt": attempt,
            "path": coaching.attempt_path(attempt=attempt),
            "review": existing,
            "form": form,
        },
    )


@login_required
def roleplay_list(request):
    _ensure_coach(request)
    return render(
        request,
        "scenarios/coaching/roleplay_list.html",
        {"assessments": coaching.roleplays_for_coach(coach=request.user)},
    )


def _int_param(request, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


@login_required
def roleplay_new(request):
    """`?trainee=<staff profile id>&scenario=<scenario page id>`."""
    _ensure_coach(request)
    profile = (
        coaching.trainees_of(coach=request.user)
        .select_related("user")
        .filter(pk=_int_param(request, "trainee"))
        .first()
    )
    scenario = ScenarioPage.objects.live().filter(pk=_int_param(request, "scenario")).first()
    if profile is None or scenario is None:
        raise Http404
    if not can_coach(coach=request.user, trainee=profile.user):
        raise Http404
    rubric = coaching.requirement_for(scenario).rubric
    if rubric is None:
        raise Http404("This scenario has no role-play rubric.")
    form = RoleplayForm(request.POST or None, rubric=rubric)
    if request.method == "POST" and form.is_valid():
        try:
            coaching.roleplay_assessment_record(
                assessor=request.user,
                trainee=profile.user,
                scenario=scenario,
                ratings=form.ratings(),
                notes=form.cleaned_data["notes"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Role-play recorded for {profile.user.display_name}.")
            return redirect("coaching:roleplay_list")
    return render(
        request,
        "scenarios/coaching/roleplay_form.html",
        {"form": form, "profile": profile, "scenario": scenario, "rubric": rubric},
    )

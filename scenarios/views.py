"""The scenario player and debrief. The attempt's state lives on the server."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from courses.permissions import can_take_module

from . import selectors, services
from .coaching import review_for_attempt
from .models import AttemptStatus, ScenarioAttempt, ScenarioPage


def _scenario_for_learner(request, pk: int) -> ScenarioPage:
    scenario = ScenarioPage.objects.live().filter(pk=pk).first()
    if scenario is None:
        raise Http404
    if not can_take_module(user=request.user, module=scenario.get_parent().specific):
        raise PermissionDenied
    return scenario


@login_required
def play(request, pk: int):
    scenario = _scenario_for_learner(request, pk)
    state = selectors.play_state(user=request.user, scenario=scenario)
    finished = ScenarioAttempt.objects.filter(
        user=request.user, scenario=scenario, status=AttemptStatus.FINISHED
    ).order_by("-number")
    return render(
        request,
        "scenarios/play.html",
        {"scenario": scenario, "state": state, "finished": finished},
    )


@login_required
@require_POST
def start(request, pk: int):
    scenario = _scenario_for_learner(request, pk)
    try:
        services.attempt_start_or_resume(user=request.user, scenario=scenario)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("scenarios:play", pk=scenario.pk)


def _own_attempt(request, pk: int) -> ScenarioAttempt:
    attempt = get_object_or_404(
        ScenarioAttempt.objects.select_related("scenario", "revision"), pk=pk
    )
    if attempt.user_id != request.user.pk:
        raise Http404
    return attempt


@login_required
@require_POST
def choose(request, pk: int):
    attempt = _own_attempt(request, pk)
    try:
        attempt = services.attempt_choose(
            user=request.user,
            attempt=attempt,
            step_id=request.POST.get("step", ""),
            choice_id=request.POST.get("choice", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("scenarios:play", pk=attempt.scenario_id)
    if attempt.status == AttemptStatus.FINISHED:
        return redirect("scenarios:debrief", pk=attempt.pk)
    return redirect("scenarios:play", pk=attempt.scenario_id)


@login_required
def debrief(request, pk: int):
    attempt = _own_attempt(request, pk)
    if attempt.status != AttemptStatus.FINISHED:
        messages.info(request, "Finish the scenario to see its debrief.")
        return redirect("scenarios:play", pk=attempt.scenario_id)
    error = ""
    if request.method == "POST":
        try:
            attempt = services.attempt_reflect(
                user=request.user, attempt=attempt, html=request.POST.get("reflection", "")
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, "Your reflection is saved.")
            return redirect("scenarios:debrief", pk=attempt.pk)
    return render(
        request,
        "scenarios/debrief.html",
        {
            "d": selectors.debrief(attempt=attempt),
            "review": review_for_attempt(attempt=attempt),
            "error": error,
            "typed": request.POST.get("reflection", attempt.reflection),
        },
        status=400 if error else 200,
    )

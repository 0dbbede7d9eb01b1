"""My career, the role catalogue, one role with its pathway map, and the interest flag. Every
signed-in person sees these for themself (HR and supervisors too); nobody else's interest is
ever shown here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST

from certificates.forms import StatusOnForm
from certificates.models import JobRole
from certificates.pathway_map import pathway_map_svg
from certificates.selectors import careers as selectors
from certificates.services.careers import career_interest_set
from lms.navigation import local_target

INTEREST_VALUES = {"1": True, "0": False}
BACK_TO = {"careers:mine", "careers:role"}  # where the interest form may send the person back


def _on(request, today):
    """`?on=YYYY-MM-DD` (readiness on another day, between 1900 and 2199); a bad date falls
    back to today."""
    form = StatusOnForm(request.GET or None)
    if form.is_bound:
        if form.is_valid():
            return form, form.cleaned_data["on"] or today
        messages.error(
            request,
            "Give the date as YYYY-MM-DD, between 1900 and 2199; readiness below is for today.",
        )
    return StatusOnForm(initial={"on": today}), today


@login_required
def my_career(request):
    profile = selectors.profile_for(request.user)
    form, on = _on(request, selectors.today_for(profile))
    career = selectors.my_career(user=request.user, on=on, profile=profile)
    return render(request, "certificates/careers/mine.html", {"career": career, "form": form})


@login_required
def roles(request):
    return render(
        request,
        "certificates/careers/roles.html",
        {
            "rows": selectors.roles_catalogue(),
            "profile": selectors.profile_for(request.user),
            "interested": {i.role_id for i in selectors.interests_of(request.user)},
        },
    )


def _render_role(request, role: JobRole, *, status: int = 200):
    profile = selectors.profile_for(request.user)
    form, on = _on(request, selectors.today_for(profile))
    detail = selectors.role_detail(role)
    mine = selectors.my_fit(user=request.user, role=role, on=on, profile=profile)
    return render(
        request,
        "certificates/careers/role.html",
        {
            "detail": detail,
            "role": role,
            "map": pathway_map_svg(role, detail.edges_in, detail.edges_out)
            if detail.pathways_in or detail.pathways_out
            else "",
            "mine": mine,
            "form": form,
        },
        status=status,
    )


@login_required
def role(request, role_id: int):
    return _render_role(request, get_object_or_404(JobRole, pk=role_id))


def _back(request, role: JobRole) -> str:
    """Where the form came from: My career or a role page (never another site, nor the
    interest URL itself, which a page re-rendered after a refused form carries)."""
    target = local_target(request, request.POST.get("next"), "")
    if target.startswith("/careers/"):
        try:
            view_name = resolve(target.split("?", 1)[0]).view_name
        except Resolver404:
            view_name = ""
        if view_name in BACK_TO:
            return target
    return reverse("careers:role", kwargs={"role_id": role.pk})


@login_required
@require_POST
def interest(request, role_id: int):
    """`interested=1` says the role interests the person; `interested=0` withdraws it."""
    role = get_object_or_404(JobRole, pk=role_id)
    value = request.POST.get("interested")
    if value not in INTEREST_VALUES:
        messages.error(request, "Choose whether the role interests you (interested = 1 or 0).")
        return _render_role(request, role, status=400)
    interested = INTEREST_VALUES[value]
    try:
        career_interest_set(user=request.user, role=role, interested=interested)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_back(request, role))
    if interested:
        messages.success(
            request, f"You said {role.name} interests you. HR can see this; your supervisor cannot."
        )
    else:
        messages.success(request, f"You no longer show interest in {role.name}.")
    return redirect(_back(request, role))

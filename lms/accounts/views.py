"""People, invitations and the role-aware home. Thin: parse, check, call, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from . import selectors, services
from .forms import AcceptInvitationForm, InvitationForm, JobRoleForm, RolesForm, StaffFilterForm
from .models import Organisation, StaffProfile
from .permissions import can_export_personal_data, can_manage_roles, can_view_staff
from .qualification import qualification_gaps
from .roles import ROLE_DEFINITIONS, Role, roles_of

STAFF_PAGE_SIZE = 50

INVITATION_PROBLEMS = {
    "unknown": (
        "This invitation link is not valid",
        "The link may be incomplete. Copy the whole link from the email, or ask the person "
        "who invited you for a new invitation.",
    ),
    "expired": (
        "This invitation has expired",
        "Invitations are valid for a limited time. Ask the person who invited you to send a "
        "new one.",
    ),
    "accepted": (
        "This invitation has already been used",
        "Your account exists. Sign in with your email address and password; if you have "
        "forgotten the password, reset it from the sign-in page.",
    ),
    "revoked": (
        "This invitation was withdrawn",
        "Ask the person who invited you if you believe this is a mistake.",
    ),
    "account_exists": (
        "An account already exists for this email address",
        "Sign in with your email address and password, or reset the password from the sign-in "
        "page.",
    ),
}


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect(request.POST.get("next") or "home")


@login_required
def staff_list(request):
    user = request.user
    if not (
        user.has_perm("accounts.view_organisation_staff")
        or user.has_perm("accounts.view_city_staff")
        or Role.FTO in roles_of(user)
    ):
        raise PermissionDenied
    organisations = Organisation.objects.filter(
        pk__in=StaffProfile.objects.visible_to(user).values("organisation")
    )
    form = StaffFilterForm(request.GET or None, organisations=organisations)
    filters = form.cleaned_data if form.is_valid() else {}
    org = filters.get("organisation")
    people = selectors.staff_list_for(
        user=user,
        organisation_id=org.pk if org else None,
        status=filters.get("status", ""),
        q=filters.get("q", ""),
    )
    page = Paginator(people, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/staff_list.html",
        {"form": form, "page": page, "people": page.object_list, "query": query.urlencode()},
    )


def _visible_profile_or_404(request, pk: int) -> StaffProfile:
    try:
        profile = selectors.staff_detail(pk=pk)
    except StaffProfile.DoesNotExist:
        raise Http404 from None
    if not can_view_staff(viewer=request.user, profile=profile):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=request.user,
            request=request,
            target=f"staff:{pk}",
        )
        # Not found rather than forbidden: other organisations' people are not confirmed.
        raise Http404
    return profile


@login_required
def staff_detail(request, pk: int):
    profile = _visible_profile_or_404(request, pk)
    roles = roles_of(profile.user)
    context = {
        "profile": profile,
        "roles": [ROLE_DEFINITIONS[r] for r in roles],
        "can_manage_roles": can_manage_roles(actor=request.user, target=profile.user),
        "can_export_data": can_export_personal_data(actor=request.user, person=profile.user),
        "roles_form": RolesForm(initial={"roles": [r.value for r in roles]}),
        "job_role_form": JobRoleForm(
            initial={"job_role": profile.job_role_id, "funding_source": profile.funding_source}
        ),
    }
    # Supervisors and HR see whether the person is qualified for their role today.
    if request.user.has_perm("certificates.view_compliance") and request.user.pk != profile.user_id:
        context["qualification_gaps"] = qualification_gaps(profile, profile.organisation.today())
        context["shows_qualification"] = True
    return render(request, "accounts/staff_detail.html", context)


@login_required
@require_POST
def staff_roles(request, pk: int):
    profile = _visible_profile_or_404(request, pk)
    if not can_manage_roles(actor=request.user, target=profile.user):
        raise PermissionDenied
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose roles from the list.")
        return redirect("accounts:staff_detail", pk=pk)
    services.roles_set(
        actor=request.user,
        user=profile.user,
        roles={Role(value) for value in form.cleaned_data["roles"]},
        request=request,
    )
    messages.success(request, f"Roles of {profile.user.display_name} updated.")
    return redirect("accounts:staff_detail", pk=pk)


@login_required
@require_POST
def staff_job_role(request, pk: int):
    """Move a person into another job role (the curriculum then assigns what it needs)."""
    profile = _visible_profile_or_404(request, pk)
    if not can_manage_roles(actor=request.user, target=profile.user):
        raise PermissionDenied
    form = JobRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a job role and the date it takes effect.")
        return redirect("accounts:staff_detail", pk=pk)
    services.staff_change_job_role(
        actor=request.user,
        profile=profile,
        job_role=form.cleaned_data["job_role"],
        on=form.cleaned_data["effective_on"],
        funding_source=form.cleaned_data["funding_source"],
        request=request,
    )
    messages.success(
        request, f"{profile.user.display_name} is now {form.cleaned_data['job_role'].name}."
    )
    return redirect("accounts:staff_detail", pk=pk)


@login_required
@permission_required("accounts.invite_staff", raise_exception=True)
def invitation_list(request):
    form = InvitationForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.invitation_create(inviter=request.user, request=request, **data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        except PermissionDenied as error:
            form.add_error("role", str(error))
        else:
            messages.success(
                request,
                f"Invitation sent to {issued.invitation.email}. It expires on "
                f"{issued.invitation.expires_at:%d %B %Y}.",
            )
            return redirect("accounts:invitation_list")
    invitations = selectors.invitations_visible_to(user=request.user)[:100]
    return render(
        request, "accounts/invitation_list.html", {"form": form, "invitations": invitations}
    )


@login_required
@permission_required("accounts.invite_staff", raise_exception=True)
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(selectors.invitations_visible_to(user=request.user), pk=pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation, request=request)
    except ValidationError:
        messages.error(request, "This invitation is already closed.")
    else:
        messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("accounts:invitation_list")


def invitation_accept(request, token: str):
    if request.user.is_authenticated:
        messages.info(request, "Sign out first to accept an invitation for another person.")
        return redirect("home")
    try:
        invitation = services.invitation_for_token(token=token)
    except services.InvitationUnusable as problem:
        return _invitation_problem(request, problem.reason)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except services.InvitationUnusable as problem:
            return _invitation_problem(request, problem.reason)
        messages.success(request, "Your account is ready. Sign in to start.")
        return redirect(reverse("account_login"))
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _invitation_problem(request, reason: str):
    title, advice = INVITATION_PROBLEMS[reason]
    status = 404 if reason == "unknown" else 410
    return render(
        request,
        "accounts/invitation_problem.html",
        {"title": title, "advice": advice},
        status=status,
    )

"""Field training homes: the FTO's home, the supervisor's queue, a trainee's entry point,
starting someone's field training, and verifying the sign-off chain."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from courses import permissions
from courses.field import selectors
from courses.field.forms import StartForm
from courses.models import TaskBookPage
from courses.services import field as services
from courses.services.signoff import signoff_chain_report
from lms.accounts.models import StaffProfile, User


@login_required
def fto_home(request):
    """The FTO's phone-first home: trainees, reports to write, tasks waiting, flags."""
    permissions.ensure_field_capability(
        user=request.user,
        permission="accounts.sign_off_trainees",
        rule="Only field training officers have trainees.",
    )
    profile = StaffProfile.objects.filter(user=request.user).select_related("organisation").first()
    on = profile.organisation.today() if profile else timezone.localdate()
    home = selectors.fto_home(user=request.user, on=on)
    return render(request, "courses/field/fto_home.html", {"home": home, "on": on})


@login_required
def supervise(request):
    """Supervisor's queue: phases waiting for approval, trainees ready for release, everyone
    in field training in the organisation, and people who could start."""
    permissions.ensure_field_capability(
        user=request.user,
        permission="courses.approve_field_phases",
        rule="Only supervisors approve field training.",
    )
    profile = StaffProfile.objects.filter(user=request.user).select_related("organisation").first()
    if profile is None:
        raise PermissionDenied
    on = profile.organisation.today()
    cards = selectors.supervisor_queue(user=request.user, on=on)
    roles = set(
        TaskBookPage.objects.live().values_list("job_roles", flat=True).exclude(job_roles=None)
    )
    context = {
        "cards": cards,
        "waiting": [c for c in cards if c.awaiting_approval or c.ready_for_release],
        "candidates": selectors.people_without_field_training(
            user=request.user, task_book_roles=roles
        ),
        "on": on,
    }
    return render(request, "courses/field/supervise.html", context)


@login_required
def my_field_training(request):
    """A trainee's own entry point: straight to their record, or a friendly empty page."""
    trainings = selectors.my_field_trainings(user=request.user)
    if len(trainings) == 1:
        return redirect("field:record", pk=trainings[0].pk)
    return render(request, "courses/field/mine.html", {"trainings": trainings})


@login_required
def start(request, profile_pk: int):
    profile = get_object_or_404(
        StaffProfile.objects.select_related("organisation", "user", "job_role"), pk=profile_pk
    )
    permissions.ensure_can_start_field_training(actor=request.user, profile=profile)
    books = TaskBookPage.objects.live().order_by("title")
    if profile.job_role_id and books.filter(job_roles=profile.job_role_id).exists():
        books = books.filter(job_roles=profile.job_role_id)
    ftos = (
        User.objects.filter(
            staff_profile__organisation=profile.organisation,
            is_active=True,
        )
        .filter(
            Q(groups__permissions__codename="sign_off_trainees")
            | Q(user_permissions__codename="sign_off_trainees")
        )
        .exclude(pk=profile.user_id)
        .distinct()
        .order_by("last_name", "first_name")
    )
    form = StartForm(
        request.POST or None,
        task_books=books,
        ftos=ftos,
        initial={"started_on": profile.organisation.today(), "task_book": books.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            training = services.field_training_start(
                actor=request.user,
                profile=profile,
                task_book=form.cleaned_data["task_book"],
                primary_fto=form.cleaned_data["primary_fto"],
                secondary_fto=form.cleaned_data["secondary_fto"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as error:
            form.apply(error)
        else:
            messages.success(request, f"{profile.user.display_name} has started field training.")
            return redirect("field:record", pk=training.pk)
    return render(
        request,
        "courses/field/start_form.html",
        {"form": form, "profile": profile},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def verify_chain(request):
    """Administrators run the same check as `manage.py verify_signoffs`."""
    permissions.ensure_can_verify_signoffs(user=request.user)
    report = signoff_chain_report() if request.method == "POST" else None
    return render(request, "courses/field/verify.html", {"report": report})

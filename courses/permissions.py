"""Who may take, assign, watch and reset training. Views call these; services call them again."""

from django.core.exceptions import PermissionDenied

from lms.accounts.models import StaffProfile

from .models import Assignment, ModulePage, ModuleProgress


def is_my_person(*, actor, profile: StaffProfile) -> bool:
    """A person is "mine" if I supervise them, if they are in my organisation and I hold
    `view_organisation_staff`, or if I may see everyone. Nobody is their own manager."""
    if profile.user_id == actor.pk:
        return False
    if actor.has_perm("accounts.view_all_staff"):
        return True
    if profile.supervisor_id == actor.pk:
        return True
    own = getattr(actor, "staff_profile", None)
    return (
        own is not None
        and actor.has_perm("accounts.view_organisation_staff")
        and own.organisation_id == profile.organisation_id
    )


def can_assign(*, actor, profile: StaffProfile) -> bool:
    """Assigning and unassigning needs `assign_programs` and the person to be mine."""
    return actor.has_perm("courses.assign_programs") and is_my_person(actor=actor, profile=profile)


def ensure_can_assign(*, actor, profile: StaffProfile) -> None:
    if not can_assign(actor=actor, profile=profile):
        raise PermissionDenied("You cannot assign training to this person.")


def can_reset(*, actor, progress: ModuleProgress) -> bool:
    """Resetting a failed module needs `reset_progress` and the learner to be mine."""
    profile = getattr(progress.user, "staff_profile", None)
    return (
        profile is not None
        and actor.has_perm("courses.reset_progress")
        and is_my_person(actor=actor, profile=profile)
    )


def ensure_can_reset(*, actor, progress: ModuleProgress) -> None:
    if not can_reset(actor=actor, progress=progress):
        raise PermissionDenied("You cannot reset this person's progress.")


def can_take_module(*, user, module: ModulePage) -> bool:
    """A learner takes a live module of a program they are assigned (and not unassigned),
    once every live prerequisite of it is completed."""
    if not user.is_authenticated or not module.live:
        return False
    if not Assignment.objects.open().filter(user=user, program_id=module.get_parent().pk).exists():
        return False
    completed = ModuleProgress.objects.filter(user=user, status="completed").values("module_id")
    return not module.prerequisites.live().exclude(pk__in=completed).exists()


def ensure_can_take_module(*, user, module: ModulePage) -> None:
    if not can_take_module(user=user, module=module):
        raise PermissionDenied("This module is not part of your assigned training.")


def can_view_team_progress(*, user) -> bool:
    return user.has_perm("courses.view_team_progress")

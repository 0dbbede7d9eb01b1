"""Who may take, assign, watch and reset training. Views call these; services call them again."""

from django.core.exceptions import PermissionDenied

from courses.field.qualification import fto_qualification
from lms.accounts.models import StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import Assignment, FieldTraining, FieldTrainingStatus, ModulePage, ModuleProgress


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


# --- Field training --------------------------------------------------------------------------


def _denied(*, actor, rule: str, target: str, organisation=None) -> PermissionDenied:
    """Every refused field-training action is written to the audit log, then raised."""
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=actor,
        organisation=organisation,
        target=target,
        data={"rule": rule},
    )
    return PermissionDenied(rule)


def _own_organisation_id(user) -> int | None:
    profile = getattr(user, "staff_profile", None)
    return profile.organisation_id if profile else None


def ensure_field_capability(*, user, permission: str, rule: str) -> None:
    """The field-training pages that need a capability refuse (and log) those without it."""
    if not user.has_perm(permission):
        raise _denied(actor=user, rule=rule, target=permission)


def can_be_fto_of(*, fto, profile: StaffProfile) -> bool:
    """An FTO for a trainee holds `sign_off_trainees`, works in the trainee's organisation, is
    not the trainee, and is qualified today (`fto_qualification`: a valid qualifying credential
    where such credentials are defined)."""
    return (
        fto.pk != profile.user_id
        and fto.is_active
        and fto.has_perm("accounts.sign_off_trainees")
        and _own_organisation_id(fto) == profile.organisation_id
        and fto_qualification(fto) is not None
    )


def can_start_field_training(*, actor, profile: StaffProfile) -> bool:
    """Starting someone's field training needs `approve_field_phases` and the person to be
    mine (`is_my_person`), in my own organisation."""
    return (
        actor.has_perm("courses.approve_field_phases")
        and is_my_person(actor=actor, profile=profile)
        and _own_organisation_id(actor) == profile.organisation_id
    )


def ensure_can_start_field_training(*, actor, profile: StaffProfile) -> None:
    if not can_start_field_training(actor=actor, profile=profile):
        raise _denied(
            actor=actor,
            rule="You cannot start field training for this person.",
            target=f"staff:{profile.pk}",
            organisation=profile.organisation,
        )


def can_sign_for_trainee(*, officer, training: FieldTraining) -> bool:
    """An FTO signs a trainee's shifts, tasks, reports and phase recommendations only when
    they hold `sign_off_trainees`, are that trainee's primary or secondary FTO, are not the
    trainee, the training is still under way, and they are qualified today."""
    return (
        officer.is_authenticated
        and officer.pk != training.trainee_id
        and officer.has_perm("accounts.sign_off_trainees")
        and training.is_fto(officer)
        and training.status == FieldTrainingStatus.ACTIVE
        and fto_qualification(officer) is not None
    )


def ensure_can_sign_for_trainee(*, officer, training: FieldTraining) -> None:
    if not can_sign_for_trainee(officer=officer, training=training):
        if training.is_fto(officer) and fto_qualification(officer) is None:
            raise _denied(
                actor=officer,
                rule="Your qualifying credential has lapsed: renew it before you sign again.",
                target=f"field_training:{training.pk}",
                organisation=training.organisation,
            )
        raise _denied(
            actor=officer,
            rule="Only the trainee's assigned field training officer can sign this.",
            target=f"field_training:{training.pk}",
            organisation=training.organisation,
        )


def can_approve_phase(*, supervisor, training: FieldTraining) -> bool:
    """A supervisor approves phases, extends them and releases trainees only with
    `approve_field_phases`, in their own organisation, never for themselves, and never as the
    trainee's FTO (the FTO recommends; someone else approves)."""
    return (
        supervisor.is_authenticated
        and supervisor.pk != training.trainee_id
        and supervisor.has_perm("courses.approve_field_phases")
        and _own_organisation_id(supervisor) == training.organisation_id
        and not training.is_fto(supervisor)
        and training.status == FieldTrainingStatus.ACTIVE
    )


def ensure_can_approve_phase(*, supervisor, training: FieldTraining) -> None:
    if not can_approve_phase(supervisor=supervisor, training=training):
        raise _denied(
            actor=supervisor,
            rule="Only a supervisor of the trainee's organisation can approve this.",
            target=f"field_training:{training.pk}",
            organisation=training.organisation,
        )


def can_view_field_training(*, user, training: FieldTraining) -> bool:
    """The trainee, their FTOs, and whoever may see the trainee's staff record
    (`can_view_staff`: their organisation's supervisors, HR where the organisation shares)."""
    if not user.is_authenticated:
        return False
    if user.pk == training.trainee_id or training.is_fto(user):
        return True
    profile = (
        StaffProfile.objects.select_related("organisation")
        .filter(user_id=training.trainee_id)
        .first()
    )
    return profile is not None and can_view_staff(viewer=user, profile=profile)


def ensure_can_view_field_training(*, user, training: FieldTraining) -> None:
    if not can_view_field_training(user=user, training=training):
        raise _denied(
            actor=user,
            rule="You cannot see this trainee's field training.",
            target=f"field_training:{training.pk}",
        )


def ensure_can_acknowledge_report(*, user, report) -> None:
    """Only the trainee the report is about acknowledges it."""
    if not (user.is_authenticated and user.pk == report.trainee_id):
        raise _denied(
            actor=user,
            rule="Only the trainee can acknowledge their report.",
            target=f"observation_report:{report.pk}",
        )


def can_verify_signoffs(*, user) -> bool:
    return user.is_authenticated and user.has_perm("courses.verify_signoff_chain")


def ensure_can_verify_signoffs(*, user) -> None:
    ensure_field_capability(
        user=user,
        permission="courses.verify_signoff_chain",
        rule="Only administrators verify the sign-off chain.",
    )

"""Who may coach a trainee and record their live role-plays. Views call these; services call
them again."""

from django.core.exceptions import PermissionDenied

from lms.accounts.models import User


def can_coach(*, coach, trainee: User) -> bool:
    """A coach reviews attempts and records role-plays of a trainee when:
    the coach holds `accounts.sign_off_trainees`;
    the coach is not the trainee (nobody coaches themselves);
    the coach is one of the trainee's assigned field training officers;
    and both belong to the same organisation."""
    if not coach.is_authenticated:
        return False
    if coach.pk == trainee.pk:
        return False
    if not coach.has_perm("accounts.sign_off_trainees"):
        return False
    profile = getattr(trainee, "staff_profile", None)
    own = getattr(coach, "staff_profile", None)
    if profile is None or own is None:
        return False
    if own.organisation_id != profile.organisation_id:
        return False
    return profile.field_training_officers.filter(pk=coach.pk).exists()


def ensure_can_coach(*, coach, trainee: User) -> None:
    if not can_coach(coach=coach, trainee=trainee):
        raise PermissionDenied("You are not this person's field training officer.")


def can_use_coaching(*, user) -> bool:
    """The coaching pages are for people who may sign off trainees."""
    return user.is_authenticated and user.has_perm("accounts.sign_off_trainees")

"""Who may record, verify, decide on and see credentials. Views call these; services call them
again. Every refusal is written to the audit log."""

from django.core.exceptions import PermissionDenied

from lms.accounts.models import Organisation, StaffProfile
from lms.accounts.permissions import can_view_staff, organisations_in_reach
from lms.audit.models import AuditAction
from lms.audit.services import audit_record


def _denied(*, actor, rule: str, target: str) -> PermissionDenied:
    audit_record(action=AuditAction.ACCESS_DENIED, actor=actor, target=target, data={"rule": rule})
    return PermissionDenied(rule)


def _profile_of(user) -> StaffProfile | None:
    return StaffProfile.objects.select_related("organisation").filter(user=user).first()


def can_record(*, actor, holder) -> bool:
    """A staff member records their own external credentials; HR records for people it sees."""
    if actor.pk == holder.pk:
        return True
    profile = _profile_of(holder)
    return (
        profile is not None
        and actor.has_perm("accounts.verify_credentials")
        and can_view_staff(viewer=actor, profile=profile)
    )


def ensure_can_record(*, actor, holder) -> None:
    if not can_record(actor=actor, holder=holder):
        raise _denied(
            actor=actor,
            rule="You cannot record credentials for this person.",
            target=f"user:{holder.pk}",
        )


def can_view_credential(*, user, credential) -> bool:
    """The holder, and whoever may see the holder's staff record."""
    if not user.is_authenticated:
        return False
    if user.pk == credential.holder_id:
        return True
    profile = _profile_of(credential.holder)
    return profile is not None and can_view_staff(viewer=user, profile=profile)


def ensure_can_view_credential(*, user, credential) -> None:
    if not can_view_credential(user=user, credential=credential):
        raise _denied(
            actor=user, rule="You cannot see this credential.", target=f"credential:{credential.pk}"
        )


def can_verify(*, actor, credential) -> bool:
    """Verifying needs `verify_credentials`, sight of the holder, and never one's own."""
    return (
        actor.is_authenticated
        and actor.pk != credential.holder_id
        and actor.has_perm("accounts.verify_credentials")
        and can_view_credential(user=actor, credential=credential)
    )


def ensure_can_verify(*, actor, credential) -> None:
    if not can_verify(actor=actor, credential=credential):
        raise _denied(
            actor=actor,
            rule="You cannot verify this credential (and nobody verifies their own).",
            target=f"credential:{credential.pk}",
        )


def can_manage(*, actor, credential) -> bool:
    """Suspending, reinstating, revoking and extending need `manage_credentials`, sight of the
    holder, and never one's own."""
    return (
        actor.is_authenticated
        and actor.pk != credential.holder_id
        and actor.has_perm("certificates.manage_credentials")
        and can_view_credential(user=actor, credential=credential)
    )


def ensure_can_manage(*, actor, credential) -> None:
    if not can_manage(actor=actor, credential=credential):
        raise _denied(
            actor=actor,
            rule="You cannot decide on this credential.",
            target=f"credential:{credential.pk}",
        )


def can_view_compliance(*, user) -> bool:
    return user.is_authenticated and user.has_perm("certificates.view_compliance")


def can_view_evidence(*, user, credential) -> bool:
    """The holder; and whoever may see the holder's staff record and checks credentials
    (`verify_credentials`) or follows compliance (`view_compliance`)."""
    if not user.is_authenticated:
        return False
    if user.pk == credential.holder_id:
        return True
    return (
        user.has_perm("accounts.verify_credentials")
        or user.has_perm("certificates.view_compliance")
    ) and can_view_credential(user=user, credential=credential)


def ensure_can_view_evidence(*, user, credential) -> None:
    if not can_view_evidence(user=user, credential=credential):
        raise _denied(
            actor=user,
            rule="You cannot open this credential's evidence.",
            target=f"credential:{credential.pk}",
        )


def can_open_verification_queue(*, user) -> bool:
    """The verification queue is for holders of `verify_credentials`."""
    return user.is_authenticated and user.has_perm("accounts.verify_credentials")


def ensure_can_open_verification_queue(*, user) -> None:
    if not can_open_verification_queue(user=user):
        raise _denied(
            actor=user, rule="Only HR verifies credentials.", target="credentials:verification"
        )


def ensure_can_view_compliance(*, user) -> None:
    """The compliance board is for holders of `view_compliance` (supervisors, HR)."""
    if not can_view_compliance(user=user):
        raise _denied(
            actor=user, rule="You cannot see credential compliance.", target="credentials:board"
        )


# --- Certificates and transcripts on paper ------------------------------------------------------


def can_download_certificate(*, user, credential) -> bool:
    """A credential's PDF certificate: the holder, and whoever may see the holder's staff
    record (as the credential itself)."""
    return can_view_credential(user=user, credential=credential)


def ensure_can_download_certificate(*, user, credential) -> None:
    if not can_download_certificate(user=user, credential=credential):
        raise _denied(
            actor=user,
            rule="You cannot download this certificate.",
            target=f"credential:{credential.pk}",
        )


def can_view_transcript(*, viewer, profile: StaffProfile) -> bool:
    """A training transcript: the person themself, their supervisor, and whoever may see them
    and follows training (`courses.view_team_progress`: supervisors of their organisation, HR).
    A field training officer sees the trainee but not the whole transcript."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == profile.user_id:
        return True
    if viewer.pk == profile.supervisor_id:
        return True
    return viewer.has_perm("courses.view_team_progress") and can_view_staff(
        viewer=viewer, profile=profile
    )


def ensure_can_view_transcript(*, viewer, profile: StaffProfile) -> None:
    if not can_view_transcript(viewer=viewer, profile=profile):
        raise _denied(
            actor=viewer, rule="You cannot see this transcript.", target=f"user:{profile.user_id}"
        )


def certificate_organisations(*, user):
    """The organisations whose certificates `user` may generate in bulk: with
    `view_compliance`, their own organisation (`view_organisation_staff`), the city's as they
    may see it (`view_city_staff`: departments and those sharing data), or all
    (`view_all_staff`)."""
    if not can_view_compliance(user=user):
        return Organisation.objects.none()
    return organisations_in_reach(user=user)


def can_generate_certificates(*, user, organisation) -> bool:
    """Generating a cohort's certificates needs `view_compliance` and reach over the
    organisation (see `certificate_organisations`)."""
    return certificate_organisations(user=user).filter(pk=organisation.pk).exists()


def ensure_can_generate_certificates(*, user, organisation) -> None:
    if not can_generate_certificates(user=user, organisation=organisation):
        raise _denied(
            actor=user,
            rule="You cannot generate certificates for this organisation.",
            target=f"organisation:{organisation.pk}",
        )


# --- Career pathways and readiness --------------------------------------------------------------


def can_view_readiness(*, user) -> bool:
    """HR's readiness dashboard: holders of `view_readiness` (HR city-wide, supervisors for
    the people they may see)."""
    return user.is_authenticated and user.has_perm("certificates.view_readiness")


def ensure_can_view_readiness(*, user) -> None:
    if not can_view_readiness(user=user):
        raise _denied(
            actor=user, rule="You cannot see readiness for city roles.", target="careers:readiness"
        )


def can_view_person_readiness(*, viewer, profile: StaffProfile) -> bool:
    """A person's readiness for a role: the person themself, and holders of `view_readiness`
    who may see the person's staff record (a contracted organisation's people only where it
    shares data with the city)."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == profile.user_id:
        return True
    return can_view_readiness(user=viewer) and can_view_staff(viewer=viewer, profile=profile)


def ensure_can_view_person_readiness(*, viewer, profile: StaffProfile) -> None:
    if not can_view_person_readiness(viewer=viewer, profile=profile):
        raise _denied(
            actor=viewer,
            rule="You cannot see this person's readiness.",
            target=f"user:{profile.user_id}",
        )


def can_view_career_interest(*, user) -> bool:
    """Who said they are interested in which role: HR only (`view_career_interest`), never a
    supervisor, so saying it cannot count against anyone in their own team."""
    return user.is_authenticated and user.has_perm("certificates.view_career_interest")


def can_state_career_interest(*, user) -> bool:
    """Every staff member may say which roles interest them."""
    return user.is_authenticated and StaffProfile.objects.filter(user=user).exists()


def ensure_can_state_career_interest(*, user) -> None:
    if not can_state_career_interest(user=user):
        raise _denied(
            actor=user,
            rule="Only staff members can say which roles interest them.",
            target="careers:interest",
        )

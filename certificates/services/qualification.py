"""FTO qualification: when credential types that qualify an FTO exist, an FTO needs a valid
one of them today to be given trainees and to sign; otherwise the FTO role suffices."""

from django.utils import timezone

from certificates.models import Credential, CredentialState, CredentialType, Verification
from courses.field.qualification import ROLE_QUALIFICATION
from lms.accounts.models import StaffProfile


def fto_qualification(user, *, now=None) -> str | None:
    if not CredentialType.objects.filter(qualifies_fto=True, active=True).exists():
        return ROLE_QUALIFICATION
    profile = StaffProfile.objects.select_related("organisation").filter(user=user).first()
    if profile is None:
        return None
    today = profile.organisation.today(now or timezone.now())
    held = (
        Credential.objects.filter(
            holder=user,
            credential_type__qualifies_fto=True,
            state=CredentialState.ACTIVE,
            verification__in=[Verification.VERIFIED, Verification.NOT_NEEDED],
            issued_on__lte=today,
        )
        .exclude(renewed_on__lte=today)
        .exclude(expires_on__lt=today)
        .order_by("-expires_on")
        .values_list("title", "public_id")
        .first()
    )
    if held is None:
        return None
    title, public_id = held
    return f"{title} ({public_id})"

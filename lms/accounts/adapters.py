"""allauth adapters: no public sign-up, audit of sign-in, and MFA that required roles keep."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import StaffProfile
from .roles import requires_mfa


class RelayAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """People join by invitation only."""
        return False

    def login(self, request, user) -> None:
        super().login(request, user)
        profile = getattr(user, "staff_profile", None)
        audit_record(
            action=AuditAction.SIGN_IN,
            actor=user,
            organisation=profile.organisation if profile else None,
            request=request,
        )

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        email = str(credentials.get("email", ""))[:254]
        # Tied to the person's organisation when the address is someone's, so that HR sees
        # attempts on their people; an unknown address stays with administrators.
        profile = (
            StaffProfile.objects.select_related("organisation")
            .filter(user__email__iexact=email)
            .first()
            if email
            else None
        )
        audit_record(
            action=AuditAction.SIGN_IN_FAILED,
            organisation=profile.organisation if profile else None,
            request=request,
            data={"email": email},
        )


class RelayMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """A person whose role requires a second factor cannot switch TOTP off."""
        return not requires_mfa(authenticator.user)

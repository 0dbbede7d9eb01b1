"""Exports of personal data are security events: each one is written to the audit log."""

from lms.audit.models import AuditAction
from lms.audit.services import audit_record


def export_record(*, user, request, what: str, filters: dict, rows: int) -> None:
    """Record who exported what, with which filters, and how many rows."""
    profile = getattr(user, "staff_profile", None)
    audit_record(
        action=AuditAction.EXPORTED,
        actor=user,
        organisation=profile.organisation if profile else None,
        request=request,
        target=what,
        data={"filters": filters, "rows": rows},
    )

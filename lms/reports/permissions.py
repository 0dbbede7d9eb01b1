"""Who may see the program reports, and over which organisations.

Two reaches, both by permission alone (no scan of the staff):

- **records**: the organisations whose people the viewer sees as a whole
  (`certificates.permissions.organisations_in_reach`): all for administrators; city departments
  and the contracted organisations that share data for HR; their own organisation for a
  supervisor. Training hours, FTO workload, field release and compliance come from people's
  training records, so they are reported for these organisations only.
- **headcount**: the records reach, plus, for city-wide viewers (`view_city_staff`), every
  contracted organisation: one that does not share data with the city
  (`DataSharing.NONE`, "Nothing beyond headcount") still has its headcount reported, never
  its hours.
"""

from django.core.exceptions import PermissionDenied

from certificates.permissions import organisations_in_reach
from lms.accounts.models import Organisation
from lms.audit.models import AuditAction
from lms.audit.services import audit_record


def can_view_program_reports(*, user) -> bool:
    """Program reports are for holders of `view_program_reports` (supervisors, HR, admins)."""
    return user.is_authenticated and user.has_perm("accounts.view_program_reports")


def ensure_can_view_program_reports(*, user, request=None) -> None:
    if not can_view_program_reports(user=user):
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            target="reports",
            data={"rule": "You cannot see program reports."},
        )
        raise PermissionDenied("You cannot see program reports.")


def record_organisations(*, user):
    """The organisations whose training records `user` may see summed up in a report."""
    if not can_view_program_reports(user=user):
        return Organisation.objects.none()
    return organisations_in_reach(user=user)


def headcount_organisations(*, user):
    """The organisations whose headcount `user` may see: their records reach and, city-wide,
    the contracted organisations that share nothing beyond headcount."""
    if not can_view_program_reports(user=user):
        return Organisation.objects.none()
    if user.has_perm("accounts.view_city_staff"):
        return Organisation.objects.all()
    return organisations_in_reach(user=user)

from .accounts import (
    InvitationFactory,
    OrganisationFactory,
    StaffProfileFactory,
    UserFactory,
    give_roles,
)
from .audit import AuditEventFactory
from .certificates import JobRoleFactory

__all__ = [
    "AuditEventFactory",
    "InvitationFactory",
    "JobRoleFactory",
    "OrganisationFactory",
    "StaffProfileFactory",
    "UserFactory",
    "give_roles",
]

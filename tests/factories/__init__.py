from .accounts import (
    InvitationFactory,
    OrganisationFactory,
    StaffProfileFactory,
    UserFactory,
    give_roles,
)
from .audit import AuditEventFactory
from .certificates import JobRoleFactory
from .courses import (
    CompetencyCategoryFactory,
    CompetencyFactory,
    assign,
    curriculum_index,
    edit_and_publish,
    module_page,
    program_page,
    protocol_page,
    publish,
    question,
    raise_protocol_version,
)

__all__ = [
    "AuditEventFactory",
    "CompetencyCategoryFactory",
    "CompetencyFactory",
    "InvitationFactory",
    "JobRoleFactory",
    "OrganisationFactory",
    "StaffProfileFactory",
    "UserFactory",
    "assign",
    "curriculum_index",
    "edit_and_publish",
    "give_roles",
    "module_page",
    "program_page",
    "protocol_page",
    "publish",
    "question",
    "raise_protocol_version",
]

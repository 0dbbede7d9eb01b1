from .branding import CertificateBranding
from .documents import BatchStatus, CertificateBatch, CertificateDocument, SigningKey
from .held import (
    Credential,
    CredentialDecision,
    CredentialState,
    DecisionChainHead,
    DecisionKind,
    Verification,
)
from .renewal import (
    CalendarFeed,
    CESource,
    ContinuingEducation,
    Reminder,
    ReminderKind,
    ReminderPreference,
)
from .roles import (
    CareerInterest,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
    onet_soc_validator,
)
from .types import (
    CredentialKind,
    CredentialRequirement,
    CredentialType,
    ExpiryRule,
    RequirementKind,
)

__all__ = [
    "BatchStatus",
    "CESource",
    "CalendarFeed",
    "CareerInterest",
    "CertificateBatch",
    "CertificateBranding",
    "CertificateDocument",
    "ContinuingEducation",
    "Credential",
    "CredentialDecision",
    "CredentialKind",
    "CredentialRequirement",
    "CredentialState",
    "CredentialType",
    "DecisionChainHead",
    "DecisionKind",
    "ExpiryRule",
    "JobRole",
    "Pathway",
    "PathwayKind",
    "Reminder",
    "ReminderKind",
    "ReminderPreference",
    "RequirementKind",
    "RequirementLevel",
    "RoleCredential",
    "SigningKey",
    "Verification",
    "onet_soc_validator",
]

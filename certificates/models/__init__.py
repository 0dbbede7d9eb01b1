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
from .roles import JobRole, onet_soc_validator
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
    "Reminder",
    "ReminderKind",
    "ReminderPreference",
    "RequirementKind",
    "SigningKey",
    "Verification",
    "onet_soc_validator",
]

"""What the API reads and writes. Input schemas forbid unknown fields."""

import datetime
import uuid
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field

from .types import ApiDate, EmployeeId, Slug, text


class ErrorItem(Schema):
    field: str | None = Field(description="Dotted path of the field at fault, or null.")
    message: str


class Error(Schema):
    """Every error the API returns."""

    message: str
    field: str | None = Field(description="Dotted path of the (first) field at fault, or null.")
    errors: list[ErrorItem]


# --- Staff -------------------------------------------------------------------------------------


class StaffOut(Schema):
    employee_id: str
    organisation: str = Field(description="The organisation's slug.")
    first_name: str
    last_name: str
    name: str
    email: str
    job_role: str | None = Field(description="The job role's name.")
    job_role_id: int | None
    status: str = Field(description="trainee, active, on_leave or separated.")
    hire_date: datetime.date
    job_role_since: datetime.date
    separated_on: datetime.date | None
    supervisor_employee_id: str | None
    funding_source: str = Field(
        description="The position's funding source (its own, else its organisation's)."
    )


class StaffPage(Schema):
    count: int
    next: str | None
    items: list[StaffOut]


# --- Credentials -------------------------------------------------------------------------------


class CredentialOut(Schema):
    id: uuid.UUID = Field(description="The credential's public id.")
    employee_id: str | None
    organisation: str | None = Field(description="The holder's organisation (slug).")
    holder_name: str
    credential_type: str = Field(description="The credential type's slug.")
    title: str
    issuer: str
    kind: str = Field(description="earned or external.")
    issued_on: datetime.date
    expires_on: datetime.date | None
    certificate_number: str
    verification: str = Field(description="not_needed, pending, verified or rejected.")
    state: str = Field(description="active, suspended or revoked (decisions).")
    renewed_on: datetime.date | None
    status: str = Field(
        description=(
            "Status on `status_on`: not_yet, active, window, grace, expired, suspended, "
            "revoked or renewed (a credential awaiting verification is not_yet)."
        )
    )
    status_on: datetime.date = Field(
        description="The day the status is computed on (the holder organisation's today "
        "unless `on` was given)."
    )
    valid: bool = Field(description="Whether the status is active or window.")
    days_left: int | None
    window_opens_on: datetime.date | None
    grace_ends_on: datetime.date | None


class CredentialPage(Schema):
    count: int
    next: str | None
    items: list[CredentialOut]


class EvidenceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    filename: text(200) = Field(min_length=1)  # type: ignore[valid-type]
    content_base64: str = Field(
        min_length=4, max_length=4_200_000, description="The file (PDF, PNG or JPEG), base64."
    )


class ExternalCredentialIn(Schema):
    """An external credential to record for a staff member; it awaits HR's verification."""

    model_config = ConfigDict(extra="forbid")

    organisation: Slug
    employee_id: EmployeeId
    credential_type: Slug
    issued_on: ApiDate
    expires_on: ApiDate | None = None
    certificate_number: text(80) = ""  # type: ignore[valid-type]
    evidence: EvidenceIn
    external_id: text(100) | None = Field(  # type: ignore[valid-type]
        default=None,
        min_length=1,
        description=(
            "Your system's id for this record. Sending the same external_id again returns the "
            "credential recorded the first time (200) instead of recording it twice."
        ),
    )


# --- Completions -------------------------------------------------------------------------------


class CompletionOut(Schema):
    kind: str = Field(description="module or program.")
    id: int = Field(description="The module progress or assignment id (unique per kind).")
    employee_id: str | None
    organisation: str | None
    title: str
    training_type: str | None = Field(description="Modules only: skills, protocol, ...")
    page_id: int = Field(description="The module or program page id.")
    completed_at: datetime.datetime
    minutes: int | None = Field(description="Modules only: the module's planned minutes.")
    ce_hours: Decimal | None = Field(description="Modules only: continuing-education hours.")


class CompletionPage(Schema):
    count: int
    next: str | None
    items: list[CompletionOut]


# --- Readiness ---------------------------------------------------------------------------------


class ReadinessOut(Schema):
    employee_id: str
    organisation: str
    name: str
    email: str
    job_role: str = Field(description="The current role (empty when none).")
    in_role_since: datetime.date
    met: int
    total: int
    percent: int
    band: str = Field(description="ready, one_away or further.")
    missing: list[str]
    interested: bool | None = Field(
        description="Whether they said they are interested (null: not visible to this token)."
    )


class ReadinessPage(Schema):
    role: str
    role_id: int
    on: datetime.date
    requirements: list[str]
    count: int
    next: str | None
    items: list[ReadinessOut]

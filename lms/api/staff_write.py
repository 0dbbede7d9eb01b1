"""The HR-system sync: ``POST /api/v1/staff`` upserts a batch of one organisation's staff.

The same import as the upload page (`lms.accounts.hris.staff_rows_import`): every item is
checked first, then all are written in one transaction, or none; idempotent by employee id.
The items take the CSV's columns as fields; a field left out keeps what Relay holds, `null`
means what a blank cell means. Problems come back as a 400 listing each one, with the item's
field as ``staff.<index>.<field>`` (index from 0).

The API mounts this router at ``/staff`` (``lms.api.api``), beside the staff reads.
"""

import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from lms.accounts.hris import ImportRejected, staff_rows_import
from lms.accounts.models import FundingSource, StaffStatus

from .auth import TokenAuth, require_scope, token_organisations
from .errors import ApiError
from .models import ApiScope
from .routers.common import WRITE_ERRORS
from .types import ApiDate, EmployeeId, Slug, text

router = Router(tags=["staff"])

MAX_ITEMS = 1_000
Email = text(254)
Name = text(150)
JobRoleName = text(120)


class StaffIn(Schema):
    """One person as the HR system has them."""

    model_config = ConfigDict(extra="forbid")

    employee_id: EmployeeId = Field(description="Matched within the organisation.")
    email: Email | None = Field(
        default=None,
        description="Required for a new person (their sign-in address); never changed for "
        "someone who already has an account.",
    )
    first_name: Name | None = Field(default=None, description="Null keeps the stored name.")
    last_name: Name | None = Field(default=None, description="Null keeps the stored name.")
    job_role: JobRoleName | None = Field(
        default=None, description="A job role's name (any case); null: no job role."
    )
    hire_date: ApiDate | None = Field(default=None, description="Required for a new person.")
    status: StaffStatus | None = Field(
        default=None, description="Null keeps the stored status (a new person: trainee)."
    )
    separated_on: ApiDate | None = Field(
        default=None, description="Required when the status is separated, and only then."
    )
    supervisor_employee_id: EmployeeId | None = Field(
        default=None,
        description="The supervisor's employee id in the same organisation (or in this batch); "
        "null: no supervisor.",
    )
    funding_source: FundingSource | None = Field(
        default=None, description="Null: the organisation's funding source."
    )


class StaffBatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation: Slug = Field(description="The organisation's slug.")
    staff: list[StaffIn] = Field(min_length=1, max_length=MAX_ITEMS)


class StaffImportOut(Schema):
    organisation: str
    rows: int
    created: int
    moved: int
    separated: int
    reinstated: int
    updated: int
    unchanged: int
    invitations_closed: int
    assignments_queued: int = Field(
        description="People whose training is being assigned in the background (a large batch)."
    )


def _value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return getattr(value, "value", value)  # an enum member: its value


def _field(line: int, column: str) -> str | None:
    """The item's field at fault as a dotted path (`staff.3.hire_date`), from the import's line
    (the item's position from 1)."""
    if line < 1:
        return None
    return f"staff.{line - 1}.{column}" if column else f"staff.{line - 1}"


@router.post(
    "",
    auth=TokenAuth(ApiScope.STAFF_WRITE),
    response={200: StaffImportOut, **WRITE_ERRORS},
    summary="Upsert staff (HR-system sync)",
    description=(
        "Scope `staff:write`. Creates, moves, separates and updates up to 1,000 people of one "
        "organisation, matched by employee id: all of them, or none and a 400 listing every "
        "problem (`staff.<index>.<field>`). Sending the same batch again changes nothing."
    ),
    url_name="staff_upsert",
)
def staff_upsert(request: HttpRequest, payload: StaffBatchIn):
    token = require_scope(request, ApiScope.STAFF_WRITE)
    organisation = token_organisations(token).filter(slug=payload.organisation).first()
    if organisation is None:
        raise ApiError(
            404, "No organisation with this slug that this token may write to.", "organisation"
        )
    rows = [
        {name: _value(value) for name, value in item.model_dump(exclude_unset=True).items()}
        for item in payload.staff
    ]
    try:
        summary = staff_rows_import(
            actor=token.owner,
            organisation=organisation,
            rows=rows,
            request=request,
            source="api",
            first_line=1,
        )
    except ImportRejected as rejected:
        errors = [
            {"field": _field(error.line, error.field), "message": error.message}
            for error in rejected.errors
        ]
        raise ApiError(
            400, f"{rejected} {errors[0]['message']}", errors[0]["field"], errors
        ) from None
    return {"organisation": organisation.slug, **summary.counts()}

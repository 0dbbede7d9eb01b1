"""Credentials: ``GET /credentials`` (with status on a day) and ``POST /credentials/external``
(record a credential earned elsewhere, through `certificates.services.external`)."""

import base64
import binascii
import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status as Reply

from certificates.expiry import Status, days_left, grace_ends_on, window_opens_on
from certificates.models import Credential, CredentialDecision, CredentialType
from certificates.services.earning import credential_status
from certificates.services.external import external_record
from lms import uploads

from ..auth import TokenAuth, require_scope
from ..errors import ApiError
from ..models import ApiScope
from ..pagination import DEFAULT_LIMIT, Limit, Offset, paginate
from ..schemas import CredentialOut, CredentialPage, ExternalCredentialIn
from ..selectors import credentials_for_token, staff_profile_for_token
from ..types import ApiDate, EmployeeId, Slug
from .common import READ_ERRORS, WRITE_ERRORS

router = Router(tags=["credentials"])

# Evidence sent through the API is base64 inside a JSON body of at most 4 MB (see urls.py).
API_EVIDENCE_MAX_BYTES = 3 * 1024 * 1024
# Idempotency keys of API-recorded credentials: one namespace, then the owner and their id.
EXTERNAL_ID_NAMESPACE = uuid.UUID("5b0f8c9e-6a57-4f8e-9a8e-2f7b8f3a1c01")


def credential_item(credential: Credential, day: datetime.date) -> dict:
    status = credential_status(credential, day)
    first = credential.holder_first_name
    last = credential.holder_last_name
    return {
        "id": credential.public_id,
        "employee_id": credential.holder_employee_id,
        "organisation": credential.holder_organisation,
        "holder_name": f"{first} {last}".strip() or credential.holder_email,
        "credential_type": credential.type_slug,
        "title": credential.title,
        "issuer": credential.issuer,
        "kind": credential.kind,
        "issued_on": credential.issued_on,
        "expires_on": credential.expires_on,
        "certificate_number": credential.certificate_number,
        "verification": credential.verification,
        "state": credential.state,
        "renewed_on": credential.renewed_on,
        "status": status.value,
        "status_on": day,
        "valid": status.valid,
        "days_left": days_left(day, credential.expires_on),
        "window_opens_on": window_opens_on(credential.expires_on, credential.window_days),
        "grace_ends_on": grace_ends_on(credential.expires_on, credential.grace_days),
    }


@router.get(
    "",
    response={200: CredentialPage, **READ_ERRORS},
    summary="List credentials with their status on a day",
    description=(
        "Scope `credentials:read`. Every credential instance (renewed ones included) of the "
        "staff the token may read. `on` computes every status on that day; without it, each "
        "on its holder organisation's today. `status` (repeatable) keeps those statuses."
    ),
    url_name="credential_list",
    auth=TokenAuth(ApiScope.CREDENTIALS_READ),
)
def credential_list(
    request: HttpRequest,
    on: ApiDate | None = None,
    employee_id: EmployeeId | None = None,
    organisation: Slug | None = None,
    credential_type: Slug | None = None,
    status: Query[list[Status] | None] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    token = require_scope(request, ApiScope.CREDENTIALS_READ)
    selection = credentials_for_token(
        token,
        employee_id=employee_id,
        organisation=organisation,
        credential_type=credential_type,
        statuses=status or None,
        on=on,
    )
    page = paginate(request, selection.credentials, limit=limit, offset=offset)
    return {
        "count": page.count,
        "next": page.next,
        "items": [credential_item(c, selection.day_for(c)) for c in page.items],
    }


def _evidence(payload: ExternalCredentialIn) -> uploads.Evidence:
    try:
        data = base64.b64decode(payload.evidence.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ApiError(
            400, "The evidence is not valid base64.", field="evidence.content_base64"
        ) from error
    try:
        return uploads.evidence_from_upload(
            SimpleUploadedFile(payload.evidence.filename, data),
            max_bytes=API_EVIDENCE_MAX_BYTES,
        )
    except ValidationError as error:
        raise ApiError(400, " ".join(error.messages), field="evidence.content_base64") from error


def _validation_error(error: ValidationError) -> ApiError:
    if hasattr(error, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in error.messages]
    first = errors[0]
    return ApiError(400, first["message"], field=first["field"], errors=errors)


@router.post(
    "/external",
    response={201: CredentialOut, 200: CredentialOut, **WRITE_ERRORS},
    summary="Record an external credential",
    description=(
        "Scope `credentials:write`. Records a credential earned elsewhere for a staff member "
        "the token may read, with its evidence (PDF, PNG or JPEG, base64, at most 3 MB). It "
        "awaits HR's verification (status `not_yet`, verification `pending`) like one recorded "
        "in Relay. With `external_id`, sending the same record again answers 200 with the "
        "credential recorded the first time."
    ),
    url_name="credential_external",
    auth=TokenAuth(ApiScope.CREDENTIALS_WRITE),
)
def credential_external(request: HttpRequest, payload: ExternalCredentialIn):
    token = require_scope(request, ApiScope.CREDENTIALS_WRITE)
    profile = staff_profile_for_token(
        token, organisation=payload.organisation, employee_id=payload.employee_id
    )
    if profile is None:
        raise ApiError(404, "No such staff member.", field="employee_id")
    credential_type = CredentialType.objects.filter(slug=payload.credential_type).first()
    if credential_type is None:
        raise ApiError(404, "No such credential type.", field="credential_type")
    if payload.external_id:
        request_key = uuid.uuid5(EXTERNAL_ID_NAMESPACE, f"{token.owner_id}:{payload.external_id}")
        replay = CredentialDecision.objects.filter(request_key=request_key).exists()
    else:
        request_key, replay = uuid.uuid4(), False
    evidence = _evidence(payload)
    try:
        credential = external_record(
            actor=token.owner,
            holder=profile.user,
            credential_type=credential_type,
            issued_on=payload.issued_on,
            expires_on=payload.expires_on,
            certificate_number=payload.certificate_number,
            evidence=evidence,
            request_key=request_key,
            request=request,
        )
    except ValidationError as error:
        raise _validation_error(error) from error
    except PermissionDenied as error:
        raise ApiError(
            403, "The token's owner cannot record credentials for this person."
        ) from error
    selection = credentials_for_token(token, employee_id=profile.employee_id)
    row = selection.credentials.filter(pk=credential.pk).first()
    if row is None:  # pragma: no cover - the holder was in reach a moment ago
        raise ApiError(404, "No such staff member.", field="employee_id")
    return Reply(200 if replay else 201, credential_item(row, selection.day_for(row)))

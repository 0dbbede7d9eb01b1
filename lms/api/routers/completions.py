"""``GET /completions``: module and program completions of the staff a token may read."""

import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from pydantic import AfterValidator

from courses.models import TrainingType

from ..auth import TokenAuth, require_scope
from ..models import ApiScope
from ..pagination import DEFAULT_LIMIT, Limit, Offset, paginate
from ..schemas import CompletionPage
from ..selectors import completion_people, completions_for_token
from ..types import MAX_DATE, MIN_DATE, EmployeeId, Slug
from .common import READ_ERRORS

router = Router(tags=["completions"])


def _aware_in_range(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    if not MIN_DATE <= value.astimezone(datetime.UTC).date() <= MAX_DATE:
        raise ValueError(f"Use a moment between {MIN_DATE} and {MAX_DATE}.")
    return value


Since = Annotated[datetime.datetime, AfterValidator(_aware_in_range)]


@router.get(
    "",
    response={200: CompletionPage, **READ_ERRORS},
    summary="List completions",
    description=(
        "Scope `completions:read`. Completed modules (with their training type, minutes and "
        "CE hours as snapshotted at completion) and completed programs, oldest first. "
        "`since` is an ISO 8601 moment (UTC when it has no offset); `training_type` keeps "
        "module completions of that type only."
    ),
    url_name="completion_list",
    auth=TokenAuth(ApiScope.COMPLETIONS_READ),
)
def completion_list(
    request: HttpRequest,
    employee_id: EmployeeId | None = None,
    organisation: Slug | None = None,
    since: Since | None = None,
    training_type: TrainingType | None = None,
    kind: Literal["module", "program"] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    token = require_scope(request, ApiScope.COMPLETIONS_READ)
    rows = completions_for_token(
        token,
        employee_id=employee_id,
        organisation=organisation,
        since=since,
        training_type=training_type.value if training_type else None,
        kind=kind,
    )
    page = paginate(request, rows, limit=limit, offset=offset)
    people = completion_people(row["person_id"] for row in page.items) if page.items else {}
    return {
        "count": page.count,
        "next": page.next,
        "items": [
            {
                "kind": row["kind"],
                "id": row["record_id"],
                "employee_id": people.get(row["person_id"], (None, None))[0],
                "organisation": people.get(row["person_id"], (None, None))[1],
                "title": row["title"],
                "training_type": row["training_type"],
                "page_id": row["page_id"],
                "completed_at": row["done_at"],
                "minutes": row["minutes"],
                "ce_hours": row["ce_hours"],
            }
            for row in page.items
        ],
    }

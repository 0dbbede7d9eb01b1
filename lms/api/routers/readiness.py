"""``GET /readiness``: who is ready for a target role, from the set-based readiness board."""

from itertools import islice

from django.http import HttpRequest
from ninja import Router

from certificates.models import JobRole

from ..auth import TokenAuth, require_scope
from ..errors import ApiError
from ..models import ApiScope
from ..pagination import DEFAULT_LIMIT, Limit, Offset, next_url
from ..schemas import ReadinessPage
from ..selectors import job_role_lookup, readiness_for_token, today_for_token
from ..types import ApiDate, Slug, text
from .common import DETAIL_ERRORS

router = Router(tags=["readiness"])


@router.get(
    "",
    response={200: ReadinessPage, **DETAIL_ERRORS},
    summary="Readiness for a target role",
    description=(
        "Scope `readiness:read`. Every current staff member the token may read (not already "
        "in the role), ranked ready, one requirement away, further. `role` is the job role's "
        "id or name; `on` defaults to today in the token's organisation."
    ),
    url_name="readiness_list",
    auth=TokenAuth(ApiScope.READINESS_READ),
)
def readiness_list(
    request: HttpRequest,
    role: text(120),  # type: ignore[valid-type]
    on: ApiDate | None = None,
    organisation: Slug | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    token = require_scope(request, ApiScope.READINESS_READ)
    target = JobRole.objects.filter(job_role_lookup(role)).first() if role else None
    if target is None:
        raise ApiError(404, "No such job role.", field="role")
    on = on or today_for_token(token)
    selection = readiness_for_token(token, role=target, on=on, organisation=organisation)
    board = selection.board
    candidates = list(islice(board.candidates(), offset, offset + limit))
    return {
        "role": target.name,
        "role_id": target.pk,
        "on": on,
        "requirements": list(board.labels),
        "count": board.count,
        "next": next_url(request, offset=offset, limit=limit, count=board.count),
        "items": [
            {
                "employee_id": c.employee_id,
                "organisation": selection.slugs.get(c.organisation_id, ""),
                "name": c.name,
                "email": c.email,
                "job_role": c.job_role,
                "in_role_since": c.in_role_since,
                "met": c.met,
                "total": c.total,
                "percent": c.percent,
                "band": c.band.value,
                "missing": list(c.missing),
                "interested": c.interested,
            }
            for c in candidates
        ],
    }

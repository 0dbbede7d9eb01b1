"""Reading staff: ``GET /staff`` and ``GET /staff/{organisation}/{employee_id}``.

The operations are added to the staff router of the HR-system sync (`lms.api.staff_write`), so
``GET`` and ``POST /staff`` share one path."""

from django.http import HttpRequest
from ninja import Router

from lms.accounts.models import StaffStatus

from ..auth import TokenAuth, require_scope
from ..errors import ApiError
from ..models import ApiScope
from ..pagination import DEFAULT_LIMIT, Limit, Offset, paginate_by_ids
from ..schemas import StaffOut, StaffPage
from ..selectors import staff_for_token, staff_member, staff_rows
from ..types import EmployeeId, Slug, text
from .common import DETAIL_ERRORS, READ_ERRORS


def staff_item(row: dict) -> dict:
    """One person as the API shows them, from a value row of `selectors.staff_for_token`."""
    first, last = row["first_name"], row["last_name"]
    return {
        "employee_id": row["employee_id"],
        "organisation": row["organisation_slug"],
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}".strip() or row["email"],  # as `User.display_name`
        "email": row["email"],
        "job_role": row["job_role_name"],
        "job_role_id": row["job_role_id"],
        "status": row["status"],
        "hire_date": row["hire_date"],
        "job_role_since": row["job_role_since"] or row["hire_date"],  # as `in_role_since`
        "separated_on": row["separated_on"],
        "supervisor_employee_id": row["supervisor_employee_id"],
        # As `StaffProfile.position_funding_source`.
        "funding_source": row["funding_source"] or row["organisation_funding_source"],
    }


def register(router: Router) -> Router:
    """Add the staff read operations to `router` (mounted at ``/staff``)."""

    @router.get(
        "",
        response={200: StaffPage, **READ_ERRORS},
        summary="List staff",
        description="Scope `staff:read`. The staff the token may read, ordered by organisation "
        "and employee id.",
        url_name="staff_list",
        auth=TokenAuth(ApiScope.STAFF_READ),
    )
    def staff_list(
        request: HttpRequest,
        organisation: Slug | None = None,
        status: StaffStatus | None = None,
        job_role: text(120) | None = None,  # type: ignore[valid-type]
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ):
        token = require_scope(request, ApiScope.STAFF_READ)
        rows = staff_for_token(
            token,
            organisation=organisation,
            status=status.value if status else None,
            job_role=job_role or None,
        )
        page = paginate_by_ids(request, rows, limit=limit, offset=offset, fetch=staff_rows)
        return {
            "count": page.count,
            "next": page.next,
            "items": [staff_item(row) for row in page.items],
        }

    @router.get(
        "/{organisation}/{employee_id}",
        response={200: StaffOut, **DETAIL_ERRORS},
        summary="One staff member",
        description="Scope `staff:read`. 404 for anyone the token may not read.",
        url_name="staff_detail",
        auth=TokenAuth(ApiScope.STAFF_READ),
    )
    def staff_detail(request: HttpRequest, organisation: Slug, employee_id: EmployeeId):
        token = require_scope(request, ApiScope.STAFF_READ)
        row = staff_member(token, organisation=organisation, employee_id=employee_id)
        if row is None:
            raise ApiError(404, "No such staff member.")
        return staff_item(row)

    return router

"""`api_staff_list`: an integration reads the first 100 staff through the REST API
(``GET /api/v1/staff?limit=100``) with a personal token of the demo HR officer.

Set-up (untimed) replaces the bench's earlier token, if any, with a fresh one holding
`staff:read` only: the secret exists only in memory, as for a real integration. The timed request
authenticates the token (one query for the token and its owner, one for the owner's
permissions), counts the staff HR may read and fetches the page; `last_used_at` is written at
most once a minute, so at most one repeat pays for that UPDATE.
"""

from functools import partial

from lms.api.models import ApiToken
from lms.api.services import api_token_create

from .context import BenchContext, BenchmarkError

HR = "hr@relay.test"
TOKEN_NAME = "Bench: api_staff_list"  # noqa: S105 - a label, not a secret  # nosec B105
PATH = "/api/v1/staff?limit=100"


def api_staff_list(context: BenchContext):
    owner = context.user(HR)
    ApiToken.objects.filter(owner=owner, name=TOKEN_NAME).delete()
    _token, secret = api_token_create(owner=owner, name=TOKEN_NAME, scopes=["staff:read"])
    client = context.client()
    request = partial(client.get, PATH, HTTP_AUTHORIZATION=f"Bearer {secret}")
    first = request()
    if first.status_code != 200:
        raise BenchmarkError(f"GET {PATH} with HR's token returned {first.status_code}.")
    body = first.json()
    if not body["items"]:
        raise BenchmarkError(f"{HR} reads no staff through the API: was it seeded with seed_demo?")
    request.extra = {"staff_readable": body["count"], "items": len(body["items"])}
    return request

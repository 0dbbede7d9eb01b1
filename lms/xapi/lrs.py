"""A minimal xAPI 1.0.3 client for one Learning Record Store (standard library only).

`deliver(statements)` POSTs a batch to `<endpoint>/statements`; what the LRS says about each
statement comes back as an `Outcome`:

- 200/204: delivered. 409 on a single statement: delivered before (statement ids are
  deterministic, so a conflict is our own earlier copy).
- A batch refused as a whole (409, 400, 413, 422 or another statement-level 4xx) is split and
  each statement PUT on its own (`statements?statementId=<id>`, idempotent), so one bad or
  already-stored statement neither loses nor blocks the others.
- A single statement refused with a 4xx (other than 409 and those below) is refused for good.
- Connection errors, timeouts, redirects, 5xx, and 401/403/404/408/429 (the store's
  configuration or availability, not the statement) are retried later; `Retry-After` is kept.
"""

import base64
import email.utils
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

TRANSIENT_CLIENT_ERRORS = frozenset({401, 403, 404, 408, 425, 429})
MAX_ERROR_CHARS = 500


class Delivery(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    error: str = ""
    retry_after: float | None = None  # seconds the LRS asked us to wait


@dataclass(frozen=True)
class Response:
    status: int | None  # None: no HTTP answer (connection refused, timeout, bad URL)
    body: str = ""
    retry_after: float | None = None

    @property
    def error(self) -> str:
        if self.status is None:
            return self.body[:MAX_ERROR_CHARS]
        detail = " ".join(self.body.split())[:MAX_ERROR_CHARS]
        return f"HTTP {self.status}" + (f": {detail}" if detail else "")


def classify(status: int | None) -> Delivery | None:
    """What an HTTP status means for one statement; None for 409 (stored already)."""
    if status is None or status < 200 or 300 <= status < 400 or status >= 500:
        return Delivery.RETRY
    if status < 300:
        return Delivery.DELIVERED
    if status == 409:
        return None
    if status in TRANSIENT_CLIENT_ERRORS:
        return Delivery.RETRY
    return Delivery.REFUSED


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to retry later (and to fix in the settings), never followed:
    following a 302 would turn the POST into a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class LRSClient:
    def __init__(
        self,
        *,
        endpoint: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float | None = None,
    ):
        self.endpoint = (endpoint if endpoint is not None else settings.XAPI_LRS_ENDPOINT).rstrip(
            "/"
        )
        self.username = username if username is not None else settings.XAPI_LRS_USERNAME
        self.password = password if password is not None else settings.XAPI_LRS_PASSWORD
        self.timeout = timeout if timeout is not None else settings.XAPI_LRS_TIMEOUT
        self._opener = urllib.request.build_opener(_NoRedirects)

    # --- HTTP ---------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": "1.0.3",
            "Accept": "application/json",
        }
        if self.username or self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers

    def request(self, method: str, url: str, body: object) -> Response:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return Response(None, f"The LRS endpoint must be an http(s) URL, not {url!r}.")
        data = json.dumps(body, separators=(",", ":")).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, data=data, method=method, headers=self._headers()
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return Response(response.status, _read(response))
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, _read(error), _retry_after(error.headers))
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            return Response(None, f"No answer from the LRS: {reason}")

    # --- xAPI ---------------------------------------------------------------------------------

    def deliver(self, statements: Sequence[dict]) -> dict[str, Outcome]:
        """Send a batch; the outcome for each statement id."""
        if not statements:
            return {}
        if len(statements) == 1:
            return {statements[0]["id"]: self._single(statements[0], method="POST")}
        response = self.request("POST", f"{self.endpoint}/statements", list(statements))
        verdict = classify(response.status)
        if verdict == Delivery.DELIVERED:
            return {s["id"]: Outcome(Delivery.DELIVERED) for s in statements}
        if verdict == Delivery.RETRY:
            outcome = Outcome(Delivery.RETRY, response.error, response.retry_after)
            return dict.fromkeys((s["id"] for s in statements), outcome)
        # Refused as a whole: find out statement by statement.
        outcomes: dict[str, Outcome] = {}
        for position, statement in enumerate(statements):
            outcome = self._single(statement, method="PUT")
            outcomes[statement["id"]] = outcome
            if outcome.delivery == Delivery.RETRY:  # the store went away: the rest waits too
                for rest in statements[position + 1 :]:
                    outcomes[rest["id"]] = outcome
                break
        return outcomes

    def _single(self, statement: dict, *, method: str) -> Outcome:
        if method == "PUT":
            query = urllib.parse.urlencode({"statementId": statement["id"]})
            response = self.request("PUT", f"{self.endpoint}/statements?{query}", statement)
        else:
            response = self.request("POST", f"{self.endpoint}/statements", [statement])
        verdict = classify(response.status)
        if verdict is None:  # 409: this id is stored already
            return Outcome(Delivery.DELIVERED)
        if verdict == Delivery.DELIVERED:
            return Outcome(Delivery.DELIVERED)
        return Outcome(verdict, response.error, response.retry_after)


def _read(response) -> str:
    try:
        return response.read(4096).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""


def _retry_after(headers) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), if any."""
    value = (headers or {}).get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - timezone.now()).total_seconds())

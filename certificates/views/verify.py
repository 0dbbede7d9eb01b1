"""The public verification page a certificate's QR code leads to: `/verify/<public_id>/`.

Anyone may open it, signed in or not. It says what the credential is worth today (in the
holder's organisation's time zone) and shows only what a certificate itself shows: the holder's
name, the credential, its issuer, and its dates. Nothing else of the person (no email, no
employee number, no organisation) and nothing of credentials awaiting verification or rejected,
which are as unknown as an id that was never issued.

Its answers are:

- **Valid**: active; **Expiring**: still valid, its renewal window is open;
- **Expired**: past its expiry date (Relay's grace period is for renewing, not for practising);
- **Suspended** and **Revoked**, whatever the dates;
- **Renewed**: this certificate was replaced by a newer one, which the page names with its own
  status and links to: the credential is valid *through the renewal*, never through the
  superseded paper;
- **Not yet valid**: issued after today (a certificate dated ahead);
- unknown: a friendly 404 that says there is no credential with this id.

Fast and private by construction: one query (the credential, its holder's name, its
organisation's time zone and its renewal, if any, joined), a fixed-window rate limit per client
address kept in the cache, no session or `request.user` (so nothing of the signed-in machinery
runs), rendered without context processors, never cached by a browser or a proxy (a revocation
shows at once) and kept out of search engines.
"""

import datetime
import functools
import math
import time
import uuid
import zoneinfo
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from certificates.expiry import Status, status_on
from certificates.models import Credential, CredentialState, Verification

# A verifier scans one certificate, sometimes a few; 60 a minute from one address is generous
# for people and slow for anyone walking ids.
RATE_LIMIT = 60
RATE_WINDOW_SECONDS = 60
RATE_KEY = "verify-rate:{address}:{window}"

PUBLIC_VERIFICATION = (Verification.NOT_NEEDED, Verification.VERIFIED)

# Status on the day -> (CSS modifier of `.status`, the word the page shows).
ANSWERS: dict[Status, tuple[str, str]] = {
    Status.ACTIVE: ("active", "Valid"),
    Status.WINDOW: ("window", "Expiring"),
    Status.GRACE: ("expired", "Expired"),
    Status.EXPIRED: ("expired", "Expired"),
    Status.SUSPENDED: ("suspended", "Suspended"),
    Status.REVOKED: ("revoked", "Revoked"),
    Status.RENEWED: ("renewed", "Renewed"),
    Status.NOT_YET: ("not_yet", "Not yet valid"),
}

HEADERS = {
    # The status changes (a revocation must show at once): never stored by a browser or proxy.
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}

FIELDS = (
    "verification",
    "title",
    "issuer",
    "issued_on",
    "expires_on",
    "window_days",
    "grace_days",
    "state",
    "renewed_on",
    "holder__first_name",
    "holder__last_name",
    "organisation__time_zone",
    "renewal__public_id",
    "renewal__issued_on",
    "renewal__expires_on",
    "renewal__window_days",
    "renewal__grace_days",
    "renewal__state",
    "renewal__verification",
    "renewal__renewed_on",
)


@dataclass(frozen=True)
class Answer:
    status: Status
    key: str
    word: str

    @property
    def valid(self) -> bool:
        return self.status.valid


def long_date(day: datetime.date | None) -> str:
    """ "4 March 2027", as the certificate prints it ("" for none); what `|date:"j F Y"` gives
    in English, at a fraction of its cost."""
    return "" if day is None else f"{day.day} {MONTHS[day.month - 1]} {day.year}"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Renewal:
    public_id: uuid.UUID
    issued: str
    expires: str
    answer: Answer


@dataclass(frozen=True)
class Verified:
    """What the page shows of one credential."""

    public_id: uuid.UUID
    holder_name: str
    title: str
    issuer: str
    issued_on: datetime.date
    expires_on: datetime.date | None
    on: datetime.date
    answer: Answer
    renewal: Renewal | None

    # The dates as the page prints them.
    @property
    def issued(self) -> str:
        return long_date(self.issued_on)

    @property
    def expires(self) -> str:
        return long_date(self.expires_on)

    @property
    def today(self) -> str:
        return long_date(self.on)


def _answer(status: Status) -> Answer:
    key, word = ANSWERS[status]
    return Answer(status=status, key=key, word=word)


def _status(row: dict, prefix: str, on: datetime.date) -> Status:
    return status_on(
        on,
        issued_on=row[f"{prefix}issued_on"],
        expires_on=row[f"{prefix}expires_on"],
        window_days=row[f"{prefix}window_days"],
        grace_days=row[f"{prefix}grace_days"],
        suspended=row[f"{prefix}state"] == CredentialState.SUSPENDED,
        revoked=row[f"{prefix}state"] == CredentialState.REVOKED,
        renewed_on=row[f"{prefix}renewed_on"],
    )


# Any UUID: the lookup's SQL is compiled once with it, then run with the id asked for.
_SENTINEL = uuid.UUID(int=0)


@functools.cache
def _lookup_sql(vendor: str) -> tuple[str, list, int]:
    """The lookup's SQL and parameters, compiled by the ORM once per database vendor, and where
    the id goes among the parameters. Compiling the query costs more than running it, and the
    page's budget is twice the bare baseline page's time."""
    queryset = Credential.objects.filter(public_id=_SENTINEL).order_by().values_list(*FIELDS)[:1]
    sql, params = queryset.query.sql_with_params()
    sentinel = Credential._meta.get_field("public_id").get_db_prep_value(_SENTINEL, connection)
    return sql, list(params), list(params).index(sentinel)


def _row(public_id: uuid.UUID) -> dict | None:
    """The credential's row (`FIELDS`), or None. One query."""
    sql, params, at = _lookup_sql(connection.vendor)
    params = params.copy()
    params[at] = Credential._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else dict(zip(FIELDS, row, strict=True))


def _as_uuid(value) -> uuid.UUID:
    # A UUID from PostgreSQL, 32 hex digits from SQLite.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def verification_for(public_id: uuid.UUID, *, now: datetime.datetime | None = None):
    """The public view of the credential `public_id` on the organisation's today, or None when
    there is none to show (never issued, awaiting verification, or rejected). One query."""
    row = _row(public_id)
    if row is None or row["verification"] not in PUBLIC_VERIFICATION:
        return None
    zone = zoneinfo.ZoneInfo(row["organisation__time_zone"])
    on = timezone.localdate(now or timezone.now(), timezone=zone)
    renewal = None
    if row["renewal__public_id"] is not None and row["renewal__verification"] in (
        PUBLIC_VERIFICATION
    ):
        renewal = Renewal(
            public_id=_as_uuid(row["renewal__public_id"]),
            issued=long_date(row["renewal__issued_on"]),
            expires=long_date(row["renewal__expires_on"]),
            answer=_answer(_status(row, "renewal__", on)),
        )
    name = f"{row['holder__first_name']} {row['holder__last_name']}".strip()
    return Verified(
        public_id=public_id,
        holder_name=name,
        title=row["title"],
        issuer=row["issuer"],
        issued_on=row["issued_on"],
        expires_on=row["expires_on"],
        on=on,
        answer=_answer(_status(row, "", on)),
        renewal=renewal,
    )


def _client_address(request) -> str:
    # REMOTE_ADDR, as the audit log records it: behind the production proxy the server sets it
    # from the trusted forwarding header; a client-supplied X-Forwarded-For is never believed.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _retry_after(request) -> int | None:
    """Seconds until this address may ask again, or None while it is within the limit (a fixed
    window per address, counted in the cache)."""
    moment = time.time()
    window = int(moment // RATE_WINDOW_SECONDS)
    key = RATE_KEY.format(address=_client_address(request), window=window)
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
            count = 1
    if count <= RATE_LIMIT:
        return None
    return max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - moment))


def _page(template: str, context: dict, *, status: int = 200, headers=None) -> HttpResponse:
    # Rendered without the request: no context processors, so no session or user is read.
    return HttpResponse(
        render_to_string(template, context), status=status, headers={**HEADERS, **(headers or {})}
    )


@require_safe
def verify(request, public_id: str):
    """The public verification page (no sign-in)."""
    retry_after = _retry_after(request)
    if retry_after is not None:
        return _page(
            "certificates/verify/too_many.html",
            {"retry_after": retry_after},
            status=429,
            headers={"Retry-After": str(retry_after)},
        )
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        parsed = None
    verified = verification_for(parsed) if parsed is not None else None
    if verified is None:
        return _page("certificates/verify/unknown.html", {"public_id": public_id}, status=404)
    return _page("certificates/verify/page.html", {"credential": verified})

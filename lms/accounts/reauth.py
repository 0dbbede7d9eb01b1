"""Fresh re-authentication for signatures that need it (allauth records every sign-in and
re-authentication in the session, with its time)."""

import datetime
import time

from allauth.account.internal.flows.login import get_authentication_records

RELEASE_REAUTHENTICATION_SECONDS = 300


def recent_reauthentication(request, *, within: int = RELEASE_REAUTHENTICATION_SECONDS):
    """When the person last re-authenticated (password or second factor) in this session, if
    that was within `within` seconds; otherwise None. A plain sign-in does not count."""
    if not request.user.is_authenticated:
        return None
    records = [
        record
        for record in get_authentication_records(request, request.user)
        if record.get("reauthenticated")
    ]
    if not records:
        return None
    at = records[-1]["at"]
    if time.time() - at > within:
        return None
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC)

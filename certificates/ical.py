"""The private iCalendar feed (RFC 5545), written by hand: one all-day event per expiry date and
per renewal-window opening of a person's current credentials. Feeds and their tokens are
`certificates.services.calendar`'s."""

import datetime

from django.utils import timezone

from certificates.expiry import window_opens_on
from certificates.models import Credential

PRODID = "-//Relay//Credentials//EN"
UID_DOMAIN = "credentials.relay"


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued after CRLF and one space; never
    splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        limit = 75 if not out else 74  # a continuation line starts with the space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _event(
    *, uid: str, day: datetime.date, summary: str, description: str, stamp: str
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(day)}",
        f"DTEND;VALUE=DATE:{_date(day + datetime.timedelta(days=1))}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def calendar(*, name: str, credentials: list[Credential], now=None) -> str:
    """The feed: stable UIDs (the credential's public id and the kind of date), so an extended
    expiry moves the same event rather than adding one."""
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for credential in credentials:
        detail = f"{credential.title}, issued by {credential.issuer}"
        if credential.certificate_number:
            detail += f" (certificate {credential.certificate_number})"
        lines += _event(
            uid=f"{credential.public_id}-expiry@{UID_DOMAIN}",
            day=credential.expires_on,
            summary=f"{credential.title} expires",
            description=f"{detail}. Valid through the end of this day.",
            stamp=stamp,
        )
        opens = window_opens_on(credential.expires_on, credential.window_days)
        if opens is not None and opens != credential.expires_on:
            lines += _event(
                uid=f"{credential.public_id}-window@{UID_DOMAIN}",
                day=opens,
                summary=f"{credential.title}: renewal window opens",
                description=f"{detail}. Renewal can start today.",
                stamp=stamp,
            )
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

"""The check of a pasted or uploaded badge: each step passed, failed or not reached, with a
message a person can act on. `verify_token` never raises; a server error here is a bug.

The steps, in order (a step runs only when those it depends on passed):

1. **Format**: a compact VC-JWT that parses strictly (`jwt.parse`).
2. **Key**: the header's key id is one Relay published and has not retired.
3. **Signature**: the Ed25519 signature matches the header and payload.
4. **Contents**: an OpenBadgeCredential issued by Relay, with what Relay's badges always have.
5. **Dates**: valid from `validFrom` until `validUntil` (the end of the expiry day).
6. **Status**: not revoked and not suspended in Relay's own status lists.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from certificates.models import SigningKey

from . import jwt, keys, status
from .credential import TYPE

logger = logging.getLogger(__name__)

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"

STEPS = {
    "format": "Readable signed credential",
    "key": "Signed with a key Relay publishes",
    "signature": "Signature matches the contents",
    "contents": "An Open Badges 3.0 credential issued by Relay",
    "dates": "Within its validity period",
    "status": "Neither revoked nor suspended",
}


@dataclass
class Check:
    key: str
    label: str
    outcome: str = SKIPPED
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED

    def as_dict(self) -> dict:
        return {
            "check": self.key,
            "label": self.label,
            "outcome": self.outcome,
            "message": self.message,
        }


@dataclass
class Result:
    checks: list[Check] = field(default_factory=list)
    credential: dict | None = None

    @property
    def valid(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> Check | None:
        return next((check for check in self.checks if check.outcome == FAILED), None)

    @property
    def readable(self) -> bool:
        """False when the input was not a signed credential at all (bad input)."""
        return self.checks[0].passed

    def check(self, key: str) -> Check:
        return next(check for check in self.checks if check.key == key)

    def summary(self) -> dict:
        """What the credential says, for display once its signature is known to be Relay's."""
        if self.credential is None:
            return {}
        document = self.credential
        subject = document.get("credentialSubject") or {}
        achievement = subject.get("achievement") or {}
        issuer = document.get("issuer") or {}
        return {
            "id": document.get("id"),
            "name": achievement.get("name") or document.get("name"),
            "issuer": issuer.get("name") if isinstance(issuer, dict) else issuer,
            "original_issuer": (achievement.get("creator") or {}).get("name"),
            "valid_from": document.get("validFrom"),
            "valid_until": document.get("validUntil"),
        }

    def as_dict(self) -> dict:
        failed = self.failed
        return {
            "valid": self.valid,
            "failed_check": failed.key if failed else None,
            "message": failed.message if failed else "Valid: every check passed.",
            "checks": [check.as_dict() for check in self.checks],
            "credential": self.summary(),
        }


def _moment(value, name: str) -> datetime.datetime:
    if not isinstance(value, str):
        raise ValueError(f"“{name}” is missing or not a date-time.")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"“{name}” is not an ISO 8601 date-time: {value!r}.") from None
    if moment.tzinfo is None:
        raise ValueError(f"“{name}” has no time zone offset.")
    return moment


def _contents(document: dict) -> str | None:
    """Why the document is not one of Relay's badges, or None."""
    context = document.get("@context")
    if not isinstance(context, list) or context[:1] != ["https://www.w3.org/ns/credentials/v2"]:
        return "“@context” must start with the VC 2.0 context."
    types = document.get("type")
    if not isinstance(types, list) or not set(TYPE) <= set(types):
        return "“type” must include VerifiableCredential and OpenBadgeCredential."
    if not isinstance(document.get("id"), str) or not document["id"]:
        return "The credential has no id."
    issuer = document.get("issuer")
    if not isinstance(issuer, dict) or issuer.get("id") != status.issuer_id():
        return "The issuer is not Relay at this address."
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("achievement"), dict):
        return "The credential names no achievement."
    achievement = subject["achievement"]
    for name in ("id", "name", "criteria"):
        if not achievement.get(name):
            return f"The achievement has no “{name}”."
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return "The credential has no status list entry, so its revocation cannot be checked."
    if entry.get("statusListCredential") != status.list_url(status.REVOCATION):
        return "Its status list is not Relay's revocation list."
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not index.isdigit():
        return "Its status list index is not a whole number."
    for name in ("validFrom", "validUntil"):
        if name in document or name == "validFrom":
            try:
                _moment(document.get(name), name)
            except ValueError as error:
                return str(error)
    return None


def _day(moment: datetime.datetime) -> str:
    return f"{moment.day} {moment:%B %Y} (UTC{moment:%z})".replace("UTC+0000", "UTC")


def _dates(document: dict, now: datetime.datetime) -> tuple[bool, str]:
    valid_from = _moment(document["validFrom"], "validFrom")
    if now < valid_from:
        return False, f"Not valid yet: valid from {_day(valid_from)}."
    if "validUntil" in document:
        valid_until = _moment(document["validUntil"], "validUntil")
        if valid_until <= valid_from:
            return False, "It ends before it starts (validUntil is not after validFrom)."
        # validUntil is the first moment it is no longer valid: the day before is the last day.
        last_day = valid_until - datetime.timedelta(microseconds=1)
        if now >= valid_until:
            return False, f"Expired on {_day(last_day)}, at the end of that day."
        return True, f"Valid from {_day(valid_from)} through {_day(last_day)}."
    return True, f"Valid from {_day(valid_from)}; it does not expire."


def _status(document: dict) -> tuple[bool, str]:
    index = int(document["credentialStatus"]["statusListIndex"])
    for purpose, word in ((status.REVOCATION, "revoked"), (status.SUSPENSION, "suspended")):
        encoded = status.list_credential(purpose)["credentialSubject"]["encodedList"]
        bits = status.decode(encoded)
        try:
            is_set = status.bit(bits, index)
        except IndexError:
            return False, f"Index {index} is not in Relay's {purpose} list."
        if is_set:
            return False, f"This credential has been {word} by its issuer ({purpose} list)."
    return True, "Not revoked and not suspended in Relay's status lists."


def _run(raw: str, result: Result, now: datetime.datetime) -> None:
    steps = {check.key: check for check in result.checks}

    def fail(key: str, message: str) -> None:
        steps[key].outcome = FAILED
        steps[key].message = message

    def ok(key: str, message: str) -> None:
        steps[key].outcome = PASSED
        steps[key].message = message

    try:
        token = jwt.parse(raw)
    except jwt.TokenError as error:
        fail("format", error.message)
        return
    ok("format", "A compact VC-JWT signed with EdDSA.")

    kid = token.header["kid"]
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        fail("key", f"Signed with key id “{kid[:64]}”, which Relay has never published.")
        return
    if key.retired_at is not None:
        fail(
            "key",
            f"Signed with key {kid}, which Relay retired on {key.retired_at:%Y-%m-%d}."
            " Ask the holder to download the credential again.",
        )
        return
    ok("key", f"Key {kid}, published in Relay's JWK set.")

    if not jwt.signature_valid(token, keys.public_key(key)):
        fail(
            "signature",
            "The signature does not match the contents: the credential was altered after it"
            " was signed, or it was signed with another key.",
        )
        return
    ok("signature", "The contents are exactly what Relay signed.")

    document = token.payload
    result.credential = document
    problem = _contents(document)
    if problem:
        fail("contents", problem)
        return
    ok("contents", "An OpenBadgeCredential with its achievement, dates and status entry.")

    in_dates, message = _dates(document, now)
    (ok if in_dates else fail)("dates", message)

    in_force, message = _status(document)
    (ok if in_force else fail)("status", message)


def verify_token(raw, *, now=None) -> Result:
    """Every check of `raw` (text or bytes). Never raises."""
    result = Result(checks=[Check(key, label) for key, label in STEPS.items()])
    try:
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                result.checks[0].outcome = FAILED
                result.checks[
                    0
                ].message = "This file is not text: choose the .jwt file Relay gave you."
                return result
        _run(raw, result, now or timezone.now())
    except Exception:
        logger.exception("Badge check failed unexpectedly")
        pending = next((c for c in result.checks if c.outcome == SKIPPED), result.checks[-1])
        pending.outcome = FAILED
        pending.message = "Relay could not finish this check. Try again later."
    return result

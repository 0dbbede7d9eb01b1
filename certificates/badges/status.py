"""Bitstring Status Lists (W3C Bitstring Status List v1.0) that Relay publishes.

Two lists share one index per credential (`Credential.status_index`, allocated the first time
the credential is issued as a badge):

- **revocation**: bit i is 1 when the credential at index i is revoked (or was rejected). This
  is the list each credential's `credentialStatus` names, so any verifier sees revocation.
- **suspension**: bit i is 1 while that credential is suspended; reinstating clears it. The OB
  3.0 schema allows one `credentialStatus` object, so the credential names only the revocation
  list; Relay's own check reads both.

`encodedList` is the Multibase base64url form (prefix "u", no padding) of the GZIP-compressed
bitstring, at least 16 KB (131,072 entries) so one credential's bit says little about anyone;
bit 0 is the left-most bit of the first byte. Each list is served as a signed VC-JWT.
"""

import base64
import binascii
import gzip

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from certificates.models import Credential, CredentialState, Verification

from . import jwt, keys

MIN_BITS = 131_072
REVOCATION = "revocation"
SUSPENSION = "suspension"
PURPOSES = (REVOCATION, SUSPENSION)
CONTEXT = ["https://www.w3.org/ns/credentials/v2"]

_SET_WHEN = {
    REVOCATION: Q(state=CredentialState.REVOKED) | Q(verification=Verification.REJECTED),
    SUSPENSION: Q(state=CredentialState.SUSPENDED),
}


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def issuer_id() -> str:
    """The URI that identifies Relay as the issuer of its badges and lists."""
    return f"{site_url()}/"


def list_url(purpose: str) -> str:
    return site_url() + reverse("credentials:badge_status", args=[purpose])


def status_index_allocate(credential: Credential) -> int:
    """The credential's index in the lists, allocated once (the highest so far plus one). Two
    allocations racing for the same number: the unique constraint refuses one, which retries."""
    if credential.status_index is not None:
        return credential.status_index
    for _ in range(5):
        try:
            with transaction.atomic():
                locked = Credential.objects.select_for_update().get(pk=credential.pk)
                if locked.status_index is None:
                    highest = Credential.objects.aggregate(top=Max("status_index"))["top"]
                    locked.status_index = 0 if highest is None else highest + 1
                    locked.save(update_fields=["status_index"])
                credential.status_index = locked.status_index
                return locked.status_index
        except IntegrityError:
            continue
    raise RuntimeError("Could not allocate a status list index.")  # pragma: no cover


def set_indices(purpose: str) -> list[int]:
    return list(
        Credential.objects.filter(_SET_WHEN[purpose], status_index__isnull=False).values_list(
            "status_index", flat=True
        )
    )


def bitstring(indices: list[int]) -> bytes:
    """The bits, big-endian within each byte, padded to a multiple of `MIN_BITS`."""
    size = MIN_BITS
    if indices:
        size = max(size, -(-(max(indices) + 1) // MIN_BITS) * MIN_BITS)
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode(bits: bytes) -> str:
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList` (raises ValueError when it is not one)."""
    if not encoded.startswith("u"):
        raise ValueError("Not a multibase base64url value.")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, OSError, EOFError) as error:
        raise ValueError("Not a GZIP-compressed bitstring.") from error


def bit(bits: bytes, index: int) -> bool:
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_credential(purpose: str, *, now=None) -> dict:
    """The status list credential (unsigned JSON) as it stands now."""
    now = now or timezone.now()
    url = list_url(purpose)
    return {
        "@context": CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bitstring(set_indices(purpose))),
        },
    }


def list_jwt(purpose: str, *, now=None) -> str:
    """The list credential signed as a VC-JWT with the current key."""
    credential = list_credential(purpose, now=now)
    payload = {
        **credential,
        "iss": credential["issuer"],
        "jti": credential["id"],
        "nbf": int((now or timezone.now()).timestamp()),
    }
    return jwt.sign(payload, key=keys.current_key(now=now))


def entry(credential: Credential) -> dict:
    """The `credentialStatus` of a badge: its place in the revocation list."""
    index = status_index_allocate(credential)
    url = list_url(REVOCATION)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }

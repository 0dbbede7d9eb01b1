"""Compact JWS (RFC 7515) for VC-JWTs: signing with Ed25519 and strict parsing.

The choice (see `sign_credential`): the JWS payload is the credential JSON itself, as in
"Securing Verifiable Credentials using JOSE and COSE" (VC 2.0), with the header
`{"alg": "EdDSA", "kid": <thumbprint>, "typ": "vc+jwt", "cty": "vc"}`. For verifiers that still
read VC-JWT 1.1 / OB 3.0's registered claims, the payload also carries `iss` (issuer id), `jti`
(credential id), `nbf` (validFrom) and `exp` (validUntil, when it expires) as NumericDates;
they never contradict the credential because both are signed together.

Parsing is strict: three base64url segments without padding, JSON objects without duplicate
keys, `alg` exactly EdDSA (never `none`), no `crit`, a 64-byte signature. Every refusal is a
`TokenError` with a message a person can act on.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.models import SigningKey

from . import keys

TYPES = ("vc+jwt", "JWT", "vc+ld+json+jwt")
SEGMENT = re.compile(r"^[A-Za-z0-9_-]*$")
MAX_TOKEN_CHARS = 64 * 1024
SIGNATURE_BYTES = 64


class TokenError(ValueError):
    """A token that cannot be read; `message` says what is wrong with it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Token:
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes


def _json(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(payload: dict, *, key: SigningKey, typ: str = "vc+jwt") -> str:
    header = {"alg": keys.ALGORITHM, "kid": key.kid, "typ": typ, "cty": "vc"}
    signing_input = f"{keys.b64url(_json(header))}.{keys.b64url(_json(payload))}"
    signature = keys.private_key(key).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{keys.b64url(signature)}"


def _decode(segment: str, name: str) -> bytes:
    if not SEGMENT.match(segment):
        raise TokenError(
            f"The {name} contains characters that base64url does not use"
            " (padding “=”, “+”, “/” or spaces): the credential was altered or mangled in copying."
        )
    if len(segment) % 4 == 1:
        raise TokenError(f"The {name} is cut short: the credential looks truncated.")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the pattern above admits only valid
        raise TokenError(f"The {name} is not valid base64url.") from None


def _no_duplicates(pairs):
    seen = {}
    for name, value in pairs:
        if name in seen:
            raise TokenError(f"The JSON repeats the member “{name}”; a credential never does.")
        seen[name] = value
    return seen


def _object(raw: bytes, name: str) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenError(f"The {name} is not UTF-8 text: the credential was altered.") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise TokenError(
            f"The {name} is not valid JSON ({error.msg} at character {error.pos}):"
            " the credential is truncated or was altered."
        ) from None
    if not isinstance(value, dict):
        raise TokenError(f"The {name} is JSON but not an object.")
    return value


def parse(token: str) -> Token:
    """Split and decode a compact JWS, strictly. Raises `TokenError`."""
    token = token.strip()
    if not token:
        raise TokenError("Nothing to check: paste the credential or choose its file.")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("This is longer than any credential Relay issues (64 KB at most).")
    if token.startswith("{"):
        raise TokenError(
            "This is credential JSON without its signature. Only a signed credential"
            " (the .jwt file Relay gives you, three parts separated by dots) can be verified."
        )
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError(
            f"A signed credential has three parts separated by dots; this has {len(parts)}."
            + (" It looks truncated." if len(parts) < 3 else "")
        )
    header_b64, payload_b64, signature_b64 = parts
    for segment, name in ((header_b64, "header"), (payload_b64, "payload")):
        if not segment:
            raise TokenError(f"The {name} is empty: the credential looks truncated.")
    header = _object(_decode(header_b64, "header"), "header")
    if header.get("alg") != keys.ALGORITHM:
        raise TokenError(
            f"The header names the algorithm {header.get('alg')!r}; Relay signs with EdDSA only."
        )
    if "crit" in header:
        raise TokenError("The header has critical extensions Relay does not understand.")
    if header.get("typ", "JWT") not in TYPES:
        raise TokenError(f"The header's type {header.get('typ')!r} is not a VC-JWT.")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise TokenError("The header names no key id (kid), so the signer cannot be found.")
    payload = _object(_decode(payload_b64, "payload"), "payload")
    signature = _decode(signature_b64, "signature")
    if len(signature) != SIGNATURE_BYTES:
        raise TokenError(
            f"The signature is {len(signature)} bytes long; an Ed25519 signature is"
            f" {SIGNATURE_BYTES}. The credential looks truncated."
        )
    return Token(
        header=header,
        payload=payload,
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=signature,
    )


def signature_valid(token: Token, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(token.signature, token.signing_input)
    except InvalidSignature:
        return False
    return True

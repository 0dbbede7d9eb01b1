"""The Ed25519 keys Relay signs Open Badges credentials with.

- A key's `kid` is its JWK thumbprint (RFC 7638), so it names the key material itself.
- New credentials are signed with the newest key that is not retired (`current_key`).
- Rotation adds a key; older keys stay published in the JWK set, so every credential signed
  with them still verifies.
- Retiring a key withdraws it: it leaves the JWK set and Relay's own check refuses credentials
  signed with it ("signed with a retired key"). Retire a key when it may be compromised, or once
  every credential it signed has expired. A holder whose credential is still in force simply
  downloads it again: downloads are signed on demand with the current key.
- The first key is created when one is first needed; rotate with `manage.py badge_keys`.
"""

import base64
import hashlib
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certificates.models import SigningKey
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

ALGORITHM = "EdDSA"


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace (for
    an OKP key: crv, kty, x)."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk_of(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": ALGORITHM, "use": "sig"}


def key_create(*, now=None) -> SigningKey:
    """A new Ed25519 key; being the newest, it signs from now on."""
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk_of(private.public_key())
    pem = private.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    with transaction.atomic():
        key = SigningKey.objects.create(
            kid=jwk["kid"],
            algorithm=ALGORITHM,
            public_jwk=jwk,
            private_pem=pem,
            created_at=now or timezone.now(),
        )
        audit_record(action=AuditAction.KEY_ROTATED, target=f"signing_key:{key.kid}", now=now)
    return key


def key_rotate(*, now=None) -> SigningKey:
    """Rotation: a new current key. The others stay published (old credentials still verify)."""
    return key_create(now=now)


def key_retire(*, kid: str, now=None) -> SigningKey:
    """Withdraw a key: it leaves the JWK set and its credentials no longer verify. The last
    active key cannot be retired without a successor (rotate first)."""
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().filter(kid=kid).first()
        if key is None:
            raise ValidationError(f"No key with id {kid}.")
        if key.retired_at is not None:
            raise ValidationError(f"Key {kid} was already retired on {key.retired_at:%Y-%m-%d}.")
        if not SigningKey.objects.filter(retired_at__isnull=True).exclude(pk=key.pk).exists():
            raise ValidationError("This is the only active key: rotate first, then retire it.")
        key.retired_at = now or timezone.now()
        key.save(update_fields=["retired_at"])
        audit_record(action=AuditAction.KEY_RETIRED, target=f"signing_key:{key.kid}", now=now)
        return key


def current_key(*, now=None) -> SigningKey:
    """The newest key not retired (created on first use)."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk").first()
    return key if key is not None else key_create(now=now)


def active_keys() -> list[SigningKey]:
    return list(SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk"))


def jwks() -> dict:
    """The public JWK set: every key not retired, newest first."""
    return {"keys": [key.public_jwk for key in active_keys()]}


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(key.private_pem.encode("ascii"), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"Key {key.kid} is not an Ed25519 key.")
    return loaded


def public_key(key: SigningKey) -> Ed25519PublicKey:
    x = key.public_jwk["x"]
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))

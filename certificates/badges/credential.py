"""A held credential as an Open Badges 3.0 `OpenBadgeCredential` (VC 2.0 data model).

- `id` is `urn:uuid:<public_id>`: stable, and the same unguessable id the certificate and the
  public verification page use.
- `issuer` is Relay (its site URL) speaking for the holder's organisation, whose name it shows.
  For a credential earned elsewhere (an AHA card, say) the original issuer is the achievement's
  `creator`; Relay attests that its HR verified it.
- `validFrom` is the start of the issue date and `validUntil` the end of the expiry date
  (`expiry.valid_until`: the first moment it is no longer valid), both in the organisation's
  time zone with its offset, so the dates mean what the PDF says.
- The holder is identified by a salted SHA-256 of their email (an OB 3.0 `IdentityObject`),
  never the email itself: `sha256$` + hex(sha256(lowercased email + salt)), the salt being the
  credential's public id (hex) so the same person's badges do not share a hash.
- The achievement is aligned to the O*NET-SOC codes of the job roles the type is required for.
"""

import datetime
import hashlib
import uuid

from certificates.expiry import Status, valid_until
from certificates.models import (
    Credential,
    CredentialKind,
    CredentialState,
    JobRole,
    RequirementLevel,
    Verification,
)
from certificates.services.earning import credential_status

from . import jwt, keys, status

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
ONET_FRAMEWORK = "O*NET-SOC"
ONET_TARGET_TYPE = "ext:ONET-SOC"


def badge_available(credential: Credential, *, on: datetime.date) -> bool:
    """A badge is for a credential in force on `on`: earned in Relay or verified by HR, neither
    suspended nor revoked, not expired and not superseded by a renewal."""
    return (
        credential.verification in (Verification.NOT_NEEDED, Verification.VERIFIED)
        and credential.state == CredentialState.ACTIVE
        and credential_status(credential, on) in (Status.ACTIVE, Status.WINDOW)
    )


def _moment(value: datetime.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{status.site_url()}/{name}')}"


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def _criteria(credential: Credential) -> str:
    credential_type = credential.credential_type
    if credential.kind == CredentialKind.EARNED:
        requirements = [f"- {requirement}" for requirement in credential_type.requirements.all()]
        lines = [f"Earned in Relay by meeting every requirement of {credential_type.name}."]
        return "\n".join(lines + requirements)
    return (
        f"Earned with {credential.issuer} and verified by {credential.organisation.name}"
        " against the certificate the holder presented."
    )


def _alignments(credential: Credential) -> list[dict]:
    alignments = []
    roles = JobRole.objects.filter(
        credential_requirements__credential_type=credential.credential_type_id,
        credential_requirements__level=RequirementLevel.REQUIRED,
    )
    for role in roles:
        if not role.onet_soc_code:
            continue
        alignment = {
            "type": ["Alignment"],
            "targetName": role.name,
            "targetCode": role.onet_soc_code,
            "targetFramework": ONET_FRAMEWORK,
            "targetType": ONET_TARGET_TYPE,
            "targetUrl": f"https://www.onetonline.org/link/summary/{role.onet_soc_code}",
        }
        if not role.soc_verified:
            alignment["targetDescription"] = "A best-fit mapping, not an O*NET listing."
        alignments.append(alignment)
    return alignments


def build(credential: Credential) -> dict:
    """The unsigned OpenBadgeCredential of one credential (allocating its status index)."""
    organisation = credential.organisation
    zone = organisation.zone
    credential_type = credential.credential_type
    valid_from = datetime.datetime.combine(credential.issued_on, datetime.time(0), tzinfo=zone)
    salt = credential.public_id.hex
    achievement = {
        "id": _urn(f"achievements/{credential_type.slug}"),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": credential.title,
        "description": credential_type.description or f"{credential.title}, {credential.issuer}.",
        "criteria": {"narrative": _criteria(credential)},
        "creator": {
            "id": _urn(f"issuers/{credential.issuer}"),
            "type": ["Profile"],
            "name": credential.issuer,
        },
    }
    alignments = _alignments(credential)
    if alignments:
        achievement["alignment"] = alignments
    document = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{credential.public_id}",
        "type": TYPE,
        "name": credential.title,
        "issuer": {
            "id": status.issuer_id(),
            "type": ["Profile"],
            "name": organisation.name,
            "url": status.issuer_id(),
        },
        "validFrom": _moment(valid_from),
        "awardedDate": _moment(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(credential.holder.email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": status.entry(credential),
    }
    if credential.expires_on is not None:
        document["validUntil"] = _moment(valid_until(credential.expires_on, zone))
    if credential.certificate_number:
        document["credentialSubject"]["licenseNumber"] = credential.certificate_number
    return document


def _numeric_date(value: str) -> int:
    return int(datetime.datetime.fromisoformat(value).timestamp())


def jwt_claims(document: dict) -> dict:
    """The registered JWT claims mirroring the credential (see `jwt`'s module note)."""
    claims = {
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "nbf": _numeric_date(document["validFrom"]),
    }
    if "validUntil" in document:
        claims["exp"] = _numeric_date(document["validUntil"])
    return claims


def sign_credential(credential: Credential, *, now=None) -> str:
    """The signed badge (compact VC-JWT) with the current key."""
    document = build(credential)
    return jwt.sign({**document, **jwt_claims(document)}, key=keys.current_key(now=now))

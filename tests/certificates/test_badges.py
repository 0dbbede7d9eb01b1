"""Open Badges 3.0: the credential JSON against 1EdTech's schema, signing and every check of
the verify endpoint (each bad input names the failing check, never a server error), keys and
their rotation, the status lists, and the public endpoints."""

import base64
import datetime
import json
import uuid
import zoneinfo
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from jsonschema import Draft201909Validator, FormatChecker

from certificates.badges import credential as badge_credential
from certificates.badges import jwt, keys, status
from certificates.badges.verify import verify_token
from certificates.models import SigningKey
from certificates.services import lifecycle
from certificates.views import badges as badge_views
from tests.factories.certificates import (
    CredentialTypeFactory,
    JobRoleFactory,
    record_external,
    require,
    verify,
)

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json").read_text()
)
DENVER = zoneinfo.ZoneInfo("America/Denver")
ISSUED = datetime.date(2026, 1, 15)
EXPIRES = datetime.date(2028, 1, 15)
# A moment the credential above is in force.
DURING = datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC)


def held(city, *, issued_on=ISSUED, expires_on=EXPIRES):
    """A verified external credential of the department's learner, aligned to a job role."""
    credential_type = CredentialTypeFactory(description="Adult, child and infant CPR and AED.")
    require(JobRoleFactory(name="Community responder", onet_soc_code="21-1094.00"), credential_type)
    credential = record_external(
        holder=city.user("learner"),
        credential_type=credential_type,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    verify(credential=credential, actor=city.user("hr"))
    credential.refresh_from_db()
    return credential


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def payload_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def foreign_key(kid: str) -> SigningKey:
    """An unsaved key with the given id whose private key is not Relay's."""
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return SigningKey(kid=kid, public_jwk={}, private_pem=pem)


# --- The credential JSON ------------------------------------------------------------------------


def test_credential_validates_against_the_open_badges_3_schema(city):
    credential = held(city)
    document = badge_credential.build(credential)
    validator = Draft201909Validator(SCHEMA, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join(error.message for error in errors[:5])
    # The signed payload (the credential with its JWT claims) validates too.
    token = badge_credential.sign_credential(credential)
    validator.validate(payload_of(token))

    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"urn:uuid:{credential.public_id}"
    assert document["issuer"]["name"] == city.department.name
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == credential.title
    assert achievement["creator"]["name"] == "American Heart Association"
    assert [(a["targetCode"], a["targetFramework"]) for a in achievement["alignment"]] == [
        ("21-1094.00", "O*NET-SOC")
    ]
    identity = document["credentialSubject"]["identifier"][0]
    assert "learner@relay.test" not in json.dumps(document)
    assert identity["identityHash"] == badge_credential.identity_hash(
        "learner@relay.test", identity["salt"]
    )
    assert document["credentialStatus"]["statusListIndex"] == str(credential.status_index)


def test_an_invalid_document_fails_the_schema(city):
    """The vendored schema is not a rubber stamp."""
    document = badge_credential.build(held(city))
    del document["credentialSubject"]["achievement"]["criteria"]
    document["type"] = ["VerifiableCredential"]
    assert len(list(Draft201909Validator(SCHEMA).iter_errors(document))) >= 2


def test_valid_from_and_until_are_whole_days_in_denver(city):
    credential = held(city, issued_on=ISSUED, expires_on=datetime.date(2027, 7, 4))
    document = badge_credential.build(credential)
    assert document["validFrom"] == "2026-01-15T00:00:00-07:00"
    # The end of 4 July 2027 in Denver (daylight time): the first moment it is not valid.
    assert document["validUntil"] == "2027-07-05T00:00:00-06:00"
    winter = badge_credential.build(held(city, expires_on=EXPIRES))
    assert winter["validUntil"] == "2028-01-16T00:00:00-07:00"
    last_moment = datetime.datetime(2028, 1, 15, 23, 59, 59, tzinfo=DENVER)
    winter_credential = type(credential).objects.get(
        public_id=winter["id"].removeprefix("urn:uuid:")
    )
    token = badge_credential.sign_credential(winter_credential)
    assert verify_token(token, now=last_moment).valid
    assert not verify_token(token, now=last_moment + datetime.timedelta(seconds=1)).valid


def test_status_indices_are_allocated_once_in_order(city):
    first, second = held(city), held(city)
    badge_credential.build(first)
    badge_credential.build(second)
    badge_credential.build(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status_index == first.status_index + 1


# --- Signing and checking -----------------------------------------------------------------------


def test_sign_then_verify(city):
    token = badge_credential.sign_credential(held(city))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": keys.current_key().kid, "typ": "vc+jwt", "cty": "vc"}
    assert "=" not in token
    result = verify_token(token, now=DURING)
    assert result.valid, result.as_dict()
    assert [check.outcome for check in result.checks] == ["passed"] * 6
    claims = payload_of(token)
    assert claims["jti"].startswith("urn:uuid:")
    assert claims["exp"] == int(datetime.datetime(2028, 1, 16, tzinfo=DENVER).timestamp())


def _tampered(token: str) -> str:
    header, _payload, signature = token.split(".")
    document = payload_of(token)
    document["credentialSubject"]["achievement"]["name"] = "Paramedic"
    return f"{header}.{b64(document)}.{signature}"


def _resigned_by_stranger(token: str) -> str:
    return jwt.sign(payload_of(token), key=foreign_key(keys.current_key().kid))


def _unknown_kid(token: str) -> str:
    return jwt.sign(payload_of(token), key=foreign_key("not-a-relay-key"))


BAD = [
    ("tampered payload", _tampered, "signature", "altered"),
    ("signed with another key", _resigned_by_stranger, "signature", "another key"),
    ("unknown key id", _unknown_kid, "key", "never published"),
    ("truncated signature", lambda t: t[:-10], "format", "truncated"),
    ("truncated in the payload", lambda t: t[: len(t) // 2], "format", "three parts"),
    (
        "payload cut short",
        lambda t: ".".join([t.split(".")[0], t.split(".")[1][:41], "x" * 86]),
        "format",
        "truncated",
    ),
    ("garbage", lambda t: "hello, world", "format", "three parts"),
    ("garbage in three parts", lambda t: "a.b.c", "format", ""),
    ("padding", lambda t: t + "==", "format", "base64url"),
    (
        "credential JSON without signature",
        lambda t: json.dumps(payload_of(t)),
        "format",
        "without its signature",
    ),
    (
        "alg none",
        lambda t: b64({"alg": "none", "kid": "x"}) + "." + t.split(".")[1] + ".",
        "format",
        "EdDSA",
    ),
    ("empty", lambda t: "   ", "format", "Nothing to check"),
    ("binary", lambda t: b"\xff\xfe\x00", "format", "not text"),
]


@pytest.mark.parametrize(("case", "mangle", "failed", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_failing_check(city, case, mangle, failed, words):
    token = badge_credential.sign_credential(held(city))
    result = verify_token(mangle(token), now=DURING)
    assert not result.valid
    assert result.failed.key == failed, result.as_dict()
    assert words in result.failed.message
    # Nothing after the failing check is claimed.
    after = result.checks[[c.key for c in result.checks].index(failed) + 1 :]
    assert all(check.outcome == "skipped" for check in after)


def test_expired_says_when(city):
    token = badge_credential.sign_credential(held(city))
    result = verify_token(token, now=datetime.datetime(2028, 2, 1, tzinfo=datetime.UTC))
    assert result.failed.key == "dates"
    assert result.failed.message.startswith("Expired on 15 January 2028")
    assert result.check("status").passed  # each independent check still reported


def test_not_yet_valid(city):
    token = badge_credential.sign_credential(held(city))
    result = verify_token(token, now=datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC))
    assert result.failed.key == "dates"
    assert "Not valid yet" in result.failed.message


def test_revoked_after_credential_revoke(city):
    credential = held(city)
    token = badge_credential.sign_credential(credential)
    assert verify_token(token, now=DURING).valid
    lifecycle.credential_revoke(
        actor=city.user("hr"),
        credential=credential,
        reason="Card withdrawn by AHA",
        request_key=uuid.uuid4(),
    )
    result = verify_token(token, now=DURING)
    assert result.failed.key == "status"
    assert "revoked" in result.failed.message


def test_suspended_then_reinstated(city):
    credential = held(city)
    token = badge_credential.sign_credential(credential)
    lifecycle.credential_suspend(
        actor=city.user("hr"),
        credential=credential,
        reason="Under review",
        request_key=uuid.uuid4(),
    )
    result = verify_token(token, now=DURING)
    assert (result.failed.key, "suspended" in result.failed.message) == ("status", True)
    lifecycle.credential_reinstate(
        actor=city.user("hr"), credential=credential, reason="Cleared", request_key=uuid.uuid4()
    )
    assert verify_token(token, now=DURING).valid


def test_verify_never_raises(city, monkeypatch):
    token = badge_credential.sign_credential(held(city))

    def broken(document):
        raise RuntimeError("bug")

    monkeypatch.setattr("certificates.badges.verify._status", broken)
    result = verify_token(token, now=DURING)
    assert not result.valid
    assert result.failed.key == "status"


# --- Keys ---------------------------------------------------------------------------------------


def test_thumbprint_matches_rfc_8037_example():
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert keys.jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_rotation_keeps_old_credentials_and_retirement_withdraws_them(city):
    credential = held(city)
    old_key = keys.current_key()
    old_token = badge_credential.sign_credential(credential)
    new_key = keys.key_rotate()
    new_token = badge_credential.sign_credential(credential)

    assert (
        json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_key.kid
    )
    assert verify_token(old_token, now=DURING).valid
    assert verify_token(new_token, now=DURING).valid
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new_key.kid, old_key.kid]

    keys.key_retire(kid=old_key.kid)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new_key.kid]
    result = verify_token(old_token, now=DURING)
    assert result.failed.key == "key"
    assert "retired" in result.failed.message
    assert verify_token(new_token, now=DURING).valid


def test_the_last_key_cannot_be_retired(db):
    from django.core.exceptions import ValidationError

    key = keys.current_key()
    with pytest.raises(ValidationError, match="rotate first"):
        keys.key_retire(kid=key.kid)


def test_badge_keys_command(db, capsys):
    call_command("badge_keys", "--rotate")
    call_command("badge_keys", "--rotate")
    first, second = SigningKey.objects.order_by("created_at", "pk")
    call_command("badge_keys", "--retire", first.kid)
    call_command("badge_keys", "--list")
    out = capsys.readouterr().out
    assert f"{second.kid}  EdDSA" in out
    assert "retired" in out


def test_jwks_endpoint_lists_the_public_keys(db):
    key = keys.current_key()
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    (published,) = response.json()["keys"]
    assert published == {**key.public_jwk, "kid": keys.jwk_thumbprint(published)}
    assert (published["kty"], published["crv"], published["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in published


# --- Status lists -------------------------------------------------------------------------------


def test_status_list_bit_flips_on_revocation(city):
    credential = held(city)
    badge_credential.build(credential)
    credential.refresh_from_db()
    url = reverse("credentials:badge_status", args=["revocation"])

    def bit_now() -> bool:
        listed = Client().get(url, {"format": "json"}).json()
        assert listed["credentialSubject"]["statusPurpose"] == "revocation"
        bits = status.decode(listed["credentialSubject"]["encodedList"])
        assert len(bits) * 8 >= 131_072
        return status.bit(bits, credential.status_index)

    assert bit_now() is False
    lifecycle.credential_revoke(
        actor=city.user("hr"), credential=credential, reason="Withdrawn", request_key=uuid.uuid4()
    )
    assert bit_now() is True


def test_status_list_is_served_as_a_signed_vc_jwt(db):
    response = Client().get(reverse("credentials:badge_status", args=["suspension"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = jwt.parse(response.content.decode())
    assert jwt.signature_valid(token, keys.public_key(keys.current_key()))
    assert token.payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert Client().get("/credentials/status/other/").status_code == 404


# --- The pages ----------------------------------------------------------------------------------


def test_holder_downloads_the_badge(city, client_for):
    today = city.department.today()
    credential = held(
        city,
        issued_on=today - datetime.timedelta(days=30),
        expires_on=today.replace(year=today.year + 2),
    )
    url = reverse("credentials:badge_download", args=[credential.public_id])
    response = client_for("learner").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Content-Disposition"].endswith('.jwt"')
    assert verify_token(response.content).valid
    assert client_for("hr").get(url).status_code == 404
    page = client_for("learner").get(reverse("credentials:detail", args=[credential.public_id]))
    assert url in page.content.decode()


def test_no_badge_for_a_credential_not_in_force(city, client_for):
    pending = record_external(holder=city.user("learner"))
    url = reverse("credentials:badge_download", args=[pending.public_id])
    response = client_for("learner").get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("credentials:detail", args=[pending.public_id])


def test_check_page_pasted_and_uploaded(city):
    token = badge_credential.sign_credential(
        held(city, issued_on=city.department.today(), expires_on=None)
    )
    client = Client()
    assert client.get(reverse("credentials:badge_check")).status_code == 200
    pasted = client.post(reverse("credentials:badge_check"), {"credential": token})
    assert pasted.status_code == 200
    assert "every check passed" in pasted.content.decode()
    uploaded = client.post(
        reverse("credentials:badge_check"),
        {"file": SimpleUploadedFile("badge.jwt", token.encode(), "application/vc+jwt")},
    )
    assert "every check passed" in uploaded.content.decode()
    tampered = client.post(reverse("credentials:badge_check"), {"credential": _tampered(token)})
    assert tampered.status_code == 200
    assert "Signature matches the contents: failed" in tampered.content.decode()


def test_check_api_answers_json(city):
    token = badge_credential.sign_credential(held(city, issued_on=city.department.today()))
    url = reverse("credentials:badge_check") + "?format=json"
    client = Client()
    good = client.post(url, token, content_type="application/vc+jwt")
    assert (good.status_code, good.json()["valid"]) == (200, True)
    bad = client.post(url, {"credential": token[:-5]})
    assert bad.status_code == 400
    assert (bad.json()["failed_check"], bad.json()["valid"]) == ("format", False)
    empty = client.post(url, {}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400
    assert empty.json()["errors"] == ["Nothing to check: paste the credential or choose its file."]


def test_oversized_body_is_refused(db):
    url = reverse("credentials:badge_check")
    big = "x" * (70 * 1024)
    assert Client().post(url, {"credential": big}).status_code == 413
    response = Client().post(url + "?format=json", {"credential": big})
    assert response.status_code == 413
    assert "64 KB" in response.json()["errors"][0]


def test_rate_limit_per_address(db, monkeypatch):
    monkeypatch.setattr(badge_views, "CHECK_RATE_LIMIT", 3)
    url = reverse("credentials:badge_check")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.post(url, {"credential": "junk"}).status_code == 400
    limited = client.post(url, {"credential": "junk"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Too many checks" in limited.content.decode()
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert other.post(url, {"credential": "junk"}).status_code == 400

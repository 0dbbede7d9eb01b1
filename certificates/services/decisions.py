"""Signed, hash-chained credential decisions (STYLE.md §5): issue, verification, rejection,
suspension, reinstatement, revocation, extension and renewal. The hashing is the sign-off
chain's (`courses.services.signoff`), so both chains are canonicalised the same way."""

import datetime
import json
import uuid
from collections.abc import Iterator

from django.db import transaction

from certificates.models import Credential, CredentialDecision, DecisionChainHead, DecisionKind
from courses.services.signoff import (
    GENESIS_HASH,
    ChainProblem,
    canonical,
    lock_chain_head,
    record_hash,
    sha256,
)
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

_PG_LOCK_KEY = 7_261_903

STATEMENTS: dict[str, tuple[int, str]] = {
    DecisionKind.ISSUED: (
        1,
        "Relay issued this credential because every requirement recorded with it was met.",
    ),
    DecisionKind.RECORDED: (
        1,
        "I hold this credential, and the evidence I attached is a true copy of my certificate.",
    ),
    DecisionKind.VERIFIED: (
        1,
        "I have checked the evidence against the issuer's record and verify this credential.",
    ),
    DecisionKind.REJECTED: (1, "I could not verify this credential, for the reason given."),
    DecisionKind.SUSPENDED: (1, "I suspend this credential, for the reason given."),
    DecisionKind.REINSTATED: (1, "I reinstate this suspended credential, for the reason given."),
    DecisionKind.REVOKED: (1, "I revoke this credential, for the reason given."),
    DecisionKind.EXTENDED: (
        1,
        "I extend this credential's expiry to the date shown, for the reason given.",
    ),
    DecisionKind.RENEWED: (
        1,
        "This credential renews the previous instance named, whose renewal requirement was met.",
    ),
}

RELAY_ACTOR = "Relay (automatic)"


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _envelope(row: dict) -> dict:
    return {
        key: _value(row[key])
        for key in (
            "sequence",
            "credential_id",
            "kind",
            "actor_id",
            "actor_name",
            "actor_role",
            "decided_at",
            "time_zone",
            "statement_version",
            "statement",
            "reason",
            "request_key",
            "payload",
        )
    }


def credential_payload(credential: Credential) -> dict:
    """The content of a credential that a decision is taken on."""
    return json.loads(
        canonical(
            {
                key: _value(getattr(credential, key))
                for key in (
                    "public_id",
                    "holder_id",
                    "organisation_id",
                    "credential_type_id",
                    "kind",
                    "title",
                    "issuer",
                    "issued_on",
                    "expires_on",
                    "certificate_number",
                    "evidence_sha256",
                    "verification",
                    "state",
                    "previous_id",
                )
            }
            | {"earned_against": credential.earned_against}
        )
    )


def decision_append(
    *,
    credential: Credential,
    kind: str,
    actor,
    actor_role: str,
    decided_at: datetime.datetime,
    request_key: uuid.UUID,
    reason: str = "",
    extra: dict | None = None,
    request=None,
) -> CredentialDecision:
    """Append one decision, inside the caller's transaction, after the credential is saved as
    decided. `actor` None means Relay itself (automatic issue and renewal).

    A person's decision (recording, verifying, rejecting, suspending, reinstating, revoking,
    extending) also writes a `CREDENTIAL_DECIDED` audit row in the same transaction: the
    decision, the credential's type and holder, the capacity, what changed (`extra`) and the
    decision's hashes, so the audit log points into this chain. The reason's text and the
    evidence stay here. Relay's own automatic issues and renewals are not person actions and
    are recorded only in this chain (a certificate batch does not flood the audit log)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("decision_append must run inside the deciding service's transaction.")
    version, statement = STATEMENTS[kind]
    extra = {key: _value(value) for key, value in (extra or {}).items()}
    payload = credential_payload(credential) | json.loads(canonical(extra))
    head = lock_chain_head(
        DecisionChainHead, CredentialDecision, lock_key=_PG_LOCK_KEY, name="credential decision"
    )
    row = {
        "sequence": head.last_sequence + 1,
        "credential_id": credential.pk,
        "kind": str(kind),
        "actor_id": actor.pk if actor else None,
        "actor_name": (actor.get_full_name() or actor.email) if actor else RELAY_ACTOR,
        "actor_role": actor_role,
        "decided_at": decided_at,
        "time_zone": credential.organisation.time_zone,
        "statement_version": version,
        "statement": statement,
        "reason": reason,
        "request_key": request_key,
        "payload": payload,
    }
    content_hash = sha256(canonical(_envelope(row)))
    decision = CredentialDecision.objects.create(
        **row,
        content_hash=content_hash,
        previous_hash=head.last_hash,
        record_hash=record_hash(head.last_hash, content_hash),
    )
    head.last_sequence = decision.sequence
    head.last_hash = decision.record_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    if actor is not None:
        audit_record(
            action=AuditAction.CREDENTIAL_DECIDED,
            actor=actor,
            organisation=credential.organisation,
            request=request,
            target=f"credential:{credential.pk}",
            data={
                "decision": decision.kind,
                "credential": str(credential.public_id),
                "credential_type": credential.credential_type_id,
                "title": credential.title,
                "holder": credential.holder_id,
                "capacity": actor_role,
                "reason_given": bool(reason),
                **({"changed": extra} if extra else {}),
                "sequence": decision.sequence,
                "content_hash": content_hash,
                "record_hash": decision.record_hash,
            },
            now=decided_at,
        )
    return decision


def decisions_verify_chain(*, batch_size: int = 2000) -> Iterator[ChainProblem]:
    """Every break in the decision chain, walking it in bounded memory."""
    previous_hash = GENESIS_HASH
    expected = 1
    last = 0
    fields = [
        "sequence",
        "credential_id",
        "kind",
        "actor_id",
        "actor_name",
        "actor_role",
        "decided_at",
        "time_zone",
        "statement_version",
        "statement",
        "reason",
        "request_key",
        "payload",
        "content_hash",
        "previous_hash",
        "record_hash",
    ]
    while True:
        batch = list(
            CredentialDecision.objects.filter(sequence__gt=last)
            .order_by("sequence")
            .values(*fields)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            for missing in range(expected, row["sequence"]):
                yield ChainProblem(missing, "removed: the chain has no decision here")
            if row["previous_hash"] != previous_hash:
                yield ChainProblem(row["sequence"], "its link to the decision before it is broken")
            if sha256(canonical(_envelope(row))) != row["content_hash"]:
                yield ChainProblem(
                    row["sequence"], "altered: the decision no longer matches its hash"
                )
            elif record_hash(row["previous_hash"], row["content_hash"]) != row["record_hash"]:
                yield ChainProblem(row["sequence"], "altered: its chain hash was rewritten")
            previous_hash = row["record_hash"]
            expected = row["sequence"] + 1
            last = row["sequence"]
    head = DecisionChainHead.objects.order_by("pk").first()
    for missing in range(expected, (head.last_sequence if head else 0) + 1):
        yield ChainProblem(missing, "removed: the chain ends before its last decision")

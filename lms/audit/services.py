"""Writing and verifying the audit chain."""

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditAction, AuditEvent

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_261_901  # one advisory lock serialises appends on PostgreSQL


def canonical_payload(
    *, occurred_at, action, actor_id, actor_label, organisation_id, ip_address, target, data
) -> bytes:
    """The exact bytes a record's hash covers: sorted-key JSON with no spacing."""
    body = {
        # In UTC, as the database gives it back: a time given in a local zone (a decision's
        # own time, say) must hash the same when the chain is verified.
        "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(),
        "action": action,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "organisation_id": organisation_id,
        "ip_address": ip_address,
        "target": target,
        "data": data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(previous_hash: str, payload: bytes) -> str:
    return hashlib.sha256(previous_hash.encode() + payload).hexdigest()


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_chain_lock() -> None:
    """Hold the audit chain's append lock until the transaction ends (PostgreSQL; SQLite has one
    writer anyway). A service that locks another hash chain and then writes an audit row takes
    this one first, so every transaction takes the locks in one order (audit, then the other
    chain) and two of them cannot deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def audit_record(
    *,
    action: AuditAction,
    actor=None,
    organisation=None,
    request=None,
    target: str = "",
    data: dict | None = None,
    now=None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one."""
    occurred_at = (now or timezone.now()).astimezone(datetime.UTC)
    actor = actor if actor is not None and actor.is_authenticated else None
    fields = {
        "occurred_at": occurred_at,
        "action": str(action),
        "actor_id": actor.pk if actor else None,
        "actor_label": actor.email if actor else "",
        "organisation_id": organisation.pk if organisation else None,
        "ip_address": client_ip(request),
        "target": target[:200],
        "data": json.loads(json.dumps(data or {}, default=str)),
    }
    with transaction.atomic():
        audit_chain_lock()
        last = AuditEvent.objects.order_by("-id").values_list("record_hash", flat=True).first()
        previous = last or GENESIS_HASH
        return AuditEvent.objects.create(
            **fields,
            previous_hash=previous,
            record_hash=chain_hash(previous, canonical_payload(**fields)),
        )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def audit_verify_chain(*, batch_size: int = 2000) -> Iterator[ChainBreak]:
    """Walk the chain in id order, in bounded memory, yielding every break found."""
    previous = GENESIS_HASH
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size].values())
        if not batch:
            return
        for row in batch:
            payload = canonical_payload(
                occurred_at=row["occurred_at"],
                action=row["action"],
                actor_id=row["actor_id"],
                actor_label=row["actor_label"],
                organisation_id=row["organisation_id"],
                ip_address=row["ip_address"],
                target=row["target"],
                data=row["data"],
            )
            if row["previous_hash"] != previous:
                yield ChainBreak(row["id"], "previous hash does not match the record before it")
            if row["record_hash"] != chain_hash(row["previous_hash"], payload):
                yield ChainBreak(row["id"], "record content does not match its hash")
            previous = row["record_hash"]
            last_id = row["id"]

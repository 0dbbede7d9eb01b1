"""Tamper-evident signatures (STYLE.md §5).

Every signature is one `Signoff` row: who signed (name and role at the time), in what capacity,
the exact versioned statement, the canonical content of what was signed (`payload`), a hash over
all of it and the hash of the signature before it. `signoff_verify_chain` walks the chain in
bounded memory and re-reads every signed record, so a row changed or removed directly in the
database is named.
"""

import datetime
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from courses.models import (
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffChainHead,
    SignoffKind,
    TaskObservation,
)
from lms.audit.models import AuditAction
from lms.audit.services import audit_chain_lock, audit_record

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_261_902

# The statements people attest, versioned: a new wording is a new version, and every signature
# keeps the text it was given.
STATEMENTS: dict[str, tuple[int, str]] = {
    SignoffKind.TASK: (
        1,
        "I observed this trainee perform this task on the date shown, and my rating of the "
        "performance against the task's standard is true.",
    ),
    SignoffKind.REPORT: (
        1,
        "This Daily Observation Report is my true and complete evaluation of the trainee's "
        "performance on this shift.",
    ),
    SignoffKind.REPORT_ACKNOWLEDGEMENT: (
        1,
        "I have read this Daily Observation Report. My signature means I have received it, "
        "not that I agree with it.",
    ),
    SignoffKind.PHASE_RECOMMENDATION: (
        1,
        "The trainee has performed every task of this phase to the standard, and I recommend "
        "that they advance.",
    ),
    SignoffKind.PHASE_APPROVAL: (
        1,
        "I have reviewed the trainee's record for this phase and approve the end of the phase.",
    ),
    SignoffKind.PHASE_EXTENSION: (
        1,
        "I extend this phase of the trainee's field training for the reason given.",
    ),
    SignoffKind.RELEASE: (
        1,
        "I have reviewed the trainee's complete field training record and release them to solo "
        "duty in this position.",
    ),
}


# What a signature's `subject_id` names, by kind (the audit row's subject).
SUBJECT_KINDS: dict[str, str] = {
    SignoffKind.TASK: "task_observation",
    SignoffKind.REPORT: "observation_report",
    SignoffKind.REPORT_ACKNOWLEDGEMENT: "observation_report",
    SignoffKind.PHASE_RECOMMENDATION: "field_training",
    SignoffKind.PHASE_APPROVAL: "field_training",
    SignoffKind.PHASE_EXTENSION: "phase_extension",
    SignoffKind.RELEASE: "field_training",
}


# --- Canonical forms -------------------------------------------------------------------------


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _plain(row: dict) -> dict:
    return {key: _value(value) for key, value in row.items()}


def canonical(data) -> bytes:
    """The exact bytes a hash covers: sorted-key JSON, no spacing, ASCII only."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TASK_FIELDS = (
    "id",
    "training_id",
    "trainee_id",
    "fto_id",
    "task_id",
    "task_number",
    "task_title",
    "phase_index",
    "observed_on",
    "context",
    "satisfactory",
    "ride_along_id",
    "notes",
    "supersedes_id",
    "correction_reason",
)
_REPORT_FIELDS = (
    "id",
    "training_id",
    "trainee_id",
    "fto_id",
    "ride_along_id",
    "number",
    "shift_date",
    "phase_index",
    "phase_name",
    "most_satisfactory",
    "least_satisfactory",
    "comments",
    "supersedes_id",
    "correction_reason",
)
_RATING_FIELDS = (
    "report_id",
    "position",
    "category_id",
    "category_name",
    "rating",
    "not_observed",
    "not_responding",
    "remedial_minutes",
    "narrative",
)
_EXTENSION_FIELDS = ("id", "training_id", "phase_index", "days", "reason", "granted_by_id")


def subject_payloads(kind: str, ids: Iterable[int]) -> dict[int, dict]:
    """The canonical content of the signed records of one kind, by id, read from the tables
    (a constant number of queries per call). Kinds whose content lives only in the signature
    (acknowledgements, phase decisions, release) have none."""
    ids = list(ids)
    if not ids:
        return {}
    if kind == SignoffKind.TASK:
        rows = TaskObservation.objects.filter(pk__in=ids).values(*_TASK_FIELDS)
        return {row["id"]: _plain(row) for row in rows}
    if kind == SignoffKind.REPORT:
        reports = {
            row["id"]: _plain(row)
            for row in ObservationReport.objects.filter(pk__in=ids).values(*_REPORT_FIELDS)
        }
        ratings = defaultdict(list)
        for row in (
            ObservationRating.objects.filter(report_id__in=ids)
            .order_by("report_id", "position")
            .values(*_RATING_FIELDS)
        ):
            ratings[row.pop("report_id")].append(_plain(row))
        shifts = {
            row["id"]: _plain(row)
            for row in RideAlong.objects.filter(
                pk__in=[r["ride_along_id"] for r in reports.values()]
            ).values("id", "started_at", "ended_at", "unit")
        }
        for report_id, report in reports.items():
            report["ratings"] = ratings.get(report_id, [])
            report["shift"] = shifts.get(report["ride_along_id"])
        return reports
    if kind == SignoffKind.PHASE_EXTENSION:
        rows = PhaseExtension.objects.filter(pk__in=ids).values(*_EXTENSION_FIELDS)
        return {row["id"]: _plain(row) for row in rows}
    return {}


def _envelope(row: dict) -> dict:
    """Everything a signature's content hash covers, from a `Signoff.values()` row."""
    return _plain(
        {
            "sequence": row["sequence"],
            "kind": row["kind"],
            "training_id": row["training_id"],
            "trainee_id": row["trainee_id"],
            "organisation_id": row["organisation_id"],
            "subject_id": row["subject_id"],
            "phase_index": row["phase_index"],
            "signer_id": row["signer_id"],
            "signer_name": row["signer_name"],
            "signer_role": row["signer_role"],
            "qualifying_credential": row["qualifying_credential"],
            "signed_at": row["signed_at"],
            "time_zone": row["time_zone"],
            "statement_version": row["statement_version"],
            "statement": row["statement"],
            "comment": row["comment"],
            "reauthenticated_at": row["reauthenticated_at"],
            "supersedes_id": row["supersedes_id"],
            "request_key": row["request_key"],
            "payload": row["payload"],
        }
    )


def record_hash(previous_hash: str, content_hash: str) -> str:
    return sha256(f"{previous_hash}:{content_hash}".encode())


# --- Appending -------------------------------------------------------------------------------


def lock_chain_head(head_model, record_model, *, lock_key: int, name: str):
    """The locked head row of a hash chain (created with the genesis hash for an empty chain):
    appends hold it until they commit, so a chain never forks. On PostgreSQL an advisory lock
    comes first, so even the very first append is serialised; before it, the audit chain's lock
    (each append writes an audit row, and one lock order means no deadlock between a sign-off
    that then issues a credential and a credential decision)."""
    audit_chain_lock()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key])
    head = head_model.objects.select_for_update().order_by("pk").first()
    if head is None:
        if record_model.objects.exists():
            raise ValidationError(f"The {name} chain has lost its head record; verify it.")
        head = head_model.objects.create(last_sequence=0, last_hash=GENESIS_HASH)
    return head


def signoff_append(
    *,
    kind: str,
    training,
    subject_id: int,
    signer,
    signer_role: str,
    signed_at: datetime.datetime,
    request_key: uuid.UUID,
    phase_index: int | None = None,
    qualifying_credential: str = "",
    comment: str = "",
    reauthenticated_at: datetime.datetime | None = None,
    supersedes: Signoff | None = None,
    payload: dict | None = None,
    request=None,
) -> Signoff:
    """Append one signature to the chain. Call inside the service's transaction, after the
    signed record is saved: its content is read back from the tables, exactly as the verifier
    will read it. `payload` is the content for kinds without a record of their own.

    A `SIGNOFF_RECORDED` audit row goes with it (the signer, the trainee's organisation, the
    request's address when there is one): what was signed, in what capacity, and the
    signature's content and chain hashes, so the audit log points into this chain. The signed
    content itself (notes, narratives) stays out of the audit log."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("signoff_append must run inside the signing service's transaction.")
    version, statement = STATEMENTS[kind]
    if payload is None:
        payload = subject_payloads(kind, [subject_id])[subject_id]
    payload = json.loads(canonical(payload))
    head = lock_chain_head(SignoffChainHead, Signoff, lock_key=_PG_LOCK_KEY, name="sign-off")
    row = {
        "sequence": head.last_sequence + 1,
        "kind": str(kind),
        "training_id": training.pk,
        "trainee_id": training.trainee_id,
        "organisation_id": training.organisation_id,
        "subject_id": subject_id,
        "phase_index": phase_index,
        "signer_id": signer.pk,
        "signer_name": signer.get_full_name() or signer.email,
        "signer_role": signer_role,
        "qualifying_credential": qualifying_credential,
        "signed_at": signed_at,
        "time_zone": training.organisation.time_zone,
        "statement_version": version,
        "statement": statement,
        "comment": comment,
        "reauthenticated_at": reauthenticated_at,
        "supersedes_id": supersedes.pk if supersedes else None,
        "request_key": request_key,
        "payload": payload,
    }
    content_hash = sha256(canonical(_envelope(row)))
    signoff = Signoff.objects.create(
        **row,
        content_hash=content_hash,
        previous_hash=head.last_hash,
        record_hash=record_hash(head.last_hash, content_hash),
    )
    head.last_sequence = signoff.sequence
    head.last_hash = signoff.record_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    audit_record(
        action=AuditAction.SIGNOFF_RECORDED,
        actor=signer,
        organisation=training.organisation,
        request=request,
        target=f"signoff:{signoff.pk}",
        data={
            "kind": signoff.kind,
            "subject": f"{SUBJECT_KINDS[signoff.kind]}:{subject_id}",
            "field_training": training.pk,
            "trainee": training.trainee_id,
            "phase_index": phase_index,
            "capacity": signer_role,
            "qualifying_credential": qualifying_credential,
            "statement_version": version,
            "sequence": signoff.sequence,
            "supersedes": supersedes.sequence if supersedes else None,
            "content_hash": content_hash,
            "record_hash": signoff.record_hash,
        },
        now=signed_at,
    )
    return signoff


# --- Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"sign-off #{self.sequence}: {self.reason}"


@dataclass
class ChainReport:
    checked: int
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        return not self.problems


_SIGNOFF_FIELDS = (
    "id",
    "sequence",
    "kind",
    "training_id",
    "trainee_id",
    "organisation_id",
    "subject_id",
    "phase_index",
    "signer_id",
    "signer_name",
    "signer_role",
    "qualifying_credential",
    "signed_at",
    "time_zone",
    "statement_version",
    "statement",
    "comment",
    "reauthenticated_at",
    "supersedes_id",
    "request_key",
    "payload",
    "content_hash",
    "previous_hash",
    "record_hash",
)


def signoff_verify_chain(*, batch_size: int = 2000) -> Iterator[ChainProblem]:
    """Every problem in the chain, in sequence order, reading `batch_size` signatures (and the
    records they signed) at a time: a signature or a signed record changed after signing, a
    signature removed (a gap, the end of the chain short of its head, or the head itself), a
    broken link, or rows past the head that `signoff_append` did not write."""
    previous_hash = GENESIS_HASH
    expected = 1
    last_sequence = 0
    while True:
        batch = list(
            Signoff.objects.filter(sequence__gt=last_sequence)
            .order_by("sequence")
            .values(*_SIGNOFF_FIELDS)[:batch_size]
        )
        if not batch:
            # Signatures appended while we walked commit with the head: read them too, rather
            # than report them as removed.
            head = SignoffChainHead.objects.order_by("pk").first()
            if head is None or head.last_sequence <= last_sequence:
                break
            if not Signoff.objects.filter(sequence__gt=last_sequence).exists():
                break
            continue
        by_kind = defaultdict(list)
        for row in batch:
            by_kind[row["kind"]].append(row["subject_id"])
        subjects = {kind: subject_payloads(kind, ids) for kind, ids in by_kind.items()}
        for row in batch:
            sequence = row["sequence"]
            if sequence != expected:
                for missing in range(expected, sequence):
                    yield ChainProblem(missing, "removed: the chain has no signature here")
            if row["previous_hash"] != previous_hash:
                yield ChainProblem(sequence, "its link to the signature before it is broken")
            if sha256(canonical(_envelope(row))) != row["content_hash"]:
                yield ChainProblem(sequence, "altered: the signature no longer matches its hash")
            elif record_hash(row["previous_hash"], row["content_hash"]) != row["record_hash"]:
                yield ChainProblem(sequence, "altered: its chain hash was rewritten")
            if row["kind"] in (SignoffKind.TASK, SignoffKind.REPORT, SignoffKind.PHASE_EXTENSION):
                current = subjects[row["kind"]].get(row["subject_id"])
                if current is None:
                    yield ChainProblem(sequence, "the signed record has been removed")
                elif json.loads(canonical(current)) != row["payload"]:
                    yield ChainProblem(
                        sequence, "altered: the signed record was changed after signing"
                    )
            previous_hash = row["record_hash"]
            expected = sequence + 1
            last_sequence = sequence
    if head is None:
        if last_sequence:
            yield ChainProblem(last_sequence, "removed: the chain head record is missing")
        return
    for missing in range(expected, head.last_sequence + 1):
        yield ChainProblem(missing, "removed: the chain ends before its last signature")
    if head.last_sequence == last_sequence and head.last_hash != previous_hash:
        yield ChainProblem(last_sequence, "the chain head does not match the last signature")
    elif head.last_sequence < last_sequence:
        # Rows past the head were not appended by `signoff_append` (or the head was rewound).
        yield ChainProblem(
            last_sequence, f"added: the chain runs past its head (#{head.last_sequence})"
        )


def signoff_chain_report(*, batch_size: int = 2000) -> ChainReport:
    """The verification as one result, for the administrators' page."""
    problems = list(signoff_verify_chain(batch_size=batch_size))
    return ChainReport(checked=Signoff.objects.count(), problems=problems)

"""The sign-off chain stands up later (STYLE.md §5): `verify_signoffs` names every signature or
signed record changed or removed directly in the database, concurrent signing never forks the
chain or doubles a signature, and a failure part-way through signing leaves nothing behind."""

import datetime
import io
import re
import sqlite3
import threading
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F

from courses.models import (
    FieldTraining,
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffChainHead,
    SignoffKind,
    TaskObservation,
)
from courses.services import field as services
from courses.services.signoff import (
    _SIGNOFF_FIELDS,
    _envelope,
    canonical,
    record_hash,
    sha256,
    signoff_verify_chain,
)
from lms.accounts.models import User
from tests.factories.field import observe, ratings_for, report, shift, start

PROBLEM_LINE = re.compile(r"^sign-off #(\d+)\b(.*)$")


def verify(*, batch_size: int = 2000) -> tuple[bool, str, dict[int, list[str]]]:
    """Run `verify_signoffs`: (exited 0, its output, the problem lines by sequence)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_signoffs", batch_size=batch_size, stdout=out, stderr=err)
        ok = True
    except CommandError as error:
        ok = False
        out.write(str(error))
    problems: dict[int, list[str]] = {}
    for line in err.getvalue().splitlines():
        match = PROBLEM_LINE.match(line)
        assert match, line
        problems.setdefault(int(match[1]), []).append(match[2])
    return ok, out.getvalue(), problems


def sequence_of(kind: str, subject_id: int) -> int:
    return Signoff.objects.get(kind=kind, subject_id=subject_id).sequence


@pytest.fixture
def training(city):
    return start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)


def _task_ids(training) -> list[str]:
    return [task["id"] for phase in training.spec["phases"] for task in phase["tasks"]]


@pytest.fixture
def chain(city, training) -> dict:
    """Seven signatures of every kind that signs a record: two task observations, a DOR and its
    acknowledgement, a phase extension, and two more observations."""
    first_task, second_task, *_ = _task_ids(training)
    first = observe(training, first_task, days_ago=3)
    second = observe(training, second_task, days_ago=2)
    dor = report(training, ride=shift(training, days_ago=2))
    services.report_acknowledge(
        trainee=city.learner.user, report=dor, comment="Read it.", request_key=uuid.uuid4()
    )
    extension = services.phase_extend(
        supervisor=city.supervisor.user,
        training=training,
        days=10,
        reason="Two NRT ratings in radio communication; remedial plan agreed.",
        request_key=uuid.uuid4(),
    )
    third = observe(training, first_task, days_ago=1)
    fourth = observe(training, second_task, days_ago=1)
    return {
        "first": first,
        "second": second,
        "dor": dor,
        "extension": extension,
        "third": third,
        "fourth": fourth,
    }


def test_an_intact_chain_verifies(chain):
    ok, output, problems = verify()

    assert ok
    assert problems == {}
    assert "7 signatures checked, chain intact." in output
    assert list(signoff_verify_chain(batch_size=2)) == []


def test_verification_reads_in_batches_and_still_names_every_problem(chain):
    TaskObservation.objects.filter(pk=chain["second"].pk).update(satisfactory=False)
    PhaseExtension.objects.filter(pk=chain["extension"].pk).update(reason="Shortened.")

    ok, _, problems = verify(batch_size=2)

    assert not ok
    assert set(problems) == {
        sequence_of(SignoffKind.TASK, chain["second"].pk),
        sequence_of(SignoffKind.PHASE_EXTENSION, chain["extension"].pk),
    }


# --- A signed record changed -------------------------------------------------------------------


def _observation_satisfactory(chain):
    TaskObservation.objects.filter(pk=chain["second"].pk).update(satisfactory=False)
    return SignoffKind.TASK, chain["second"].pk


def _observation_date(chain):
    TaskObservation.objects.filter(pk=chain["first"].pk).update(
        observed_on=F("observed_on") - datetime.timedelta(days=30)
    )
    return SignoffKind.TASK, chain["first"].pk


def _rating(chain):
    ObservationRating.objects.filter(report=chain["dor"], position=1).update(rating=7)
    return SignoffKind.REPORT, chain["dor"].pk


def _shift_end(chain):
    RideAlong.objects.filter(pk=chain["dor"].ride_along_id).update(
        ended_at=F("ended_at") + datetime.timedelta(hours=2)
    )
    return SignoffKind.REPORT, chain["dor"].pk


def _extension_reason(chain):
    PhaseExtension.objects.filter(pk=chain["extension"].pk).update(reason="Trainee asked.")
    return SignoffKind.PHASE_EXTENSION, chain["extension"].pk


@pytest.mark.parametrize(
    "change",
    [_observation_satisfactory, _observation_date, _rating, _shift_end, _extension_reason],
    ids=["observation-satisfactory", "observation-date", "rating", "shift-end", "extension"],
)
def test_a_signed_record_changed_in_the_database_is_named(chain, change):
    kind, subject_id = change(chain)
    sequence = sequence_of(kind, subject_id)

    ok, output, problems = verify()

    assert not ok
    assert "1 problem(s) in the sign-off chain (7 signatures checked)" in output
    assert list(problems) == [sequence]
    [line] = problems[sequence]
    assert f"signature {Signoff.objects.get(sequence=sequence).pk}" in line
    assert f" {subject_id}): altered: the signed record was changed after signing" in line


# --- A signature changed or removed ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"signer_name": "Someone Else"},
        {"signed_at": F("signed_at") - datetime.timedelta(days=1)},
        {"comment": "Added later."},
    ],
    ids=["signer-name", "signed-at", "comment"],
)
def test_a_signature_changed_in_the_database_is_named(chain, changes):
    sequence = sequence_of(SignoffKind.TASK, chain["second"].pk)
    Signoff.objects.filter(sequence=sequence).update(**changes)

    ok, _, problems = verify()

    assert not ok
    assert problems == {
        sequence: [
            f" (Task performance, signature {Signoff.objects.get(sequence=sequence).pk}, task "
            f"observation {chain['second'].pk}): altered: the signature no longer matches its hash"
        ]
    }


def test_a_signed_payload_rewritten_to_match_a_changed_record_is_still_named(chain):
    observation = chain["first"]
    sequence = sequence_of(SignoffKind.TASK, observation.pk)
    TaskObservation.objects.filter(pk=observation.pk).update(satisfactory=False)
    signature = Signoff.objects.get(sequence=sequence)
    Signoff.objects.filter(pk=signature.pk).update(
        payload={**signature.payload, "satisfactory": False}
    )

    ok, _, problems = verify()

    assert not ok
    assert list(problems) == [sequence]
    assert [line.split(": ", 1)[1] for line in problems[sequence]] == [
        "altered: the signature no longer matches its hash"
    ]


def test_a_payload_changed_alone_is_named_twice_for_its_signature_and_its_record(chain):
    sequence = sequence_of(SignoffKind.REPORT, chain["dor"].pk)
    signature = Signoff.objects.get(sequence=sequence)
    Signoff.objects.filter(pk=signature.pk).update(payload={**signature.payload, "comments": "x"})

    ok, _, problems = verify()

    assert not ok
    assert [line.split(": ", 1)[1] for line in problems[sequence]] == [
        "altered: the signature no longer matches its hash",
        "altered: the signed record was changed after signing",
    ]
    assert list(problems) == [sequence]


def test_a_signature_rewritten_with_consistent_hashes_is_caught_by_the_next_link(chain):
    sequence = sequence_of(SignoffKind.TASK, chain["second"].pk)
    row = Signoff.objects.filter(sequence=sequence).values(*_SIGNOFF_FIELDS).get()
    row["signer_name"] = "Forged Name"
    content_hash = sha256(canonical(_envelope(row)))
    Signoff.objects.filter(sequence=sequence).update(
        signer_name="Forged Name",
        content_hash=content_hash,
        record_hash=record_hash(row["previous_hash"], content_hash),
    )

    ok, _, problems = verify()

    assert not ok
    assert list(problems) == [sequence + 1]
    assert problems[sequence + 1][0].endswith("its link to the signature before it is broken")


def test_the_last_signature_rewritten_with_consistent_hashes_is_caught_by_the_head(chain):
    last = Signoff.objects.order_by("sequence").last()
    row = Signoff.objects.filter(pk=last.pk).values(*_SIGNOFF_FIELDS).get()
    row["comment"] = "Forged."
    content_hash = sha256(canonical(_envelope(row)))
    Signoff.objects.filter(pk=last.pk).update(
        comment="Forged.",
        content_hash=content_hash,
        record_hash=record_hash(row["previous_hash"], content_hash),
    )

    _, _, problems = verify()

    assert problems == {
        last.sequence: [
            f" (Task performance, signature {last.pk}, task observation {last.subject_id}): "
            "the chain head does not match the last signature"
        ]
    }


def test_a_signature_removed_from_the_middle_is_named(chain):
    sequence = sequence_of(SignoffKind.TASK, chain["second"].pk)
    Signoff.objects.filter(sequence=sequence).delete()

    ok, output, problems = verify()

    assert not ok
    assert "6 signatures checked" in output
    assert list(problems) == [sequence, sequence + 1]
    assert problems[sequence] == [": removed: the chain has no signature here"]
    [link] = problems[sequence + 1]
    assert link.endswith("its link to the signature before it is broken")


def test_the_last_signature_removed_is_named(chain):
    last = Signoff.objects.order_by("sequence").last()
    Signoff.objects.filter(pk=last.pk).delete()

    ok, _, problems = verify()

    assert not ok
    assert problems == {last.sequence: [": removed: the chain ends before its last signature"]}


def test_the_chain_head_removed_is_named(chain):
    SignoffChainHead.objects.all().delete()

    ok, _, problems = verify()

    assert not ok
    assert list(problems) == [Signoff.objects.count()]
    assert problems[Signoff.objects.count()][0].endswith("the chain head record is missing")


def test_several_changes_at_once_are_all_named(chain):
    changed_observation = sequence_of(SignoffKind.TASK, chain["second"].pk)
    rated = sequence_of(SignoffKind.REPORT, chain["dor"].pk)
    acknowledged = sequence_of(SignoffKind.REPORT_ACKNOWLEDGEMENT, chain["dor"].pk)
    extended = sequence_of(SignoffKind.PHASE_EXTENSION, chain["extension"].pk)
    redated = sequence_of(SignoffKind.TASK, chain["third"].pk)
    last = sequence_of(SignoffKind.TASK, chain["fourth"].pk)
    TaskObservation.objects.filter(pk=chain["second"].pk).update(satisfactory=False)
    ObservationRating.objects.filter(report=chain["dor"], position=0).update(rating=1)
    TaskObservation.objects.filter(pk=chain["third"].pk).update(
        observed_on=F("observed_on") + datetime.timedelta(days=1)
    )
    Signoff.objects.filter(sequence__in=[acknowledged, last]).delete()

    ok, output, problems = verify()

    assert not ok
    assert {
        sequence: [line.split(": ", 1)[1] for line in lines] for sequence, lines in problems.items()
    } == {
        changed_observation: ["altered: the signed record was changed after signing"],
        rated: ["altered: the signed record was changed after signing"],
        acknowledged: ["removed: the chain has no signature here"],
        extended: ["its link to the signature before it is broken"],
        redated: ["altered: the signed record was changed after signing"],
        last: ["removed: the chain ends before its last signature"],
    }
    assert "6 problem(s) in the sign-off chain (5 signatures checked)" in output


def test_a_signature_inserted_past_the_head_is_named(chain):
    last = Signoff.objects.order_by("sequence").values(*_SIGNOFF_FIELDS).last()
    row = {**last, "sequence": last["sequence"] + 1, "request_key": uuid.uuid4()}
    row["comment"] = "Slipped in."
    row["kind"] = SignoffKind.PHASE_RECOMMENDATION
    row["payload"] = {"note": "not through the service"}
    content_hash = sha256(canonical(_envelope(row)))
    del row["id"]
    Signoff.objects.bulk_create(
        [
            Signoff(
                **{
                    **row,
                    "previous_hash": last["record_hash"],
                    "content_hash": content_hash,
                    "record_hash": record_hash(last["record_hash"], content_hash),
                }
            )
        ]
    )

    ok, _, problems = verify()

    assert not ok
    assert list(problems) == [last["sequence"] + 1]
    assert "added: the chain runs past its head (#7)" in problems[last["sequence"] + 1][0]


# --- Concurrency ---------------------------------------------------------------------------------

THREADS = 16


def _in_threads(work, count: int = THREADS) -> tuple[list, list[BaseException]]:
    """Run `work(n)` in `count` threads released together; each closes its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = work(n)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def writers_database(transactional_db, tmp_path):
    """A database that concurrent writers can share as they do in production.

    PostgreSQL's test database already is one. SQLite's is in memory with a shared cache, where
    a second writer fails at once ("database table is locked") instead of queueing on the busy
    timeout as it does on the WAL file the settings configure; so the test runs on a file copy
    of it (schema and migration data), opened with the same options, for every thread."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    memory = connections[DEFAULT_DB_ALIAS]  # stays open: closing it would drop the database
    memory.ensure_connection()
    path = tmp_path / "writers.sqlite3"
    copy = sqlite3.connect(path)
    memory.connection.backup(copy)
    copy.close()
    original = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = {**original, "NAME": str(path)}
    connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections.settings[DEFAULT_DB_ALIAS] = original
        connections[DEFAULT_DB_ALIAS] = memory


def _sign(training_id: int, fto_id: int, task_id: str, request_key: uuid.UUID) -> int:
    training = FieldTraining.objects.select_related("organisation").get(pk=training_id)
    return services.task_observation_sign(
        fto=User.objects.get(pk=fto_id),
        training=training,
        task_id=task_id,
        observed_on=training.organisation.today() - datetime.timedelta(days=1),
        context="ride_along",
        satisfactory=True,
        request_key=request_key,
    ).pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_concurrent_submissions_of_one_sign_off_make_one_record(writers_database, city):
    training = start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)
    key = uuid.uuid4()
    task_id = _task_ids(training)[0]

    results, errors = _in_threads(
        lambda n: _sign(training.pk, training.primary_fto_id, task_id, key)
    )

    assert errors == []
    observation = TaskObservation.objects.get()
    assert results == [observation.pk] * THREADS
    signature = Signoff.objects.get()
    assert (signature.sequence, signature.subject_id) == (1, observation.pk)
    assert list(signoff_verify_chain()) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_concurrent_sign_offs_make_one_unbroken_chain(writers_database, city):
    training = start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)
    task_ids = _task_ids(training)

    results, errors = _in_threads(
        lambda n: _sign(
            training.pk, training.primary_fto_id, task_ids[n % len(task_ids)], uuid.uuid4()
        )
    )

    assert errors == []
    assert len(set(results)) == THREADS
    signatures = list(Signoff.objects.order_by("sequence"))
    assert [s.sequence for s in signatures] == list(range(1, THREADS + 1))
    assert sorted(s.subject_id for s in signatures) == sorted(results)
    # No fork: every signature links to the one before it, and to no other.
    previous = [s.previous_hash for s in signatures]
    assert previous == ["0" * 64] + [s.record_hash for s in signatures[:-1]]
    head = SignoffChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (THREADS, signatures[-1].record_hash)
    ok, output, problems = verify()
    assert ok, problems
    assert f"{THREADS} signatures checked, chain intact." in output


# --- A failure part-way through signing leaves nothing ---------------------------------------


def _head() -> tuple[int, str]:
    head = SignoffChainHead.objects.get()
    return head.last_sequence, head.last_hash


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_after_the_report_rows_are_written_leaves_no_report(training, monkeypatch):
    observe(training, _task_ids(training)[0])
    ride = shift(training)
    head_before = _head()
    written = {}

    def fail(**kwargs):
        written["ratings"] = ObservationRating.objects.filter(
            report_id=kwargs["subject_id"]
        ).count()
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "signoff_append", fail)
    with pytest.raises(RuntimeError, match="disk is full"):
        services.report_submit(
            fto=training.primary_fto,
            training=training,
            ride_along=ride,
            ratings=ratings_for(training),
            most_satisfactory="Calm with an agitated man.",
            least_satisfactory="Late on the radio.",
            request_key=uuid.uuid4(),
        )

    assert written == {"ratings": 3}  # the failure came after the report and its ratings
    assert not ObservationReport.objects.exists()
    assert not ObservationRating.objects.exists()
    assert Signoff.objects.count() == 1
    assert _head() == head_before
    assert list(signoff_verify_chain()) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_after_the_signature_is_written_leaves_no_signature(training, monkeypatch):
    observe(training, _task_ids(training)[0])
    head_before = _head()

    def fail(self, *args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(SignoffChainHead, "save", fail)
    with pytest.raises(RuntimeError, match="connection lost"):
        observe(training, _task_ids(training)[1])
    monkeypatch.undo()

    assert TaskObservation.objects.count() == 1
    assert Signoff.objects.count() == 1
    assert _head() == head_before
    assert list(signoff_verify_chain()) == []

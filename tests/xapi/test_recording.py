"""Every learning event recorded by the services becomes exactly one valid statement, in the
service's own transaction; recording it again changes nothing."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from courses.models import ObservationReport, QuizAttempt, Signoff, TaskObservation
from lms.xapi import statements as xs
from lms.xapi.models import Statement, StatementStatus
from lms.xapi.services import (
    statement_record,
    statement_record_observation_report,
    statement_record_quiz_attempt,
)
from scenarios.models import ScenarioAttempt
from tests.xapi.conformance import check_statement
from tests.xapi.history import build_history

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"
EXPECTED_STEPS = [
    ("sections viewed", {}),
    ("quiz failed", {"quiz_attempt": 1}),
    ("quiz passed", {"quiz_attempt": 1, "module_completion": 1}),
    ("scenario played", {"scenario_attempt": 1, "module_completion": 1, "program_completion": 1}),
    ("field training started", {}),
    ("DOR written", {"observation_report": 1}),
    ("task signed", {"task_observation": 1}),
    ("task sign-off corrected", {"task_observation": 1}),
    ("phase 1 tasks", {"task_observation": 4}),
    ("phase 1 recommended", {}),
    ("phase 1 approved", {"phase_approval": 1}),
    ("phase 2 tasks", {"task_observation": 2}),
    ("phase 2 recommended", {}),
    ("phase 2 approved", {"phase_approval": 1}),
    ("released", {"field_release": 1, "module_completion": 1}),
]


def test_the_services_record_one_valid_statement_per_event(city, settings, no_lrs):
    """One history (building it is slow), every check on it."""
    settings.SITE_URL = BASE
    history = build_history(city)
    check_steps(history)
    check_every_statement(city)
    check_quiz_attempts(city, history)
    check_scenario_attempt(history)
    check_completions(history)
    check_field_statements(city, history)
    check_recording_again_changes_nothing()


def _payload(source: str) -> dict:
    return Statement.objects.get(source=source).payload


def _ext(name: str) -> str:
    return f"{BASE}/xapi/extensions/{name}"


def check_steps(history):
    assert [(name, dict(added)) for name, added in history.steps] == EXPECTED_STEPS


def check_every_statement(city):
    learner = city.user("learner")
    rows = list(Statement.objects.all())
    assert len(rows) == 19
    for row in rows:
        check_statement(row.payload)
        assert row.payload["id"] == str(row.id)
        assert row.id == xs.statement_uuid(base_url=BASE, source=row.source)
        assert row.actor_id == learner.pk
        assert row.payload["actor"]["account"] == {"homePage": BASE, "name": str(learner.pk)}
        assert "mbox" not in row.payload["actor"]
        assert learner.email not in str(row.payload)
        assert row.verb == row.payload["verb"]["id"]
        assert row.object_id == row.payload["object"]["id"]
        assert row.object_id.startswith(f"{BASE}/xapi/activities/")
        assert row.status == StatementStatus.PENDING
        assert row.next_attempt_at is not None


def check_quiz_attempts(city, history):
    failed, passed = QuizAttempt.objects.order_by("number")
    for attempt, verb, scaled in ((failed, xs.FAILED, 0.0), (passed, xs.PASSED, 1.0)):
        statement = _payload(f"quiz_attempt:{attempt.pk}")
        assert statement["verb"] == {"id": verb.id, "display": {"en-US": verb.display}}
        assert statement["object"]["id"] == (
            f"{BASE}/xapi/activities/module/{history.skills.pk}/knowledge-check"
        )
        assert statement["result"]["score"] == {
            "scaled": scaled,
            "raw": int(scaled * 100),
            "min": 0,
            "max": 100,
        }
        assert statement["result"]["success"] is (verb == xs.PASSED)
        context = statement["context"]
        assert context["contextActivities"]["parent"][0]["id"].endswith(
            f"/module/{history.skills.pk}"
        )
        assert context["contextActivities"]["grouping"][0]["id"].endswith(
            f"/program/{history.program.pk}"
        )
        assert context["revision"] == str(attempt.revision_id)
        assert context["extensions"][_ext("attempt")] == attempt.number
        assert context["extensions"][_ext("organisation")]["slug"] == city.department.slug


def check_scenario_attempt(history):
    attempt = ScenarioAttempt.objects.get()
    statement = _payload(f"scenario_attempt:{attempt.pk}")
    assert statement["verb"]["id"] == xs.COMPLETED.id
    assert statement["object"]["id"] == f"{BASE}/xapi/activities/scenario/{history.scenario.pk}"
    assert statement["object"]["definition"]["type"] == xs.ActivityType.SIMULATION
    result = statement["result"]
    assert (result["success"], result["completion"], result["score"]["scaled"]) == (True, True, 1)
    assert result["extensions"][_ext("critical-errors")] == 0
    assert result["extensions"][_ext("outcome-step")] == "end"
    assert result["extensions"][_ext("points")] == 25
    parents = statement["context"]["contextActivities"]
    assert parents["parent"][0]["id"].endswith(f"/module/{history.scenario.get_parent().pk}")
    assert parents["grouping"][0]["id"].endswith(f"/program/{history.program.pk}")


def check_completions(history):
    module = _payload(next(s for s in _sources("module_completion")))
    assert module["verb"]["id"] == xs.COMPLETED.id
    assert module["result"]["completion"] is True
    program = _payload(next(iter(_sources("program_completion"))))
    assert program["object"]["id"] == f"{BASE}/xapi/activities/program/{history.program.pk}"
    assert program["object"]["definition"]["type"] == xs.ActivityType.COURSE
    assert program["object"]["definition"]["name"]["en-US"] == "Responder academy"


def _sources(kind: str) -> list[str]:
    return sorted(
        Statement.objects.filter(source__startswith=f"{kind}:").values_list("source", flat=True)
    )


def check_field_statements(city, history):
    training = history.training
    fto, supervisor = str(city.user("fto").pk), str(city.user("supervisor").pk)
    registration = xs.registration_uuid(base_url=BASE, key=f"field_training:{training.pk}")
    task_book = f"{BASE}/xapi/activities/task-book/{training.task_book_id}"
    field = [
        s.payload
        for s in Statement.objects.filter(
            source__regex=r"^(observation_report|task_observation|phase_approval|field_release):"
        )
    ]
    assert len(field) == 12
    for statement in field:
        assert statement["context"]["registration"] == registration
        assert statement["context"]["revision"] == str(training.revision_id)
        assert statement["object"]["id"].startswith(task_book)

    report = ObservationReport.objects.get()
    dor = _payload(f"observation_report:{report.pk}")
    assert dor["verb"]["id"] == xs.SCORED.id
    assert dor["context"]["instructor"]["account"]["name"] == fto
    phase_id = training.spec["phases"][0]["id"]
    assert dor["object"]["id"] == f"{task_book}/phase/{phase_id}"
    assert dor["result"]["score"] == {"scaled": 0.5, "raw": 4, "min": 1, "max": 7}
    ratings = dor["result"]["extensions"][_ext("ratings")]
    assert [r["category"] for r in ratings] == [
        "Scene safety",
        "Verbal de-escalation",
        "Report writing",
    ]
    assert "Calm approach" not in str(dor)  # the FTO's narrative stays in Relay

    original, correction = TaskObservation.objects.order_by("pk")[:2]
    signed = _payload(f"task_observation:{correction.pk}")
    assert signed["verb"]["id"] == xs.DEMONSTRATED.id
    assert signed["result"] == {"success": True}
    assert signed["object"]["id"] == f"{task_book}/task/{correction.task_id}"
    assert signed["context"]["statement"] == {
        "objectType": "StatementRef",
        "id": str(Statement.objects.get(source=f"task_observation:{original.pk}").id),
    }
    assert signed["context"]["instructor"]["account"]["name"] == fto

    for approval in Signoff.objects.filter(kind="phase_approval"):
        statement = _payload(f"phase_approval:{approval.pk}")
        assert statement["verb"]["id"] == xs.SATISFIED.id
        assert statement["context"]["instructor"]["account"]["name"] == supervisor
    release = _payload(f"field_release:{Signoff.objects.get(kind='release').pk}")
    assert release["verb"]["id"] == xs.SATISFIED.id
    assert release["object"]["id"] == task_book
    assert release["context"]["instructor"]["account"]["name"] == supervisor
    assert release["context"]["extensions"][_ext("task-observations")] == 8


def check_recording_again_changes_nothing():
    attempt = QuizAttempt.objects.first()
    before = Statement.objects.get(source=f"quiz_attempt:{attempt.pk}")
    count = Statement.objects.count()
    again = statement_record_quiz_attempt(attempt=attempt)
    assert again.id == before.id
    report = ObservationReport.objects.get()
    statement_record_observation_report(report=report)
    assert Statement.objects.count() == count
    after = Statement.objects.get(source=f"quiz_attempt:{attempt.pk}")
    assert (after.stored, after.payload) == (before.stored, before.payload)


def _record(user, source="manual:1", **overrides):
    return statement_record(
        source=source,
        actor=user,
        verb=xs.COMPLETED,
        object=xs.activity(
            iri=f"{BASE}/xapi/activities/module/1", name="M", type_iri=xs.ActivityType.MODULE
        ),
        timestamp=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        **overrides,
    )


def test_statement_record_is_idempotent_by_source(city, no_lrs):
    first = _record(city.user("learner"))
    second = _record(city.user("learner"), result={"completion": True})
    assert first.id == second.id
    stored = Statement.objects.get()
    assert "result" not in stored.payload
    check_statement(stored.payload)


def test_a_statement_is_part_of_its_transaction(city, no_lrs):
    def service_that_fails_after_recording():
        with transaction.atomic():
            _record(city.user("learner"))
            raise RuntimeError("the service failed after recording")

    with pytest.raises(RuntimeError):
        service_that_fails_after_recording()
    assert Statement.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises writers; PostgreSQL races here"
)
def test_concurrent_recordings_of_one_event_leave_one_statement(city, no_lrs):
    learner = city.user("learner")
    barrier = threading.Barrier(4)
    errors = []

    def record():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                _record(learner, source="race:1")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Counter(Statement.objects.values_list("source", flat=True)) == {"race:1": 1}

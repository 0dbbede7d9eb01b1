"""The pure builders: valid xAPI 1.0.3 shapes, ISO 8601 times and durations, stable ids. No
database."""

import datetime
import re
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.field.engine import CategorySpec, PhaseSpec, ScaleSpec, TaskBookSpec, TaskSpec
from lms.xapi import events
from lms.xapi import statements as xs
from lms.xapi.events import Lookups, OrganisationRef, PageRef
from lms.xapi.forwarding import RETRY_BASE, RETRY_CAP, retry_delay
from tests.xapi.conformance import DURATION, check_statement

BASE = "https://relay.example.org/"
WHEN = datetime.datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=datetime.UTC)


# --- times, durations, ids ----------------------------------------------------------------------


def test_timestamps_are_utc_iso_8601_with_milliseconds():
    assert xs.iso_timestamp(WHEN) == "2026-03-04T05:06:07.891Z"
    denver = datetime.timezone(datetime.timedelta(hours=-7))
    assert xs.iso_timestamp(WHEN.astimezone(denver)) == "2026-03-04T05:06:07.891Z"
    with pytest.raises(ValueError, match="time zone"):
        xs.iso_timestamp(WHEN.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "PT0S"),
        (59, "PT59S"),
        (60, "PT1M"),
        (3600, "PT1H"),
        (3725, "PT1H2M5S"),
        (90.5, "PT1M30.50S"),
        (0.004, "PT0S"),
        (-5, "PT0S"),
        (86_400 * 2 + 1, "PT48H1S"),
    ],
)
def test_durations_are_iso_8601(seconds, text):
    assert xs.iso_duration(seconds) == text


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", duration)
    hours, minutes, secs = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)


@given(st.floats(min_value=0, max_value=10**7, allow_nan=False))
def test_a_duration_says_the_same_time_to_the_hundredth(seconds):
    text = xs.iso_duration(seconds)
    assert DURATION.match(text)
    assert abs(_seconds(text) - seconds) <= 0.005 + 1e-9 * seconds


def test_statement_ids_are_stable_per_source_and_site():
    one = xs.statement_uuid(base_url=BASE, source="quiz_attempt:1")
    assert one == xs.statement_uuid(base_url=BASE.rstrip("/"), source="quiz_attempt:1")
    assert one.version == 5
    assert one != xs.statement_uuid(base_url=BASE, source="quiz_attempt:2")
    assert one != xs.statement_uuid(base_url="https://other.example.org", source="quiz_attempt:1")


@given(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=1, max_value=1000),
    st.floats(min_value=-2000, max_value=2000, allow_nan=False),
)
def test_a_score_is_scaled_into_its_range(minimum, span, raw):
    score = xs.make_score(raw=raw, minimum=minimum, maximum=minimum + span)
    assert 0 <= score["scaled"] <= 1
    assert score["min"] <= score["raw"] <= score["max"]


def test_a_score_needs_a_range():
    with pytest.raises(ValueError, match="maximum"):
        xs.make_score(raw=1, minimum=5, maximum=5)


unit = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(st.integers(min_value=1, max_value=60), unit, unit)
def test_back_off_doubles_with_jitter_and_is_capped(attempts, jitter_a, jitter_b):
    ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** min(attempts - 1, 30))
    delay = retry_delay(attempts, jitter=jitter_a)
    assert ceiling / 2 <= delay <= ceiling <= RETRY_CAP
    following = retry_delay(attempts + 1, jitter=jitter_b)
    if attempts < 30 and RETRY_BASE * 2**attempts <= RETRY_CAP:  # below the cap: never shrink
        assert following >= delay


# --- every event, built from plain records ------------------------------------------------------

LOOKUPS = Lookups(
    pages={
        10: PageRef(10, "Responder academy"),
        11: PageRef(11, "De-escalation"),
        12: PageRef(12, "Overdose scenario"),
        20: PageRef(20, "Field training"),
    },
    parents={11: PageRef(10, "Responder academy"), 12: PageRef(11, "De-escalation")}
    | {20: PageRef(10, "Responder academy")},
    organisations={7: OrganisationRef(3, "ocs", "Office of Community Safety")},
)
SPEC = TaskBookSpec(
    phases=(
        PhaseSpec(
            id="phase-a",
            name="Shadow",
            weeks=2,
            expected_hours=80,
            tasks=(
                TaskSpec(id="task-1", number="T-01", title="Radio", standard="", observations=2),
            ),
        ),
    ),
    categories=(CategorySpec(id="c1", name="Scene safety"),),
    scale=ScaleSpec(minimum=1, maximum=7, acceptable=4),
)
TRAINING = SimpleNamespace(
    pk=5,
    task_book_id=21,
    module_id=20,
    title="Responder task book",
    revision_id=99,
    organisation=SimpleNamespace(pk=3, slug="ocs", name="Office of Community Safety"),
)


def _records():
    return {
        "module": events.module_completion(
            SimpleNamespace(
                pk=1,
                user_id=7,
                module_id=11,
                completed_at=WHEN,
                completed_title="De-escalation",
                completed_revision_id=40,
                completed_training_type="skills",
                completion_source="skills_rule",
                completed_ce_hours=Decimal("1.50"),
                seconds_on_task=754,
            ),
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "program": events.program_completion(
            SimpleNamespace(
                pk=2,
                user_id=7,
                program_id=10,
                program_title="Responder academy",
                completed_at=WHEN,
                source="rule",
            ),
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "quiz": events.quiz_attempt(
            SimpleNamespace(
                pk=3,
                user_id=7,
                module_id=11,
                revision_id=41,
                number=2,
                score=Decimal("66.67"),
                pass_mark=80,
                passed=False,
                submitted_at=WHEN,
            ),
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "scenario": events.scenario_attempt(
            SimpleNamespace(
                pk=4,
                user_id=7,
                scenario_id=12,
                revision_id=42,
                number=1,
                started_at=WHEN - datetime.timedelta(minutes=7, seconds=3),
                finished_at=WHEN,
                total=-5,
                percent=0,
                passed=False,
                critical_errors=1,
                current_step="left",
            ),
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "report": events.observation_report(
            SimpleNamespace(
                pk=5,
                trainee_id=7,
                fto_id=8,
                number=1,
                shift_date=WHEN.date(),
                phase_index=0,
                supersedes_id=None,
                created_at=WHEN,
            ),
            training=TRAINING,
            spec=SPEC,
            ratings=[
                SimpleNamespace(
                    position=0,
                    category_name="Scene safety",
                    rating=None,
                    not_observed=True,
                    not_responding=False,
                    remedial_minutes=0,
                )
            ],
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "task": events.task_observation(
            SimpleNamespace(
                pk=6,
                trainee_id=7,
                fto_id=8,
                task_id="task-1",
                task_number="T-01",
                task_title="Radio",
                phase_index=0,
                observed_on=WHEN.date(),
                context="incident",
                satisfactory=False,
                supersedes_id=3,
                created_at=WHEN,
            ),
            training=TRAINING,
            spec=SPEC,
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "phase": events.phase_approval(
            SimpleNamespace(
                pk=7,
                trainee_id=7,
                signer_id=9,
                phase_index=0,
                signed_at=WHEN,
                payload={"field_hours": "80.0"},
            ),
            training=TRAINING,
            spec=SPEC,
            lookups=LOOKUPS,
            base_url=BASE,
        ),
        "release": events.field_release(
            SimpleNamespace(
                pk=8,
                trainee_id=7,
                signer_id=9,
                phase_index=0,
                signed_at=WHEN,
                payload={"field_hours": "120.5", "reports": 12, "task_observations": 30},
            ),
            training=TRAINING,
            lookups=LOOKUPS,
            base_url=BASE,
        ),
    }


def _statement(spec: events.StatementSpec) -> dict:
    return xs.build_statement(
        statement_id=xs.statement_uuid(base_url=BASE, source=spec.source),
        actor=xs.agent(base_url=BASE, user_id=spec.actor_id),
        verb=spec.verb,
        object=spec.object,
        timestamp=spec.timestamp,
        result=spec.result,
        context=spec.context,
    )


@pytest.mark.parametrize("kind", list(_records()))
def test_every_event_builds_a_valid_statement(kind):
    spec = _records()[kind]
    statement = check_statement(_statement(spec))
    assert statement["timestamp"] == "2026-03-04T05:06:07.891Z"
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://relay.example.org", "name": "7"},
    }
    assert statement["object"]["id"].startswith("https://relay.example.org/xapi/activities/")
    assert statement["context"]["platform"] == "Relay"
    assert uuid.UUID(statement["id"]).version == 5


def test_what_each_event_says():
    built = {kind: _statement(spec) for kind, spec in _records().items()}
    module = built["module"]
    assert module["result"] == {"completion": True, "duration": "PT12M34S"}
    assert module["context"]["contextActivities"]["parent"][0]["id"].endswith("/program/10")
    ext = "https://relay.example.org/xapi/extensions/"
    assert module["context"]["extensions"][ext + "organisation"]["slug"] == "ocs"
    assert module["context"]["extensions"][ext + "ce-hours"] == 1.5

    quiz = built["quiz"]
    assert quiz["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert quiz["result"]["score"] == {"scaled": 0.6667, "raw": 66.67, "min": 0, "max": 100}

    scenario = built["scenario"]
    assert scenario["result"]["duration"] == "PT7M3S"
    assert scenario["result"]["success"] is False
    assert scenario["result"]["extensions"][ext + "points"] == -5
    assert scenario["context"]["contextActivities"]["grouping"][0]["id"].endswith("/program/10")

    report = built["report"]
    assert "score" not in report["result"]  # nothing rated: no score
    assert report["object"]["id"].endswith("/task-book/21/phase/phase-a")
    assert report["context"]["instructor"]["account"]["name"] == "8"

    task = built["task"]
    assert task["result"] == {"success": False}
    assert task["context"]["statement"]["id"] == str(
        xs.statement_uuid(base_url=BASE, source="task_observation:3")
    )
    activities = "https://relay.example.org/xapi/activities/"
    assert [a["id"] for a in task["context"]["contextActivities"]["grouping"]] == [
        activities + "task-book/21",
        activities + "module/20",
        activities + "program/10",
    ]

    release = built["release"]
    assert release["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/satisfied"
    assert release["context"]["extensions"][ext + "field-hours"] == 120.5
    assert release["context"]["instructor"]["account"]["name"] == "9"
    assert release["context"]["contextActivities"]["parent"][0]["id"].endswith("/module/20")


def test_empty_context_parts_are_left_out():
    context = xs.make_context(base_url=BASE, parent=[], grouping=None, extensions={"a": None})
    assert context == {"platform": "Relay", "language": "en-US"}

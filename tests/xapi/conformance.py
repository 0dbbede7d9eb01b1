"""What an xAPI 1.0.3 statement must look like (the parts Relay sends), checked field by field."""

import datetime
import json
import re
import uuid
from urllib.parse import urlsplit

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp"}
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}


def is_iri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc and " " not in value)


def is_uuid(value) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError):
        return False


def check_language_map(value, where):
    assert isinstance(value, dict), where
    assert value, f"{where}: a non-empty language map"
    assert "en-US" in value, where
    assert all(isinstance(text, str) and text for text in value.values()), where


def check_agent(agent, where="actor"):
    assert agent.get("objectType", "Agent") == "Agent", where
    identifiers = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in agent]
    assert identifiers == ["account"], f"{where}: exactly one identifier, an account"
    account = agent["account"]
    assert set(account) == {"homePage", "name"}, where
    assert is_iri(account["homePage"]), where
    assert isinstance(account["name"], str), where
    assert account["name"], where


def check_activity(activity, where="object"):
    assert activity["objectType"] == "Activity", where
    assert is_iri(activity["id"]), f"{where}: id {activity['id']!r} is an IRI"
    definition = activity["definition"]
    check_language_map(definition["name"], f"{where}.definition.name")
    assert is_iri(definition["type"]), where


def check_extensions(extensions, where):
    assert isinstance(extensions, dict), where
    assert extensions, where
    assert all(is_iri(key) for key in extensions), f"{where}: keys are IRIs"


def check_timestamp(value, where="timestamp"):
    assert isinstance(value, str), where
    assert TIMESTAMP.match(value), f"{where}: {value!r}"
    assert datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def check_result(result):
    assert set(result) <= RESULT_KEYS, set(result) - RESULT_KEYS
    if "score" in result:
        score = result["score"]
        assert set(score) <= {"scaled", "raw", "min", "max"}
        if "scaled" in score:
            assert -1 <= score["scaled"] <= 1
        if "min" in score and "max" in score:
            assert score["min"] < score["max"]
        if "raw" in score:
            assert score.get("min", score["raw"]) <= score["raw"] <= score.get("max", score["raw"])
    for key in ("success", "completion"):
        if key in result:
            assert isinstance(result[key], bool), key
    if "duration" in result:
        assert DURATION.match(result["duration"]), result["duration"]
    if "extensions" in result:
        check_extensions(result["extensions"], "result.extensions")


def check_context(context):
    assert set(context) <= CONTEXT_KEYS, set(context) - CONTEXT_KEYS
    if "registration" in context:
        assert is_uuid(context["registration"])
    if "instructor" in context:
        check_agent(context["instructor"], "context.instructor")
    if "contextActivities" in context:
        activities = context["contextActivities"]
        assert activities
        assert set(activities) <= {"parent", "grouping", "category", "other"}
        for key, items in activities.items():
            assert isinstance(items, list), key
            assert items, f"contextActivities.{key} is a non-empty list"
            for item in items:
                check_activity(item, f"contextActivities.{key}")
    for key in ("revision", "platform", "language"):
        if key in context:
            assert isinstance(context[key], str), key
            assert context[key], key
    if "statement" in context:
        assert context["statement"]["objectType"] == "StatementRef"
        assert is_uuid(context["statement"]["id"])
    if "extensions" in context:
        check_extensions(context["extensions"], "context.extensions")


def check_statement(statement: dict) -> dict:
    """Raise AssertionError unless `statement` is a valid xAPI 1.0.3 statement as Relay sends
    them (an Agent with an account, an Activity object). Returns it, for chaining."""
    assert set(statement) <= STATEMENT_KEYS, set(statement) - STATEMENT_KEYS
    assert {"id", "actor", "verb", "object", "timestamp"} <= set(statement)
    assert is_uuid(statement["id"])
    check_agent(statement["actor"])
    assert is_iri(statement["verb"]["id"])
    check_language_map(statement["verb"]["display"], "verb.display")
    check_activity(statement["object"])
    check_timestamp(statement["timestamp"])
    if "result" in statement:
        check_result(statement["result"])
    if "context" in statement:
        check_context(statement["context"])
    assert json.loads(json.dumps(statement)) == statement, "plain JSON"
    return statement

"""xAPI 1.0.3 statements as plain data: pure builders, no database (STYLE.md §2).

Relay records what people did as xAPI statements (`lms.xapi.models.Statement`) and, when a
Learning Record Store is configured, forwards them (`lms.xapi.forwarding`).

**Actor.** Always the learner, as an Agent identified by an ``account`` (``homePage`` = Relay's
base URL, ``name`` = the person's Relay user id). No email address (``mbox``) and no name: an
LRS outside Relay gets an opaque, stable id; Relay (and its API) knows who it is.

**Verbs** (``VERBS`` below; ADL's where one fits, DoD ISD's otherwise):

===================  ===============================================  ==========================
event                verb                                             object
===================  ===============================================  ==========================
module completed     http://adlnet.gov/expapi/verbs/completed         module
program completed    http://adlnet.gov/expapi/verbs/completed         program (a "course")
quiz attempt         http://adlnet.gov/expapi/verbs/passed | failed   the module's knowledge check
scenario attempt     http://adlnet.gov/expapi/verbs/completed         scenario (a "simulation")
                     (``result.success``: passed or not)
observation report   http://adlnet.gov/expapi/verbs/scored            the field-training phase
(DOR) on a shift     (the FTO's ratings; FTO = ``context.instructor``)
task sign-off        https://w3id.org/xapi/dod-isd/verbs/demonstrated  the task of the task book
                     (``result.success``: satisfactory or not; FTO = ``context.instructor``)
phase approval       https://w3id.org/xapi/adl/verbs/satisfied        the field-training phase
field release        https://w3id.org/xapi/adl/verbs/satisfied        the task book
                     (the supervisor, as ``context.instructor``, found the criteria met)
===================  ===============================================  ==========================

**Activities** have IRIs under the site's base URL: ``<base>/xapi/activities/module/<page id>``,
``program/<id>``, ``module/<id>/knowledge-check``, ``scenario/<id>``, ``task-book/<id>``,
``task-book/<id>/phase/<phase block id>``, ``task-book/<id>/task/<task item id>``. Extensions are
``<base>/xapi/extensions/<name>``. Field-training statements share one ``context.registration``
per trainee's field training. A corrected DOR or task sign-off points at the statement of the
record it supersedes through ``context.statement``.

**Ids** are deterministic: a UUID5 over the base URL and the event's stable ``source`` key
(``quiz_attempt:<id>``), so recording or backfilling an event twice gives the same statement.
"""

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

XAPI_VERSION = "1.0.3"
PLATFORM = "Relay"
LANGUAGE = "en-US"


@dataclass(frozen=True)
class Verb:
    id: str
    display: str

    def as_dict(self) -> dict:
        return {"id": self.id, "display": {LANGUAGE: self.display}}


ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETED = Verb(ADL + "completed", "completed")
PASSED = Verb(ADL + "passed", "passed")
FAILED = Verb(ADL + "failed", "failed")
SCORED = Verb(ADL + "scored", "scored")
DEMONSTRATED = Verb("https://w3id.org/xapi/dod-isd/verbs/demonstrated", "demonstrated")
SATISFIED = Verb("https://w3id.org/xapi/adl/verbs/satisfied", "satisfied")

VERBS: tuple[Verb, ...] = (COMPLETED, PASSED, FAILED, SCORED, DEMONSTRATED, SATISFIED)
VERB_CHOICES = [(verb.id, verb.display) for verb in VERBS]


class ActivityType:
    """ADL activity types."""

    COURSE = "http://adlnet.gov/expapi/activities/course"
    MODULE = "http://adlnet.gov/expapi/activities/module"
    ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
    SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
    PERFORMANCE = "http://adlnet.gov/expapi/activities/performance"
    OBJECTIVE = "http://adlnet.gov/expapi/activities/objective"


# --- Ids, times, durations ----------------------------------------------------------------------


def statement_uuid(*, base_url: str, source: str) -> uuid.UUID:
    """The statement id of an event: the same source always gives the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url.rstrip('/')}/xapi/statements/{source}")


def registration_uuid(*, base_url: str, key: str) -> str:
    """A `context.registration`: one per enrolment-like record (a trainee's field training)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url.rstrip('/')}/xapi/registrations/{key}"))


def iso_timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a "Z", as xAPI timestamps should be."""
    if moment.tzinfo is None:
        raise ValueError("xAPI timestamps need a time zone.")
    text = moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def iso_duration(seconds: float | int) -> str:
    """An ISO 8601 duration ("PT1H2M3S"), to the 0.01 s xAPI keeps; never negative."""
    hundredths = max(0, round(float(seconds) * 100))
    whole, fraction = divmod(hundredths, 100)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or fraction or text == "PT":
        text += f"{secs}.{fraction:02d}S" if fraction else f"{secs}S"
    return text


# --- Parts -------------------------------------------------------------------------------------


def base(base_url: str) -> str:
    return base_url.rstrip("/")


def activity_iri(base_url: str, *parts: object) -> str:
    return "/".join([base(base_url), "xapi", "activities", *(str(part) for part in parts)])


def extension_iri(base_url: str, name: str) -> str:
    return f"{base(base_url)}/xapi/extensions/{name}"


def agent(*, base_url: str, user_id: int) -> dict:
    """The person as an Agent with an account: no email, no name (see the module docstring)."""
    return {"objectType": "Agent", "account": {"homePage": base(base_url), "name": str(user_id)}}


def activity(*, iri: str, name: str, type_iri: str, description: str = "") -> dict:
    definition: dict[str, Any] = {"name": {LANGUAGE: name or iri}, "type": type_iri}
    if description:
        definition["description"] = {LANGUAGE: description}
    return {"objectType": "Activity", "id": iri, "definition": definition}


def make_score(
    *, raw: float | Decimal, minimum: float | Decimal, maximum: float | Decimal
) -> dict[str, float]:
    """A score with `scaled` in [0, 1] from the raw value's place between min and max."""
    raw, minimum, maximum = float(raw), float(minimum), float(maximum)
    if maximum <= minimum:
        raise ValueError("A score's maximum must be above its minimum.")
    raw = min(max(raw, minimum), maximum)
    return {
        "scaled": round((raw - minimum) / (maximum - minimum), 4),
        "raw": _number(raw),
        "min": _number(minimum),
        "max": _number(maximum),
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def make_context(
    *,
    base_url: str,
    revision: int | None = None,
    parent: list[dict] | None = None,
    grouping: list[dict] | None = None,
    instructor_id: int | None = None,
    registration: str | None = None,
    statement_ref: uuid.UUID | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict:
    """A statement context; `extensions` keys are short names made into Relay IRIs. Empty
    values are left out (xAPI forbids empty context activity lists)."""
    result: dict[str, Any] = {"platform": PLATFORM, "language": LANGUAGE}
    if registration:
        result["registration"] = registration
    if revision is not None:
        result["revision"] = str(revision)
    if instructor_id is not None:
        result["instructor"] = agent(base_url=base_url, user_id=instructor_id)
    activities = {}
    if parent:
        activities["parent"] = parent
    if grouping:
        activities["grouping"] = grouping
    if activities:
        result["contextActivities"] = activities
    if statement_ref is not None:
        result["statement"] = {"objectType": "StatementRef", "id": str(statement_ref)}
    cleaned = {
        extension_iri(base_url, key): value
        for key, value in (extensions or {}).items()
        if value not in (None, "", [], {})
    }
    if cleaned:
        result["extensions"] = cleaned
    return result


def build_statement(
    *,
    statement_id: uuid.UUID,
    actor: dict,
    verb: Verb,
    object: dict,  # xAPI's own name for it
    timestamp: datetime.datetime,
    result: dict | None = None,
    context: dict | None = None,
) -> dict:
    """The full statement, as sent to an LRS (`stored`, `authority` and `version` are the
    LRS's to set)."""
    statement: dict[str, Any] = {
        "id": str(statement_id),
        "actor": actor,
        "verb": verb.as_dict(),
        "object": object,
        "timestamp": iso_timestamp(timestamp),
    }
    if result:
        statement["result"] = result
    if context:
        statement["context"] = context
    return statement

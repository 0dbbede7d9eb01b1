"""Read models for the scenario player and debrief."""

from dataclasses import dataclass

from .engine import PathEntry, Result, best_path, replay, score
from .models import AttemptStatus, ScenarioAttempt, ScenarioPage


@dataclass
class PlayState:
    scenario: ScenarioPage  # the revision the attempt plays
    attempt: ScenarioAttempt | None
    step: dict | None  # the current step's block value
    last_feedback: str
    last_label: str
    attempts_used: int


def _step_values(page: ScenarioPage) -> dict[str, dict]:
    return {block.value["key"]: block.value for block in page.steps}


def play_state(*, user, scenario: ScenarioPage) -> PlayState:
    attempts = list(ScenarioAttempt.objects.filter(user=user, scenario=scenario))
    attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    if attempt is None:
        return PlayState(scenario, None, None, "", "", len(attempts))
    page = attempt.revision.as_object()
    steps = _step_values(page)
    feedback = label = ""
    if attempt.path:
        last = attempt.path[-1]
        previous = steps.get(last["step"])
        if previous is not None:
            choice = list(previous["choices"])[int(last["choice"])]
            feedback, label = choice["feedback"] or "", choice["label"]
    return PlayState(page, attempt, steps.get(attempt.current_step), feedback, label, len(attempts))


@dataclass
class DebriefLine:
    step_title: str
    choice_label: str
    feedback: str
    score: int
    critical: bool


@dataclass
class Debrief:
    attempt: ScenarioAttempt
    scenario: ScenarioPage
    taken: list[DebriefLine]
    best: list[DebriefLine]
    result: Result
    outcome_title: str
    outcome: str


def _lines(page: ScenarioPage, entries) -> list[DebriefLine]:
    steps = _step_values(page)
    lines = []
    for entry in entries:
        step = steps[entry.step_id]
        choice = list(step["choices"])[int(entry.choice_id)]
        lines.append(
            DebriefLine(
                step_title=step["title"],
                choice_label=choice["label"],
                feedback=choice["feedback"] or "",
                score=int(choice["score"] or 0),
                critical=bool(choice["critical"]),
            )
        )
    return lines


def debrief(*, attempt: ScenarioAttempt) -> Debrief:
    page = attempt.revision.as_object()
    engine = page.engine()
    entries = [PathEntry(e["step"], e["choice"]) for e in attempt.path]
    state = replay(engine, entries)
    end = _step_values(page).get(state.step_id, {})
    return Debrief(
        attempt=attempt,
        scenario=page,
        taken=_lines(page, entries),
        best=_lines(page, best_path(engine)),
        result=score(engine, entries),
        outcome_title=end.get("title", ""),
        outcome=end.get("outcome", ""),
    )

"""The pure scenario engine: validation, traversal, best path and scoring (no database)."""

from collections import deque
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.engine import (
    Choice,
    CompetencyScore,
    InvalidMove,
    PathEntry,
    Scenario,
    State,
    Step,
    best_path,
    choose,
    replay,
    score,
    start_state,
    validate,
)


def _end(step_id: str, title: str, outcome: str = "") -> Step:
    return Step(id=step_id, title=title, choices=(), terminal=True, outcome=outcome)


def _step(step_id: str, title: str, *choices: Choice) -> Step:
    return Step(id=step_id, title=title, choices=choices, terminal=False)


def _go(choice_id: str, next_step: str | None, score: int = 0, **kwargs) -> Choice:
    return Choice(
        id=choice_id,
        label=kwargs.pop("label", f"Choice {choice_id}"),
        next_step=next_step,
        score=score,
        **kwargs,
    )


@pytest.fixture
def overdose() -> Scenario:
    """Overdose at a bus shelter: a loop with a way out, and a tempting critical error."""
    return Scenario(
        start="arrive",
        pass_threshold=80,
        steps=(
            _step(
                "arrive",
                "Arrive at the bus shelter",
                _go("safe", "assess", 5, label="Check the scene", competencies=("scene_safety",)),
                _go("rush", "assess", -2, label="Rush in", competencies=("scene_safety",)),
            ),
            _step(
                "assess",
                "Unresponsive, slow breathing",
                _go(
                    "call_naloxone",
                    "breathing",
                    10,
                    label="Call 911, give naloxone",
                    competencies=("naloxone", "communication"),
                ),
                _go("naloxone_only", "breathing", 4, competencies=("naloxone",)),
                _go("wait", "worse", 0, label="Wait and see"),
            ),
            _step(
                "worse",
                "Breathing gets worse",
                _go("reassess", "assess", -3, label="Reassess", competencies=("assessment",)),
            ),
            _step(
                "breathing",
                "The person is breathing, groggy",
                _go("stay", "end_good", 10, label="Stay until EMS", competencies=("aftercare",)),
                _go(
                    "leave",
                    "end_left",
                    12,
                    label="Leave once they breathe",
                    competencies=("aftercare",),
                    critical=True,
                ),
            ),
            _end("end_good", "Handed over to EMS", "EMS takes over; the person is safe."),
            _end("end_left", "Left alone", "The naloxone wore off and breathing stopped again."),
        ),
    )


def _walk(scenario: Scenario, *choice_ids: str) -> State:
    state = start_state(scenario)
    for choice_id in choice_ids:
        state = choose(scenario, state, choice_id)
    return state


# --- the example scenario --------------------------------------------------------------------


def test_the_example_scenario_is_valid(overdose):
    assert validate(overdose) == []
    assert overdose.step("breathing").title == "The person is breathing, groggy"
    assert overdose.step("nope") is None
    assert overdose.step(None) is None


def test_a_run_moves_one_step_at_a_time_and_finishes_at_an_ending(overdose):
    state = start_state(overdose)
    assert state == State(step_id="arrive", path=(), finished=False)
    state = choose(overdose, state, "safe")
    assert state.step_id == "assess"
    assert not state.finished
    state = choose(overdose, state, "wait")
    state = choose(overdose, state, "reassess")  # the loop is legal: it has a way out
    assert state.step_id == "assess"
    state = _walk(overdose, "safe", "wait", "reassess", "call_naloxone", "stay")
    assert state.finished
    assert state.step_id == "end_good"
    assert [entry.choice_id for entry in state.path] == [
        "safe",
        "wait",
        "reassess",
        "call_naloxone",
        "stay",
    ]
    assert replay(overdose, state.path) == state


def test_a_critical_error_fails_the_run_even_with_a_high_score(overdose):
    result = score(overdose, _walk(overdose, "safe", "call_naloxone", "leave").path)
    assert result.total == 27  # more than the best path's 25
    assert result.max_possible == 25
    assert result.percent == 100  # clamped
    assert [choice.id for choice in result.critical_errors] == ["leave"]
    assert result.finished
    assert not result.passed


def test_the_best_path_avoids_the_critical_error(overdose):
    assert best_path(overdose) == (
        PathEntry("arrive", "safe"),
        PathEntry("assess", "call_naloxone"),
        PathEntry("breathing", "stay"),
    )
    result = score(overdose, best_path(overdose))
    assert (result.total, result.percent, result.passed) == (25, 100, True)
    assert result.best_path == best_path(overdose)


def test_a_detour_scores_lower_and_may_fail_the_threshold(overdose):
    result = score(
        overdose, _walk(overdose, "rush", "wait", "reassess", "naloxone_only", "stay").path
    )
    assert result.total == -2 + 0 - 3 + 4 + 10
    assert result.percent == 36  # 9 / 25
    assert not result.critical_errors
    assert not result.passed
    assert score(overdose, _walk(overdose, "safe", "naloxone_only", "stay").path).percent == 76
    passing = replace(overdose, pass_threshold=76)
    assert score(passing, _walk(passing, "safe", "naloxone_only", "stay").path).passed


def test_per_competency_breakdown(overdose):
    result = score(
        overdose, _walk(overdose, "rush", "wait", "reassess", "call_naloxone", "leave").path
    )
    assert result.by_competency == {
        # tagged on a choice of a step where a choice was made, even when not chosen
        "aftercare": CompetencyScore(earned=12, possible=12),
        "assessment": CompetencyScore(earned=-3, possible=-3),  # only one choice at "worse"
        "communication": CompetencyScore(earned=10, possible=20),  # "assess" was visited twice
        "naloxone": CompetencyScore(earned=10, possible=20),
        "scene_safety": CompetencyScore(earned=-2, possible=5),
    }
    assert list(result.by_competency) == sorted(result.by_competency)
    assert result.by_competency["communication"].percent == 50
    assert result.by_competency["scene_safety"].percent == 0


def test_an_unfinished_run_is_scored_but_does_not_pass(overdose):
    result = score(overdose, _walk(overdose, "safe", "call_naloxone").path)
    assert (result.total, result.finished, result.passed) == (15, False, False)
    assert score(overdose, ()).total == 0


def test_a_scenario_that_starts_at_an_ending():
    scenario = Scenario(start="only", steps=(_end("only", "Done"),), pass_threshold=100)
    assert validate(scenario) == []
    assert start_state(scenario).finished
    assert best_path(scenario) == ()
    result = score(scenario, ())
    assert (result.total, result.max_possible, result.percent, result.passed) == (0, 0, 100, True)


def test_penalty_only_scoring_counts_falling_short_as_zero():
    scenario = Scenario(
        start="a",
        pass_threshold=50,
        steps=(_step("a", "A", _go("right", "z", 0), _go("wrong", "z", -5)), _end("z", "Z")),
    )
    assert score(scenario, _walk(scenario, "right").path).percent == 100
    assert score(scenario, _walk(scenario, "wrong").path).percent == 0


# --- invalid moves ---------------------------------------------------------------------------


def test_a_choice_from_another_step_is_refused(overdose):
    state = start_state(overdose)
    with pytest.raises(InvalidMove, match=r"belongs to step \"Unresponsive.*\(assess\)"):
        choose(overdose, state, "call_naloxone")
    assert state == start_state(overdose)


def test_an_unknown_choice_is_refused(overdose):
    with pytest.raises(InvalidMove, match=r"has no choice c999"):
        choose(overdose, start_state(overdose), "c999")


def test_no_choice_after_the_run_finished(overdose):
    state = _walk(overdose, "safe", "call_naloxone", "stay")
    with pytest.raises(InvalidMove, match="has finished"):
        choose(overdose, state, "stay")


def test_a_run_is_bounded(overdose):
    state = _walk(overdose, "safe", "wait")
    with pytest.raises(InvalidMove, match="limit of 2 moves"):
        choose(overdose, state, "reassess", max_steps=2)


def test_a_stale_state_or_forged_path_is_refused(overdose):
    with pytest.raises(InvalidMove, match="not part of this scenario"):
        choose(overdose, State(step_id="gone"), "safe")
    with pytest.raises(InvalidMove, match="but the run is at step assess"):
        replay(overdose, (PathEntry("arrive", "safe"), PathEntry("breathing", "stay")))
    with pytest.raises(InvalidMove):
        score(overdose, (PathEntry("arrive", "safe"), PathEntry("breathing", "stay")))


def test_a_choice_that_leads_nowhere_is_refused():
    scenario = Scenario(start="a", steps=(_step("a", "A", _go("x", "gone")),), pass_threshold=0)
    with pytest.raises(InvalidMove, match="does not exist"):
        choose(scenario, start_state(scenario), "x")


def test_best_path_needs_a_reachable_ending():
    looping = Scenario(start="a", steps=(_step("a", "A", _go("x", "a")),), pass_threshold=0)
    with pytest.raises(ValueError, match="No ending"):
        best_path(looping)
    with pytest.raises(ValueError, match="start step"):
        best_path(replace(looping, start="zz"))
    with pytest.raises(InvalidMove):
        start_state(replace(looping, start="zz"))


def test_best_path_falls_back_when_the_search_budget_is_spent(overdose):
    path = best_path(overdose, budget=1)
    assert overdose.step(replay(overdose, path).step_id).terminal
    # the safest, then shortest, then highest-scoring route: here also the best one
    assert path == best_path(overdose)


# --- validation problems ---------------------------------------------------------------------


def _codes(scenario: Scenario) -> list[tuple[str, tuple[str, ...]]]:
    return [(problem.code, problem.step_ids) for problem in validate(scenario)]


def test_missing_start(overdose):
    assert _codes(replace(overdose, start="nowhere")) == [("missing_start", ("nowhere",))]
    assert validate(replace(overdose, start=""))[0].message == "The scenario has no start step."


def test_duplicate_step(overdose):
    twin = _end("end_good", "Another ending")
    assert _codes(replace(overdose, steps=(*overdose.steps, twin))) == [
        ("duplicate_step", ("end_good",))
    ]


def test_duplicate_choice():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(_step("a", "A", _go("x", "z"), _go("x", "z", label="Again")), _end("z", "Z")),
    )
    [problem] = validate(scenario)
    assert (problem.code, problem.step_ids) == ("duplicate_choice", ("a",))
    assert problem.message == 'Step "A" (a) has 2 choices with the id x ("Choice x", "Again").'


def test_dangling_choice_names_the_step_and_the_choice():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(
            _step("a", "Call for backup", _go("x", "z"), _go("y", "gone", label="Drive off")),
            _step("b", "B", _go("w", None, label="Unfinished")),
            _end("z", "Z"),
        ),
    )
    problems = validate(scenario)
    assert [(p.code, p.step_ids) for p in problems] == [
        ("dangling_choice", ("a",)),
        ("dangling_choice", ("b",)),
        ("unreachable", ("b",)),
    ]
    assert problems[0].message == (
        'Choice "Drive off" on step "Call for backup" (a) leads to step gone, which does not exist.'
    )
    assert problems[1].message == 'Choice "Unfinished" on step "B" (b) does not lead to any step.'


def test_non_terminal_without_choices_and_terminal_with_choices():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(
            _step("a", "A", _go("x", "b"), _go("y", "z")),
            Step(id="b", title="B", choices=(), terminal=False),
            Step(id="z", title="Z", choices=(_go("back", "a"),), terminal=True),
        ),
    )
    assert _codes(scenario) == [
        ("non_terminal_without_choices", ("b",)),
        ("terminal_with_choices", ("z",)),
        ("trap", ("b",)),
    ]
    assert "dead end" in validate(scenario)[-1].message


def test_unreachable_steps_are_named_together_in_order(overdose):
    orphan = _step("orphan", "Call for backup", _go("o", "end_good"))
    extra = _end("extra", "")
    problems = validate(replace(overdose, steps=(extra, *overdose.steps, orphan)))
    assert [(p.code, p.step_ids) for p in problems] == [("unreachable", ("extra", "orphan"))]
    assert problems[0].message == (
        'Steps (extra), "Call for backup" (orphan) cannot be reached from the start.'
    )
    [single] = validate(replace(overdose, steps=(*overdose.steps, orphan)))
    assert single.message == 'Step "Call for backup" (orphan) cannot be reached from the start.'


def test_no_terminal_reachable():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(_step("a", "A", _go("x", "b")), _step("b", "B", _go("y", "a")), _end("z", "Z")),
    )
    assert _codes(scenario) == [("unreachable", ("z",)), ("no_terminal_reachable", ("a",))]


def test_a_loop_with_no_way_out_names_every_stuck_step(overdose):
    trapped = tuple(
        _step("worse", "Breathing gets worse", _go("reassess", "spiral"))
        if step.id == "worse"
        else step
        for step in overdose.steps
    )
    spiral = _step("spiral", "Spiral", _go("s", "worse"))
    problems = validate(replace(overdose, steps=(*trapped, spiral)))
    assert [(p.code, p.step_ids) for p in problems] == [("trap", ("worse", "spiral"))]
    assert problems[0].message == (
        'Learners can get stuck in a loop with no way out: no ending can be reached from "Breathing'
        ' gets worse" (worse), "Spiral" (spiral). Add a choice that leads from these steps towards'
        " an ending."
    )


# --- properties ------------------------------------------------------------------------------

TAGS = ("airway", "comms", "safety")


# Drawn as one tuple per choice (score, tags, critical one time in four): building strategies
# inside the loop would make generation, not the engine, the slow part of these tests.
CHOICE_FIELDS = st.tuples(
    st.integers(-5, 10),
    st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
    st.integers(0, 3),
)


def _choice(choice_id: str, next_step: str | None, fields: tuple) -> Choice:
    points, tags, one_in_four = fields
    return Choice(
        id=choice_id,
        label=f"Label {choice_id}",
        next_step=next_step,
        feedback="",
        score=points,
        competencies=tuple(tags),
        critical=one_in_four == 0,
    )


@st.composite
def valid_scenarios(draw) -> Scenario:
    """A random spanning tree from the start (leaves are endings) plus random extra choices,
    which add loops and shortcuts; every step is reachable and can reach an ending."""
    n = draw(st.integers(1, 15))
    ids = [f"s{i}" for i in range(n)]
    parent = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    extra = st.lists(st.integers(0, n - 1), max_size=2)
    steps = []
    for i, step_id in enumerate(ids):
        targets = [ids[j] for j in range(n) if parent[j] == i]
        if not targets:
            steps.append(_end(step_id, f"End {i}"))
            continue
        targets += [ids[j] for j in draw(extra)]
        targets = draw(st.permutations(targets))
        fields = draw(st.lists(CHOICE_FIELDS, min_size=len(targets), max_size=len(targets)))
        choices = [
            _choice(f"{step_id}c{k}", target, f)
            for k, (target, f) in enumerate(zip(targets, fields, strict=True))
        ]
        steps.append(_step(step_id, f"Step {i}", *choices))
    order = draw(st.permutations(steps))
    return Scenario(start="s0", steps=tuple(order), pass_threshold=draw(st.integers(0, 100)))


@st.composite
def broken_scenarios(draw) -> Scenario:
    """A valid scenario with one random edit that may or may not break it."""
    scenario = draw(valid_scenarios())
    steps = list(scenario.steps)
    i = draw(st.integers(0, len(steps) - 1))
    step = steps[i]
    ids = [s.id for s in steps]
    edit = draw(
        st.sampled_from(
            ["start", "dup_step", "dup_choice", "retarget", "drop_choices", "flip", "drop_step"]
        )
    )
    if edit == "start":
        return replace(scenario, start=draw(st.sampled_from([*ids, "gone"])))
    if edit == "dup_step":
        steps.append(step)
    elif edit == "dup_choice" and step.choices:
        steps[i] = replace(step, choices=(*step.choices, step.choices[0]))
    elif edit == "retarget" and step.choices:
        k = draw(st.integers(0, len(step.choices) - 1))
        target = draw(st.sampled_from([*ids, "gone", None]))
        choices = list(step.choices)
        choices[k] = replace(choices[k], next_step=target)
        steps[i] = replace(step, choices=tuple(choices))
    elif edit == "drop_choices":
        steps[i] = replace(step, choices=())
    elif edit == "flip":
        steps[i] = replace(step, terminal=not step.terminal)
    elif edit == "drop_step" and len(steps) > 1:
        del steps[i]
    return replace(scenario, steps=tuple(steps))


@st.composite
def random_scenarios(draw) -> Scenario:
    """Any graph at all: random endings, random choices to random (or missing) steps."""
    n = draw(st.integers(1, 15))
    ids = [f"s{i}" for i in range(n)]
    targets = [*ids, *ids, "gone", None]
    shape = st.tuples(
        st.booleans(),
        st.lists(st.tuples(st.integers(0, len(targets) - 1), CHOICE_FIELDS), max_size=3),
    )
    steps = []
    for i, (step_id, (terminal, drawn)) in enumerate(
        zip(ids, draw(st.lists(shape, min_size=n, max_size=n)), strict=True)
    ):
        choices = [_choice(f"{step_id}c{j}", targets[t], f) for j, (t, f) in enumerate(drawn)]
        steps.append(Step(step_id, f"Step {i}", tuple(choices), terminal=terminal))
    start = draw(st.sampled_from([*ids, "gone"]))
    return Scenario(start=start, steps=tuple(steps), pass_threshold=50)


def _forward(by_id: dict[str, Step], step_id: str) -> set[str]:
    seen, queue = {step_id}, deque([step_id])
    while queue:
        for choice in by_id[queue.popleft()].choices:
            if choice.next_step not in seen:
                seen.add(choice.next_step)
                queue.append(choice.next_step)
    return seen


def _brute_force_valid(scenario: Scenario) -> bool:
    """An independent statement of "publishable", checked the slow, obvious way."""
    ids = [step.id for step in scenario.steps]
    by_id = {step.id: step for step in scenario.steps}
    if len(set(ids)) != len(ids) or scenario.start not in by_id:
        return False
    for step in scenario.steps:
        choice_ids = [choice.id for choice in step.choices]
        if step.terminal == bool(step.choices) or len(set(choice_ids)) != len(choice_ids):
            return False
        if any(choice.next_step not in by_id for choice in step.choices):
            return False
    reachable = _forward(by_id, scenario.start)
    if reachable != set(ids):
        return False
    return all(any(by_id[x].terminal for x in _forward(by_id, s)) for s in reachable)


def _key(scenario: Scenario, path) -> tuple[int, int, int]:
    chosen = [scenario.step(entry.step_id).choice(entry.choice_id) for entry in path]
    return (sum(c.critical for c in chosen), -sum(c.score for c in chosen), len(chosen))


def _all_simple_routes(scenario: Scenario):
    """Every route from the start to an ending that visits each step at most once."""
    stack = [(scenario.start, (), frozenset({scenario.start}))]
    while stack:
        step_id, path, visited = stack.pop()
        step = scenario.step(step_id)
        if step.terminal:
            yield path
            continue
        for choice in step.choices:
            if choice.next_step not in visited:
                entry = PathEntry(step_id, choice.id)
                stack.append((choice.next_step, (*path, entry), visited | {choice.next_step}))


@settings(max_examples=300, deadline=None)
@given(st.one_of(valid_scenarios(), broken_scenarios(), random_scenarios()))
def test_validate_never_raises_and_agrees_with_brute_force(scenario):
    problems = validate(scenario)
    assert (problems == []) == _brute_force_valid(scenario)
    assert validate(scenario) == problems  # deterministic
    known = {step.id for step in scenario.steps}
    for problem in problems:
        assert problem.message
        assert problem.code == "missing_start" or set(problem.step_ids) <= known


@settings(max_examples=200, deadline=None)
@given(valid_scenarios())
def test_best_path_is_a_legal_optimal_route(scenario):
    assert validate(scenario) == []
    path = best_path(scenario)
    state = replay(scenario, path)  # every move is legal
    assert state.finished
    assert scenario.step(state.step_id).terminal
    assert len({entry.step_id for entry in path}) == len(path)  # each step at most once
    best_key = _key(scenario, path)
    for routes, route in enumerate(_all_simple_routes(scenario)):
        assert best_key <= _key(scenario, route)  # never beaten, critical choices weighed first
        if not any(scenario.step(e.step_id).choice(e.choice_id).critical for e in route):
            assert best_key[0] == 0  # no critical choice when a route without one exists
        if routes > 5_000:
            break
    fallback = best_path(scenario, budget=1)
    assert replay(scenario, fallback).finished
    assert _key(scenario, fallback)[0] == best_key[0]  # the fallback is just as safe


@settings(max_examples=200, deadline=None)
@given(valid_scenarios(), st.data())
def test_random_walks_replay_and_score_consistently(scenario, data):
    state = start_state(scenario)
    chosen = []
    for _ in range(40):
        if state.finished:
            break
        step = scenario.step(state.step_id)
        choice = data.draw(st.sampled_from(step.choices))
        state = choose(scenario, state, choice.id)
        chosen.append(choice)
    assert replay(scenario, state.path) == state
    result = score(scenario, state.path)
    assert result.total == sum(choice.score for choice in chosen)
    assert 0 <= result.percent <= 100
    assert result.critical_errors == tuple(choice for choice in chosen if choice.critical)
    assert result.finished == state.finished
    if result.passed:
        assert not result.critical_errors
        assert result.finished
        assert result.percent >= scenario.pass_threshold
    for tally in result.by_competency.values():
        assert tally.earned <= tally.possible
    assert result == score(scenario, state.path)  # deterministic


@settings(max_examples=200, deadline=None)
@given(valid_scenarios(), st.data())
def test_a_choice_of_another_step_never_moves_the_run(scenario, data):
    state = start_state(scenario)
    steps_with_choices = [s for s in scenario.steps if s.choices]
    if not state.finished:
        state = choose(scenario, state, data.draw(st.sampled_from(scenario.step("s0").choices)).id)
    before = State(state.step_id, state.path, state.finished)
    current = scenario.step(state.step_id)
    others = [
        choice.id
        for step in steps_with_choices
        if step.id != current.id
        for choice in step.choices
        if current.choice(choice.id) is None
    ]
    if not others:
        return
    with pytest.raises(InvalidMove):
        choose(scenario, state, data.draw(st.sampled_from(others)))
    assert state == before

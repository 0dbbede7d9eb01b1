"""The scenario engine: validation, traversal and scoring of branching scenarios (STYLE.md §2).

Plain functions over plain data. A scenario is a graph: each step offers choices and each choice
leads to another step, until an ending (a terminal step) is reached. The scenario page turns its
StreamField into these dataclasses (ids are the stored block ids); the player keeps a run's path
on the server and moves it only through `choose()` (or rebuilds it with `replay()`), so the back
button, a reload or a second tab cannot fork or skip the path.
"""

import heapq
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

MAX_MOVES = 500  # a run longer than this is refused: loops are legal, endless runs are not
SEARCH_BUDGET = 20_000  # search states `best_path()` may memoise before settling for a fallback


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    next_step: str | None  # None while an author has not picked the step it leads to
    feedback: str = ""
    score: int = 0
    competencies: tuple[str, ...] = ()
    critical: bool = False  # a critical error, e.g. leaving a person alone after naloxone


@dataclass(frozen=True)
class Step:
    """One screen of a scenario: a narrative and its choices, or an ending with its outcome."""

    id: str
    title: str
    choices: tuple[Choice, ...]
    terminal: bool
    outcome: str = ""

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id on this step (the first, if an author duplicated it)."""
        return next((choice for choice in self.choices if choice.id == choice_id), None)


@dataclass(frozen=True)
class Scenario:
    start: str
    steps: tuple[Step, ...]
    pass_threshold: int  # percent

    @cached_property
    def _index(self) -> dict[str, Step]:
        index: dict[str, Step] = {}
        for step in self.steps:
            index.setdefault(step.id, step)
        return index

    def step(self, step_id: str | None) -> Step | None:
        """The step with this id (the first, if an author duplicated it), or None."""
        return None if step_id is None else self._index.get(step_id)


@dataclass(frozen=True)
class Problem:
    """Why a scenario cannot be published; `step_ids` names the steps an editor must fix."""

    code: str
    step_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class PathEntry:
    step_id: str
    choice_id: str


@dataclass(frozen=True)
class State:
    """Where a run stands: the current step and every choice made to get there."""

    step_id: str
    path: tuple[PathEntry, ...] = ()
    finished: bool = False


class InvalidMove(ValueError):
    """A choice that the current state of a run does not allow."""


@dataclass(frozen=True)
class CompetencyScore:
    earned: int
    possible: int

    @property
    def percent(self) -> int:
        return _percent(self.earned, self.possible)


@dataclass(frozen=True)
class Result:
    total: int
    max_possible: int
    percent: int
    critical_errors: tuple[Choice, ...]
    passed: bool
    by_competency: dict[str, CompetencyScore]
    finished: bool
    best_path: tuple[PathEntry, ...]


# --- graph helpers ---------------------------------------------------------------------------


def _name(step: Step) -> str:
    return f'"{step.title}" ({step.id})' if step.title else f"({step.id})"


def _names(scenario: Scenario, step_ids: Iterable[str]) -> str:
    return ", ".join(_name(step) for step_id in step_ids if (step := scenario.step(step_id)))


def _edges(scenario: Scenario, step: Step) -> list[tuple[Choice, Step]]:
    """The moves out of a step. Endings have none, whatever choices an author left on them."""
    if step.terminal:
        return []
    return [
        (choice, target) for choice in step.choices if (target := scenario.step(choice.next_step))
    ]


def _reachable(scenario: Scenario) -> set[str]:
    start = scenario.step(scenario.start)
    if start is None:
        return set()
    seen = {start.id}
    queue = deque([start])
    while queue:
        for _, target in _edges(scenario, queue.popleft()):
            if target.id not in seen:
                seen.add(target.id)
                queue.append(target)
    return seen


def _can_finish(scenario: Scenario) -> set[str]:
    """The steps from which some ending can be reached (endings included)."""
    incoming: dict[str, list[str]] = {}
    for step in scenario._index.values():
        for _, target in _edges(scenario, step):
            incoming.setdefault(target.id, []).append(step.id)
    done = {step.id for step in scenario._index.values() if step.terminal}
    queue = deque(done)
    while queue:
        for source in incoming.get(queue.popleft(), []):
            if source not in done:
                done.add(source)
                queue.append(source)
    return done


def _has_cycle(scenario: Scenario, step_ids: set[str]) -> bool:
    """Whether the moves among `step_ids` contain a loop (Kahn's algorithm)."""
    indegree = dict.fromkeys(step_ids, 0)
    out: dict[str, list[str]] = {step_id: [] for step_id in step_ids}
    for step_id in step_ids:
        for _, target in _edges(scenario, scenario._index[step_id]):
            if target.id in step_ids:
                out[step_id].append(target.id)
                indegree[target.id] += 1
    queue = deque(step_id for step_id, degree in indegree.items() if degree == 0)
    removed = 0
    while queue:
        removed += 1
        for target in out[queue.popleft()]:
            indegree[target] -= 1
            if indegree[target] == 0:
                queue.append(target)
    return removed < len(step_ids)


# --- validation ------------------------------------------------------------------------------


def validate(scenario: Scenario) -> list[Problem]:
    """Everything that blocks publishing, in a fixed order; an empty list means publishable.

    Order: `missing_start`, `duplicate_step`; then, step by step in the scenario's order,
    `terminal_with_choices` or `non_terminal_without_choices`, `duplicate_choice` and
    `dangling_choice`; then the graph checks from the start: `unreachable` (all such steps in one
    problem), `no_terminal_reachable`, or else `trap` (every reachable step from which no ending
    can be reached, in one problem). The graph checks are skipped when the start is missing.
    Choices on an ending are never followed. Choice ids need only be unique within their step.
    """
    problems: list[Problem] = []
    start = scenario.step(scenario.start)
    if start is None:
        message = (
            "The scenario has no start step."
            if not scenario.start
            else f"The start step ({scenario.start}) is not one of the scenario's steps."
        )
        problems.append(Problem("missing_start", (scenario.start,), message))

    step_counts = Counter(step.id for step in scenario.steps)
    for step_id, count in step_counts.items():
        if count > 1:
            titles = ", ".join(f'"{step.title}"' for step in scenario.steps if step.id == step_id)
            problems.append(
                Problem(
                    "duplicate_step",
                    (step_id,),
                    f"{count} steps share the id {step_id} ({titles}); step ids must be unique.",
                )
            )

    for step in scenario.steps:
        problems.extend(_step_problems(scenario, step))

    if start is None:
        return problems

    reachable = _reachable(scenario)
    unreachable = tuple(step_id for step_id in scenario._index if step_id not in reachable)
    if unreachable:
        subject = "Step" if len(unreachable) == 1 else "Steps"
        problems.append(
            Problem(
                "unreachable",
                unreachable,
                f"{subject} {_names(scenario, unreachable)} cannot be reached from the start.",
            )
        )

    if not any(scenario._index[step_id].terminal for step_id in reachable):
        problems.append(
            Problem(
                "no_terminal_reachable",
                (start.id,),
                f"No ending can be reached from the start step {_name(start)}: add an ending "
                "step and a choice that leads to it.",
            )
        )
        return problems

    can_finish = _can_finish(scenario)
    stuck = tuple(
        step_id for step_id in scenario._index if step_id in reachable and step_id not in can_finish
    )
    if stuck:
        how = "a loop with no way out" if _has_cycle(scenario, set(stuck)) else "a dead end"
        problems.append(
            Problem(
                "trap",
                stuck,
                f"Learners can get stuck in {how}: no ending can be reached from "
                f"{_names(scenario, stuck)}. Add a choice that leads from these steps towards "
                "an ending.",
            )
        )
    return problems


def _step_problems(scenario: Scenario, step: Step) -> list[Problem]:
    problems: list[Problem] = []
    if step.terminal and step.choices:
        problems.append(
            Problem(
                "terminal_with_choices",
                (step.id,),
                f"Step {_name(step)} is an ending but has {len(step.choices)} choice(s): remove "
                "them or make it a regular step.",
            )
        )
    if not step.terminal and not step.choices:
        problems.append(
            Problem(
                "non_terminal_without_choices",
                (step.id,),
                f"Step {_name(step)} has no choices and is not an ending: add a choice or make "
                "it an ending.",
            )
        )
    choice_counts = Counter(choice.id for choice in step.choices)
    for choice_id, count in choice_counts.items():
        if count > 1:
            labels = ", ".join(f'"{c.label}"' for c in step.choices if c.id == choice_id)
            problems.append(
                Problem(
                    "duplicate_choice",
                    (step.id,),
                    f"Step {_name(step)} has {count} choices with the id {choice_id} ({labels}).",
                )
            )
    if step.terminal:
        return problems
    for choice in step.choices:
        if scenario.step(choice.next_step) is not None:
            continue
        where = (
            "does not lead to any step"
            if not choice.next_step
            else f"leads to step {choice.next_step}, which does not exist"
        )
        problems.append(
            Problem(
                "dangling_choice",
                (step.id,),
                f'Choice "{choice.label}" on step {_name(step)} {where}.',
            )
        )
    return problems


# --- traversal -------------------------------------------------------------------------------


def start_state(scenario: Scenario) -> State:
    """A new run at the start step (already finished if the start is an ending)."""
    start = scenario.step(scenario.start)
    if start is None:
        raise InvalidMove(f"The start step ({scenario.start}) is not one of the scenario's steps.")
    return State(step_id=start.id, path=(), finished=start.terminal)


def choose(
    scenario: Scenario, state: State, choice_id: str, *, max_steps: int = MAX_MOVES
) -> State:
    """The state after taking `choice_id` at the current step; `state` itself is unchanged.

    Refused (InvalidMove) when the run has finished, the choice is not on the current step, the
    choice leads nowhere, or the run already holds `max_steps` moves. Reaching an ending finishes
    the run. Steps may be revisited: loops are legal as long as a way out exists.
    """
    step = scenario.step(state.step_id)
    if step is None:
        raise InvalidMove(f"The current step ({state.step_id}) is not part of this scenario.")
    if state.finished:
        raise InvalidMove(f"This run has finished at step {_name(step)}; no more choices.")
    choice = step.choice(choice_id)
    if choice is None:
        owner = next((s for s in scenario.steps if s.choice(choice_id) is not None), None)
        if owner is not None:
            raise InvalidMove(
                f"Choice {choice_id} belongs to step {_name(owner)}, not to the current step "
                f"{_name(step)}."
            )
        raise InvalidMove(f"Step {_name(step)} has no choice {choice_id}.")
    if len(state.path) >= max_steps:
        raise InvalidMove(f"This run has reached the limit of {max_steps} moves.")
    target = scenario.step(choice.next_step)
    if target is None:
        raise InvalidMove(
            f'Choice "{choice.label}" on step {_name(step)} leads to a step that does not exist.'
        )
    return State(
        step_id=target.id,
        path=(*state.path, PathEntry(step.id, choice.id)),
        finished=target.terminal,
    )


def replay(scenario: Scenario, path: Iterable[PathEntry], *, max_steps: int = MAX_MOVES) -> State:
    """Rebuild a run from its stored path, move by move; InvalidMove if any move is illegal."""
    state = start_state(scenario)
    for entry in path:
        if entry.step_id != state.step_id:
            raise InvalidMove(
                f"The path makes a choice at step {entry.step_id}, but the run is at step "
                f"{state.step_id}."
            )
        state = choose(scenario, state, entry.choice_id, max_steps=max_steps)
    return state


# --- best path -------------------------------------------------------------------------------

_Key = tuple[int, int, int, tuple[str, ...]]  # (critical count, -total, moves, choice ids)
_Found = tuple[_Key, tuple[PathEntry, ...]] | None


class _BudgetSpent(Exception):
    pass


def best_path(scenario: Scenario, *, budget: int = SEARCH_BUDGET) -> tuple[PathEntry, ...]:
    """The model route from the start to an ending, visiting each step at most once.

    Preference, in order: fewest critical choices (so none whenever a route without one exists),
    highest total score, fewest moves, then the choice ids compared in order (for determinism).
    ValueError if no ending can be reached from the start.

    The search is a depth-first walk over simple paths, memoised on (step, the steps already
    visited within that step's strongly connected component): what lies ahead of a step can only
    collide with the visited steps of its own component, so acyclic parts are solved once per
    step and only loops are enumerated. If a densely looped graph needs more than `budget`
    search states (about a quarter of a second), it settles for the route with fewest critical
    choices, then fewest moves, then highest total: still never taking a critical choice
    needlessly, but it may miss a longer, higher-scoring route.
    """
    start = scenario.step(scenario.start)
    if start is None:
        raise ValueError(f"The start step ({scenario.start}) is not one of the scenario's steps.")
    can_finish = _can_finish(scenario)
    if start.id not in can_finish:
        raise ValueError(f"No ending can be reached from the start step {_name(start)}.")
    edges = {
        step_id: [
            (choice, target.id)
            for choice, target in _edges(scenario, scenario._index[step_id])
            if target.id in can_finish
        ]
        for step_id in can_finish
    }
    component = _components(edges)
    memo: dict[tuple[str, frozenset[str]], _Found] = {}

    def search(step_id: str, visited: frozenset[str]) -> _Found:
        if scenario._index[step_id].terminal:
            return (0, 0, 0, ()), ()
        key = (step_id, visited & component[step_id])
        if key in memo:
            return memo[key]
        if len(memo) >= budget:
            raise _BudgetSpent
        best: _Found = None
        for choice, target in edges[step_id]:
            if target in visited:
                continue
            found = search(target, visited | {target})
            if found is None:
                continue
            (critical, negative_total, moves, ids), entries = found
            candidate: _Key = (
                critical + choice.critical,
                negative_total - choice.score,
                moves + 1,
                (choice.id, *ids),
            )
            if best is None or candidate < best[0]:
                best = candidate, (PathEntry(step_id, choice.id), *entries)
        memo[key] = best
        return best

    try:
        found = search(start.id, frozenset({start.id}))
    except _BudgetSpent:
        return _fewest_critical_path(scenario, start.id, edges)
    if found is None:  # cannot happen: the start can reach an ending, so a route exists
        raise ValueError(f"No ending can be reached from the start step {_name(start)}.")
    return found[1]


def _components(edges: dict[str, list[tuple[Choice, str]]]) -> dict[str, frozenset[str]]:
    """Each step's strongly connected component (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: dict[str, frozenset[str]] = {}
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i][1]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                group = frozenset(members)
                result.update(dict.fromkeys(members, group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _fewest_critical_path(
    scenario: Scenario, start_id: str, edges: dict[str, list[tuple[Choice, str]]]
) -> tuple[PathEntry, ...]:
    """The fallback route: Dijkstra on (critical choices, moves, -total, choice ids).

    Every move adds one to `moves`, so the key strictly grows along a route and the first route
    settled at an ending is the least; it never visits a step twice.
    """
    queue: list[tuple[int, int, int, tuple[str, ...], str, tuple[PathEntry, ...]]] = [
        (0, 0, 0, (), start_id, ())
    ]
    settled: set[str] = set()
    while queue:
        critical, moves, negative_total, ids, step_id, entries = heapq.heappop(queue)
        if step_id in settled:
            continue
        settled.add(step_id)
        if scenario._index[step_id].terminal:
            return entries
        for choice, target in edges[step_id]:
            if target not in settled:
                heapq.heappush(
                    queue,
                    (
                        critical + choice.critical,
                        moves + 1,
                        negative_total - choice.score,
                        (*ids, choice.id),
                        target,
                        (*entries, PathEntry(step_id, choice.id)),
                    ),
                )
    raise ValueError("No ending can be reached from the start step.")


# --- scoring ---------------------------------------------------------------------------------


def _percent(earned: int, possible: int) -> int:
    """earned/possible as a whole percent, rounded half up and clamped to 0..100.

    When nothing positive is possible (penalty-only scoring), matching the possible counts as
    100 and falling short as 0.
    """
    if possible <= 0:
        return 100 if earned >= possible else 0
    return max(0, min(100, (200 * earned + possible) // (2 * possible)))


def score(scenario: Scenario, path: Iterable[PathEntry], *, max_steps: int = MAX_MOVES) -> Result:
    """Score a run's path (replayed first, so an illegal path raises InvalidMove).

    - `total`: the sum of the chosen choices' scores (a choice taken twice counts twice).
    - `max_possible`: the total of `best_path()`; `percent` is total/max_possible (see
      `_percent`), clamped to 0..100.
    - `critical_errors`: the critical choices taken, in path order.
    - `passed`: the run reached an ending, percent >= the pass threshold, and no critical error.
    - `by_competency`, keyed by every competency tagged on any choice of any step where a choice
      was made (so missed opportunities show as 0 earned), sorted by name: `earned` sums the
      chosen choices' scores tagged with it; `possible` sums, over the same moves, the most any
      choice on that step could have contributed to it (a tagged choice contributes its score,
      an untagged one 0). Hence earned <= possible, move by move.
    ValueError if no ending can be reached from the start (an unpublishable scenario).
    """
    path = tuple(path)
    state = replay(scenario, path, max_steps=max_steps)
    picks = [  # every move is legal (replayed above), so every choice is found
        (step, choice)
        for entry in path
        if (choice := (step := scenario._index[entry.step_id]).choice(entry.choice_id))
    ]
    total = sum(choice.score for _, choice in picks)
    best = best_path(scenario)
    max_possible = sum(
        choice.score
        for entry in best
        if (choice := scenario._index[entry.step_id].choice(entry.choice_id))
    )
    percent = _percent(total, max_possible)
    critical_errors = tuple(choice for _, choice in picks if choice.critical)
    tags = sorted(
        {tag for step, _ in picks for option in step.choices for tag in option.competencies}
    )
    by_competency = {
        tag: CompetencyScore(
            earned=sum(choice.score for _, choice in picks if tag in choice.competencies),
            possible=sum(
                max(option.score if tag in option.competencies else 0 for option in step.choices)
                for step, _ in picks
            ),
        )
        for tag in tags
    }
    return Result(
        total=total,
        max_possible=max_possible,
        percent=percent,
        critical_errors=critical_errors,
        passed=state.finished and percent >= scenario.pass_threshold and not critical_errors,
        by_competency=by_competency,
        finished=state.finished,
        best_path=best,
    )

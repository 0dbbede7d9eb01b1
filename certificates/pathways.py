"""The rules of the career map, a pure function over plain data (STYLE.md §2).

A pathway is an edge from one job role to another, *lateral* (sideways) or *progressive* (up).
The map is sound when no role leads to itself, no pair of roles is listed twice, no pair is
joined both laterally and progressively (in either direction: a move is one or the other), and
no chain of progressive edges comes back to where it started (nobody can progress in a circle).
Lateral edges both ways between two roles are normal: people move sideways in both directions.

HR's admin form (`certificates.admin_forms`) runs `pathway_problems` over the stored edges of the
other roles plus the edges being saved, with `changed_from` set to the role being edited, so an
old problem elsewhere never blocks an unrelated edit. Nothing is stored when there is a problem.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

# The values of `certificates.models.PathwayKind` (kept as plain strings: no Django here).
LATERAL = "lateral"
PROGRESSIVE = "progressive"


@dataclass(frozen=True)
class Edge:
    """One pathway: role ids (any hashable: a new role has no id yet) and names for messages."""

    from_id: Hashable
    to_id: Hashable
    kind: str
    from_name: str = ""
    to_name: str = ""

    @property
    def pair(self) -> tuple[Hashable, Hashable]:
        return (self.from_id, self.to_id)


class ProblemKind:
    SELF = "self"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    CYCLE = "cycle"


@dataclass(frozen=True)
class Problem:
    """What is wrong, in words for HR, and the edges (from id, to id) it is about."""

    kind: str
    message: str
    edges: tuple[tuple[Hashable, Hashable], ...]

    def __str__(self) -> str:
        return self.message


def pathway_problems(
    edges: Iterable[Edge], *, changed_from: Hashable | None = None
) -> list[Problem]:
    """Every problem of the map made of `edges`, in a stable order (self edges, duplicates,
    lateral-and-progressive conflicts, progressive cycles). With `changed_from`, only the
    problems that involve an edge leading out of that role."""
    edges = list(edges)
    names = _names(edges)

    def name(role_id: Hashable) -> str:
        return names.get(role_id) or str(role_id)

    def concerns(problem_edges: Iterable[tuple[Hashable, Hashable]]) -> bool:
        return changed_from is None or any(f == changed_from for f, _ in problem_edges)

    problems: list[Problem] = []

    # A role that leads to itself.
    for edge in _unique(e for e in edges if e.from_id == e.to_id):
        if concerns([edge.pair]):
            problems.append(
                Problem(
                    ProblemKind.SELF,
                    f"“{name(edge.from_id)}” cannot have a pathway to itself.",
                    (edge.pair,),
                )
            )

    # The same pair twice (whatever the kinds).
    by_pair: dict[tuple[Hashable, Hashable], list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.from_id != edge.to_id:
            by_pair[edge.pair].append(edge)
    duplicated = {pair for pair, group in by_pair.items() if len(group) > 1}
    for pair in sorted(duplicated, key=lambda p: (name(p[0]), name(p[1]))):
        if concerns([pair]):
            problems.append(
                Problem(
                    ProblemKind.DUPLICATE,
                    f"The pathway from “{name(pair[0])}” to “{name(pair[1])}” is listed "
                    f"{_times(len(by_pair[pair]))}; keep one.",
                    (pair,),
                )
            )

    # A pair joined both laterally and progressively, in either direction. When every such
    # edge runs one way, the duplicate message above already says it.
    by_couple: dict[frozenset, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.from_id != edge.to_id:
            by_couple[frozenset(edge.pair)].append(edge)
    conflicts = []
    for group in by_couple.values():
        kinds = {edge.kind for edge in group}
        directions = {edge.pair for edge in group}
        if {LATERAL, PROGRESSIVE} <= kinds and len(directions) > 1:
            pairs = tuple(sorted(directions, key=lambda p: (name(p[0]), name(p[1]))))
            conflicts.append(pairs)
    for pairs in sorted(conflicts, key=lambda ps: [(name(a), name(b)) for a, b in ps]):
        if concerns(pairs):
            first, second = sorted({pairs[0][0], pairs[0][1]}, key=name)
            problems.append(
                Problem(
                    ProblemKind.CONFLICT,
                    f"“{name(first)}” and “{name(second)}” are joined both laterally and "
                    "progressively; a move between two roles is one or the other.",
                    pairs,
                )
            )

    # Progressive cycles: one per strongly connected group of roles, through the changed
    # role when there is one.
    successors: dict[Hashable, list[Hashable]] = defaultdict(list)
    for pair in sorted(
        {e.pair for e in edges if e.kind == PROGRESSIVE and e.from_id != e.to_id},
        key=lambda p: (name(p[0]), name(p[1]), str(p)),
    ):
        successors[pair[0]].append(pair[1])
    for component in _strongly_connected(successors):
        if len(component) < 2:
            continue
        if changed_from is not None and changed_from not in component:
            continue
        start = changed_from if changed_from is not None else min(component, key=name)
        cycle = _shortest_cycle(start, successors, component)
        path = " → ".join(name(role_id) for role_id in cycle)
        problems.append(
            Problem(
                ProblemKind.CYCLE,
                f"Nobody can progress in a circle: {path}. Make one of these pathways "
                "lateral or remove it.",
                tuple(pairwise(cycle)),
            )
        )
    return problems


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _names(edges: Sequence[Edge]) -> dict[Hashable, str]:
    names: dict[Hashable, str] = {}
    for edge in edges:
        if edge.from_name:
            names.setdefault(edge.from_id, edge.from_name)
        if edge.to_name:
            names.setdefault(edge.to_id, edge.to_name)
    return names


def _unique(edges: Iterable[Edge]) -> list[Edge]:
    seen: set[tuple[Hashable, Hashable]] = set()
    unique = []
    for edge in edges:
        if edge.pair not in seen:
            seen.add(edge.pair)
            unique.append(edge)
    return unique


def _strongly_connected(successors: Mapping[Hashable, Sequence[Hashable]]) -> list[set]:
    """Tarjan's algorithm, iteratively (no recursion limit on a long chain of roles)."""
    index: dict[Hashable, int] = {}
    low: dict[Hashable, int] = {}
    on_stack: set[Hashable] = set()
    stack: list[Hashable] = []
    components: list[set] = []
    counter = 0
    nodes = list(successors)
    for targets in successors.values():
        nodes.extend(t for t in targets if t not in successors)
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = successors.get(node, ())
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _shortest_cycle(
    start: Hashable, successors: Mapping[Hashable, Sequence[Hashable]], within: set
) -> list[Hashable]:
    """The shortest walk start → ... → start inside `within` (breadth first), as a list of
    role ids beginning and ending with `start`."""
    previous: dict[Hashable, Hashable] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in successors.get(node, ()):
                if target not in within:
                    continue
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start]
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return [start]

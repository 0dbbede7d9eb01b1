"""A scenario drawn as a graph: a server-rendered SVG and a text outline for authors (STYLE.md §2).

Plain functions over the engine's dataclasses. The layout is computed here: a step's column is
its distance (in moves) from the start, steps the start cannot reach share a last column, and
within a column steps keep the order in which a breadth-first walk from the start meets them
(the scenario's own order for unreachable steps). The SVG uses presentation attributes only (no
`style`, no script, no external assets), so it can be inlined under a strict CSP. All author
text is escaped. `render_text_outline()` gives the same information as a list, for the
accessible listing shown beside the chart.
"""

import re
from collections import deque
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr  # writes XML, parses none  # nosec B406

from scenarios.engine import Choice, PathEntry, Problem, Scenario, Step

NODE_W, NODE_H, MISSING_H = 220, 56, 34
PORT_GAP = 16  # vertical room per choice leaving a step
COL_GAP, ROW_GAP = 190, 44  # the column gap holds the choice labels
MARGIN, TOP = 24, 64  # TOP leaves room for the "Start" marker and loops drawn above
TITLE_CHARS, LABEL_CHARS, ID_CHARS = 28, 20, 30
INK, MUTED, RED, BLUE, PAPER = "#1f2933", "#52606d", "#b42318", "#1d4ed8", "#ffffff"
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class _Node:
    key: str  # a step id, or a generated key for a missing target
    step: Step | None  # None for the "missing: <id>" placeholder of a dangling choice
    column: int
    row: int
    height: int


# --- layout ----------------------------------------------------------------------------------


def _steps(scenario: Scenario) -> dict[str, Step]:
    """The steps by id; the first wins when an author duplicated an id (as in the engine)."""
    steps: dict[str, Step] = {}
    for step in scenario.steps:
        steps.setdefault(step.id, step)
    return steps


def _depths(scenario: Scenario, steps: dict[str, Step]) -> dict[str, int]:
    """Moves from the start to each reachable step (endings are not followed, as in the engine);
    insertion order is the order of discovery."""
    if scenario.start not in steps:
        return {}
    depth = {scenario.start: 0}
    queue = deque([scenario.start])
    while queue:
        step = steps[queue.popleft()]
        for choice in () if step.terminal else step.choices:
            if choice.next_step in steps and choice.next_step not in depth:
                depth[choice.next_step] = depth[step.id] + 1
                queue.append(choice.next_step)
    return depth


def _target(steps: dict[str, Step], choice: Choice) -> Step | None:
    return None if choice.next_step is None else steps.get(choice.next_step)


def _missing_key(step_id: str, index: int) -> str:
    return f"\x00missing\x00{step_id}\x00{index}"  # never rendered; cannot clash with a step id


def _layout(scenario: Scenario, steps: dict[str, Step]) -> dict[str, _Node]:
    depth = _depths(scenario, steps)
    columns: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for step_id, column in depth.items():
        columns[column].append(step_id)
    unreachable = [step_id for step_id in steps if step_id not in depth]
    if unreachable:
        columns.append(unreachable)
    for c, ids in enumerate([list(ids) for ids in columns]):  # a placeholder per dangling choice
        for step_id in ids:
            for index, choice in enumerate(steps[step_id].choices):
                if _target(steps, choice) is None:
                    if c + 1 == len(columns):
                        columns.append([])
                    columns[c + 1].append(_missing_key(step_id, index))
    nodes: dict[str, _Node] = {}
    for c, keys in enumerate(columns):
        for row, key in enumerate(keys):
            step = steps.get(key)
            height = MISSING_H if step is None else max(NODE_H, PORT_GAP * (len(step.choices) + 1))
            nodes[key] = _Node(key, step, c, row, height)
    return nodes


# --- text helpers ----------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _t(text: str) -> str:
    """Text content, escaped."""
    return escape(_clean(text))


def _a(text: str) -> str:
    """An attribute value, escaped and quoted."""
    return quoteattr(_clean(text))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _name(step: Step) -> str:
    return f"{step.title or '(untitled)'} ({step.id})"


def _summary(scenario: Scenario, steps: dict[str, Step], problems: list[Problem]) -> str:
    choices = sum(len(step.choices) for step in steps.values())
    endings = sum(step.terminal for step in steps.values())
    start = steps.get(scenario.start)
    opening = f"Starts at {_name(start)}." if start else "The start step is missing."
    return (
        f"Scenario graph: {_count(len(steps), 'step')}, {_count(choices, 'choice')}, "
        f"{_count(endings, 'ending')}, {_count(len(problems), 'problem')}. {opening}"
    )


# --- drawing ---------------------------------------------------------------------------------


def _position(node: _Node, row_height: int) -> tuple[int, int]:
    return MARGIN + node.column * (NODE_W + COL_GAP), TOP + node.row * row_height


def _node_svg(
    step: Step, node: _Node, x: int, y: int, *, is_start: bool, messages: list[str]
) -> list[str]:
    tooltip = " ".join([_name(step), "(ending)." if step.terminal else "", *messages]).strip()
    outline, width = (RED, 3) if messages else (INK, 1.5)
    out = [
        f'<g class="node" data-step={_a(step.id)}><title>{_t(tooltip)}</title>',
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{node.height}" rx="10" '
        f'fill="{PAPER}" stroke="{outline}" stroke-width="{width}"/>',
    ]
    if step.terminal:  # a double border: an ending
        out.append(
            f'<rect x="{x + 4}" y="{y + 4}" width="{NODE_W - 8}" height="{node.height - 8}" '
            f'rx="7" fill="none" stroke="{outline}" stroke-width="1"/>'
        )
    if is_start:
        out.append(
            f'<text x="{x}" y="{y - 6}" font-size="12" font-weight="700" fill="{INK}">'
            "▶ Start</text>"
        )
    if step.terminal:
        out.append(
            f'<text x="{x + NODE_W - 14}" y="{y - 6}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">Ending</text>'
        )
    out += [
        f'<text x="{x + 12}" y="{y + 23}" font-size="12" font-weight="600" fill="{INK}">'
        f"{_t(_clip(step.title or '(untitled)', TITLE_CHARS))}</text>",
        f'<text x="{x + 12}" y="{y + 40}" font-size="10" fill="{MUTED}">'
        f"{_t(_clip(step.id, ID_CHARS))}</text>",
    ]
    if messages:  # a badge, so the problem does not rest on colour alone
        out.append(
            f'<circle cx="{x + NODE_W}" cy="{y}" r="10" fill="{RED}"/>'
            f'<text x="{x + NODE_W}" y="{y + 4}" font-size="13" font-weight="700" '
            f'text-anchor="middle" fill="{PAPER}">!</text>'
        )
    out.append("</g>")
    return out


def _missing_svg(x: int, y: int, target: str | None) -> str:
    text = _clip(f"missing: {target or '(no step chosen)'}", 30)
    return (
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{MISSING_H}" rx="6" fill="{PAPER}" '
        f'stroke="{RED}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        f'<text x="{x + 10}" y="{y + 21}" font-size="11" fill="{RED}">{_t(text)}</text>'
    )


def render_svg(
    scenario: Scenario,
    *,
    problems: list[Problem] | None = None,
    highlight_path: tuple[PathEntry, ...] = (),
    id_prefix: str = "scenario-graph",
) -> str:
    """The scenario as a standalone, accessible SVG document (a string, safe to inline).

    One `<g class="node">` per step id and one `<g class="edge">` per choice. Endings have a
    double border and an "Ending" marker; the start is marked "Start". Critical choices are red,
    dashed and labelled "critical"; dangling choices lead to a red dashed "missing: <id>" box;
    choices leading to the same or an earlier column curve above the nodes. Steps named in
    `problems` get a red outline and a "!" badge; moves in `highlight_path` are drawn thicker.
    `id_prefix` keeps element ids unique when several graphs share a page.
    """
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must be a plain identifier, not {id_prefix!r}.")
    problems = problems or []
    steps = _steps(scenario)
    nodes = _layout(scenario, steps)
    messages: dict[str, list[str]] = {}
    for problem in problems:
        for step_id in dict.fromkeys(problem.step_ids):
            messages.setdefault(step_id, []).append(problem.message)
    highlighted = {(entry.step_id, entry.choice_id) for entry in highlight_path}
    row_height = max((node.height for node in nodes.values()), default=NODE_H) + ROW_GAP
    columns = max((node.column for node in nodes.values()), default=0) + 1
    rows = max((node.row for node in nodes.values()), default=0) + 1
    width = 2 * MARGIN + columns * NODE_W + (columns - 1) * COL_GAP + 40
    height = TOP + rows * row_height - ROW_GAP + MARGIN
    p = id_prefix
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{p}-title {p}-desc" '
        f'font-family="{FONT}">',
        f'<title id="{p}-title">Scenario graph</title>',
        f'<desc id="{p}-desc">{_t(_summary(scenario, steps, problems))}</desc>',
        "<defs>",
        *(
            f'<marker id="{p}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
            f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for name, colour in (("arrow", INK), ("arrow-critical", RED), ("arrow-path", BLUE))
        ),
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="{PAPER}"/>',
        '<g class="edges" fill="none">',
    ]
    for key, node in nodes.items():
        step = node.step
        if step is None:
            continue
        sx, sy = _position(node, row_height)
        for index, choice in enumerate(step.choices):
            port_x, port_y = sx + NODE_W, sy + node.height * (index + 1) // (len(step.choices) + 1)
            found = _target(steps, choice)
            target = nodes[found.id if found else _missing_key(key, index)]
            tx, ty = _position(target, row_height)
            dangling = target.step is None
            if target.column > node.column:  # forward: into the target's left side
                end_x, end_y = tx, ty + target.height // 2
                bend = (end_x - port_x) // 2
                d = f"M{port_x},{port_y} C{port_x + bend},{port_y} {end_x - bend},{end_y} "
            else:  # back to the same or an earlier column: over the top, into the target's top
                end_x, end_y = tx + NODE_W // 2, ty
                crest = max(4, min(port_y, end_y) - 36 - 6 * index)
                d = f"M{port_x},{port_y} C{port_x + 60},{crest} {end_x},{crest} "
            d += f"{end_x},{end_y}"
            on_path = (key, choice.id) in highlighted
            red = choice.critical or dangling
            colour = RED if red else BLUE if on_path else INK
            marker = "arrow-critical" if red else "arrow-path" if on_path else "arrow"
            dashes = ' stroke-dasharray="6 4"' if red else ""
            where = (
                _name(target.step)
                if target.step
                else f"missing step {choice.next_step or '(none chosen)'}"
            )
            tip = f"{choice.label} ({choice.score:+d}) from {_name(step)} to {where}" + (
                "; critical" if choice.critical else ""
            )
            label = f"{_clip(choice.label or choice.id, LABEL_CHARS)} ({choice.score:+d})"
            out += [
                f'<g class="edge" data-step={_a(key)} data-choice={_a(choice.id)}'
                f' data-critical="{str(choice.critical).lower()}"'
                f' data-highlighted="{str(on_path).lower()}"><title>{_t(tip)}</title>',
                f'<path d="{d}" stroke="{colour}" stroke-width="{3.5 if on_path else 1.5}"'
                f'{dashes} marker-end="url(#{p}-{marker})"/>',
                f'<text x="{port_x + 6}" y="{port_y - 4}" font-size="10" fill="{colour}" '
                f'stroke="{PAPER}" stroke-width="3" paint-order="stroke">'
                + ('<tspan font-weight="700">critical</tspan> ' if choice.critical else "")
                + f"{_t(label)}</text>",
            ]
            if dangling:
                out.append(_missing_svg(tx, ty, choice.next_step))
            out.append("</g>")
    out.append('</g><g class="nodes">')
    for key, node in nodes.items():
        if node.step is not None:
            x, y = _position(node, row_height)
            is_start = key == scenario.start
            out += _node_svg(
                node.step, node, x, y, is_start=is_start, messages=messages.get(key, [])
            )
    out.append("</g></svg>")
    return "\n".join(out)


def render_text_outline(scenario: Scenario, *, problems: list[Problem] | None = None) -> list[str]:
    """The graph as plain text, one line per step in the chart's reading order (column by
    column): its markers (start, ending, unreachable, problems), then each choice with its score
    and the step it leads to. Not escaped: templates escape it."""
    steps = _steps(scenario)
    reachable = _depths(scenario, steps)
    flagged = {step_id for problem in problems or [] for step_id in problem.step_ids}
    lines = []
    for key, node in _layout(scenario, steps).items():
        step = node.step
        if step is None:
            continue
        tags = [
            tag
            for tag, applies in (
                ("Start", key == scenario.start),
                ("Ending", step.terminal),
                ("Not reachable from the start", bool(reachable) and key not in reachable),
                ("Has problems", key in flagged),
            )
            if applies
        ]
        line = (f"{', '.join(tags)}: " if tags else "") + _name(step)
        moves = []
        for choice in step.choices:
            target = _target(steps, choice)
            where = _name(target) if target else f"missing: {choice.next_step or '(none chosen)'}"
            critical = ", critical" if choice.critical else ""
            moves.append(f"{choice.label or choice.id} ({choice.score:+d}{critical}) → {where}")
        lines.append(line + (" — " + "; ".join(moves) if moves else ""))
    return lines

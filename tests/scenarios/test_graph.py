"""The scenario graph drawing: a server-rendered SVG and a text outline (no database)."""

import random
import xml.etree.ElementTree as ET

import pytest

from scenarios.engine import Choice, PathEntry, Scenario, Step, best_path, validate
from scenarios.graph import render_svg, render_text_outline

SVG = "{http://www.w3.org/2000/svg}"


def _end(step_id: str, title: str) -> Step:
    return Step(id=step_id, title=title, choices=(), terminal=True)


def _step(step_id: str, title: str, *choices: Choice) -> Step:
    return Step(id=step_id, title=title, choices=choices, terminal=False)


def _go(choice_id: str, next_step: str | None, score: int = 0, **kwargs) -> Choice:
    label = kwargs.pop("label", f"Choice {choice_id}")
    return Choice(id=choice_id, label=label, next_step=next_step, score=score, **kwargs)


@pytest.fixture
def overdose() -> Scenario:
    """A loop back to an earlier step, a critical choice and two endings."""
    return Scenario(
        start="arrive",
        pass_threshold=80,
        steps=(
            _step("arrive", "Arrive at the bus shelter", _go("safe", "assess", 5)),
            _step(
                "assess",
                "Unresponsive, slow breathing",
                _go("naloxone", "breathing", 10, label="Call 911, give naloxone"),
                _go("wait", "worse", label="Wait and see"),
            ),
            _step("worse", "Breathing gets worse", _go("reassess", "assess", -3)),
            _step(
                "breathing",
                "The person is breathing, groggy",
                _go("stay", "end_good", 10, label="Stay until EMS"),
                _go("leave", "end_left", 12, label="Leave once they breathe", critical=True),
            ),
            _end("end_good", "Handed over to EMS"),
            _end("end_left", "Left alone"),
        ),
    )


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def _groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def _edge(root: ET.Element, step_id: str, choice_id: str) -> ET.Element:
    (edge,) = [
        g
        for g in _groups(root, "edge")
        if g.get("data-step") == step_id and g.get("data-choice") == choice_id
    ]
    return edge


def test_the_svg_is_well_formed_with_one_node_per_step_and_one_edge_per_choice(overdose):
    root = _parse(render_svg(overdose))
    assert root.tag == f"{SVG}svg"
    assert [g.get("data-step") for g in _groups(root, "node")] == [
        "arrive",
        "assess",
        "breathing",
        "worse",
        "end_good",
        "end_left",
    ]  # column by column, in the order a walk from the start meets them
    edges = [(g.get("data-step"), g.get("data-choice")) for g in _groups(root, "edge")]
    assert sorted(edges) == sorted((s.id, c.id) for s in overdose.steps for c in s.choices)
    assert all(g.find(f"{SVG}title") is not None for g in _groups(root, "edge"))


def test_the_svg_is_accessible_and_has_no_script_styles_or_external_assets(overdose):
    svg = render_svg(overdose, problems=validate(overdose))
    root = _parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert desc.text.startswith("Scenario graph: 6 steps, 6 choices, 2 endings, 0 problems.")
    assert "Starts at Arrive at the bus shelter (arrive)." in desc.text
    assert all(el.get("style") is None for el in root.iter())
    assert "<script" not in svg
    assert "href" not in svg
    assert "<style" not in svg


def test_ids_can_be_prefixed_for_several_graphs_on_one_page(overdose):
    root = _parse(render_svg(overdose, id_prefix="graph-2"))
    assert root.get("aria-labelledby") == "graph-2-title graph-2-desc"
    assert {m.get("id") for m in root.iter(f"{SVG}marker")} == {
        "graph-2-arrow",
        "graph-2-arrow-critical",
        "graph-2-arrow-path",
    }
    with pytest.raises(ValueError, match="id_prefix"):
        render_svg(overdose, id_prefix='x" onload="alert(1)')


def test_author_text_is_escaped():
    evil = "<script>alert('x')</script> & \"quotes\""
    scenario = Scenario(
        start='s"1',
        pass_threshold=50,
        steps=(
            _step('s"1', evil, _go("c<1>", "end", label=evil)),
            _end("end", "Done\x00\x1b"),  # control characters XML cannot hold are dropped
        ),
    )
    svg = render_svg(scenario)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)
    node = _groups(root, "node")[0]
    assert node.get("data-step") == 's"1'
    assert node.find(f"{SVG}title").text.startswith(evil)  # the full title, as a tooltip
    assert _edge(root, 's"1', "c<1>").find(f"{SVG}title").text.startswith(evil)
    assert "<script>" in render_text_outline(scenario)[0]  # plain text: templates escape it


def test_long_titles_are_truncated_with_the_full_title_in_the_tooltip():
    title = "A very long step title that goes on and on past the limit"
    scenario = Scenario(start="a", pass_threshold=0, steps=(_end("a", title),))
    node = _groups(_parse(render_svg(scenario)), "node")[0]
    texts = [t.text for t in node.iter(f"{SVG}text")]
    assert "A very long step title that…" in texts
    assert node.find(f"{SVG}title").text.startswith(title)


def test_critical_choices_are_red_dashed_and_labelled(overdose):
    root = _parse(render_svg(overdose))
    leave = _edge(root, "breathing", "leave")
    assert leave.get("data-critical") == "true"
    path = leave.find(f"{SVG}path")
    assert path.get("stroke-dasharray")
    assert path.get("marker-end").endswith("arrow-critical)")
    assert "critical" in "".join(leave.find(f"{SVG}text").itertext())
    stay = _edge(root, "breathing", "stay").find(f"{SVG}path")
    assert stay.get("stroke-dasharray") is None


def test_back_edges_curve_and_forward_edges_go_right(overdose):
    root = _parse(render_svg(overdose))

    def start_and_end(step_id, choice_id):
        d = _edge(root, step_id, choice_id).find(f"{SVG}path").get("d")
        points = d.replace("M", "").replace("C", "").split()
        return [tuple(map(int, p.split(","))) for p in (points[0], points[-1])]

    (sx, _), (ex, _) = start_and_end("worse", "reassess")  # column 2 back to column 1
    assert ex < sx
    (sx, _), (ex, _) = start_and_end("assess", "naloxone")
    assert ex > sx


def test_start_endings_and_unreachable_steps_are_marked():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(
            _step("a", "Begin", _go("go", "end")),
            _end("end", "The end"),
            _step("orphan", "Nobody comes here", _go("x", "end")),
        ),
    )
    root = _parse(render_svg(scenario))
    nodes = {g.get("data-step"): g for g in _groups(root, "node")}
    assert "▶ Start" in [t.text for t in nodes["a"].iter(f"{SVG}text")]
    assert "Ending" in [t.text for t in nodes["end"].iter(f"{SVG}text")]
    assert len(nodes["end"].findall(f"{SVG}rect")) == 2  # a double border
    assert len(nodes["a"].findall(f"{SVG}rect")) == 1
    xs = {key: int(g.find(f"{SVG}rect").get("x")) for key, g in nodes.items()}
    assert xs["a"] < xs["end"] < xs["orphan"]  # the unreachable step sits in a last column
    assert render_text_outline(scenario) == [
        "Start: Begin (a) — Choice go (+0) → The end (end)",
        "Ending: The end (end)",
        "Not reachable from the start: Nobody comes here (orphan) — Choice x (+0) → The end (end)",
    ]


def test_problems_are_outlined_and_badged_and_dangling_choices_drawn_to_a_missing_box():
    scenario = Scenario(
        start="a",
        pass_threshold=0,
        steps=(
            _step("a", "Begin", _go("ok", "end"), _go("lost", "gone"), _go("blank", None)),
            _end("end", "The end"),
        ),
    )
    problems = validate(scenario)
    assert {p.code for p in problems} == {"dangling_choice"}
    root = _parse(render_svg(scenario, problems=problems))
    nodes = {g.get("data-step"): g for g in _groups(root, "node")}
    assert nodes["a"].find(f"{SVG}rect").get("stroke") == "#b42318"
    assert "!" in [t.text for t in nodes["a"].iter(f"{SVG}text")]
    assert "!" not in [t.text for t in nodes["end"].iter(f"{SVG}text")]
    assert nodes["end"].find(f"{SVG}rect").get("stroke") != "#b42318"
    assert problems[0].message in nodes["a"].find(f"{SVG}title").text
    lost = _edge(root, "a", "lost")
    assert "missing: gone" in [t.text for t in lost.iter(f"{SVG}text")]
    assert lost.find(f"{SVG}path").get("stroke-dasharray")
    blank = _edge(root, "a", "blank")
    assert "missing: (no step chosen)" in [t.text for t in blank.iter(f"{SVG}text")]
    assert "1 problem." not in root.find(f"{SVG}desc").text
    assert "2 problems." in root.find(f"{SVG}desc").text
    assert render_text_outline(scenario, problems=problems)[0] == (
        "Start, Has problems: Begin (a) — Choice ok (+0) → The end (end); "
        "Choice lost (+0) → missing: gone; Choice blank (+0) → missing: (none chosen)"
    )


def test_the_highlighted_path_is_thicker(overdose):
    path = best_path(overdose)
    root = _parse(render_svg(overdose, highlight_path=path))
    on_path = {(e.step_id, e.choice_id) for e in path}
    for edge in _groups(root, "edge"):
        key = (edge.get("data-step"), edge.get("data-choice"))
        width = float(edge.find(f"{SVG}path").get("stroke-width"))
        assert (width > 2) == (key in on_path)
    assert _edge(root, "breathing", "stay").get("data-highlighted") == "true"


def test_the_output_is_deterministic(overdose):
    problems = validate(overdose)
    path = (PathEntry("arrive", "safe"),)
    first = render_svg(overdose, problems=problems, highlight_path=path)
    assert first == render_svg(overdose, problems=problems, highlight_path=path)


def test_odd_scenarios_still_render():
    empty = Scenario(start="", pass_threshold=0, steps=())
    assert "0 steps" in _parse(render_svg(empty)).find(f"{SVG}desc").text
    assert render_text_outline(empty) == []
    no_start = Scenario(start="nope", pass_threshold=0, steps=(_end("a", ""), _end("a", "Dup")))
    root = _parse(render_svg(no_start, problems=validate(no_start)))
    assert [g.get("data-step") for g in _groups(root, "node")] == ["a"]  # first of a duplicate
    assert "The start step is missing." in root.find(f"{SVG}desc").text
    loop = Scenario(start="a", pass_threshold=0, steps=(_step("a", "Again", _go("x", "a")),))
    assert len(_groups(_parse(render_svg(loop)), "edge")) == 1  # a choice back to itself


def test_a_sixty_step_random_scenario_renders():
    rng = random.Random(60)  # noqa: S311 - a seeded layout fixture, not a secret
    ids = [f"step-{n}" for n in range(60)]
    steps = []
    for n, step_id in enumerate(ids):
        if n >= 50:
            steps.append(_end(step_id, f"Ending {n}"))
            continue
        choices = tuple(
            _go(f"c{k}", rng.choice([*ids, "nowhere"]), rng.randint(-5, 10), critical=k == 2)
            for k in range(rng.randint(1, 4))
        )
        steps.append(_step(step_id, f"Step {n} " * 5, *choices))
    scenario = Scenario(start="step-0", pass_threshold=70, steps=tuple(steps))
    root = _parse(render_svg(scenario, problems=validate(scenario)))
    assert len(_groups(root, "node")) == 60
    assert len(_groups(root, "edge")) == sum(len(step.choices) for step in steps)
    assert len(render_text_outline(scenario)) == 60

"""From stored StreamField content to the engine's plain data."""

from .engine import Choice, Scenario, Step


def _competency_names(value) -> tuple[str, ...]:
    names = []
    for item in value or []:
        names.append(getattr(item, "name", None) or str(item))
    return tuple(names)


def engine_scenario(*, start: str, steps, pass_threshold: int) -> Scenario:
    """Build the engine's Scenario from a StreamValue (or a list of step values).

    Step ids are the author's keys; choice ids are the choice's position in its step, which
    stays stable for a given revision."""
    built = []
    for block in steps:
        value = getattr(block, "value", block)
        choices = tuple(
            Choice(
                id=str(index),
                label=choice["label"],
                next_step=(choice.get("next_step") or "").strip() or None,
                feedback=choice.get("feedback") or "",
                score=int(choice.get("score") or 0),
                competencies=_competency_names(choice.get("competencies")),
                critical=bool(choice.get("critical")),
            )
            for index, choice in enumerate(value.get("choices") or [])
        )
        built.append(
            Step(
                id=(value.get("key") or "").strip(),
                title=value.get("title") or "",
                choices=choices,
                terminal=bool(value.get("terminal")),
                outcome=value.get("outcome") or "",
            )
        )
    return Scenario(start=(start or "").strip(), steps=tuple(built), pass_threshold=pass_threshold)

"""From a task book page (or a revision's object) to the plain `TaskBookSpec`."""

from courses.content import _items
from courses.field.engine import CategorySpec, PhaseSpec, ScaleSpec, TaskBookSpec, TaskSpec
from courses.models import Competency


def task_book_spec(page) -> TaskBookSpec:
    """The phases, tasks, categories and scale, with the stable ids Wagtail stores.

    Task ids are list-item ids and phase/category ids are stream block ids, so every read of
    the same revision gives the same ids; content stored without ids falls back to positions."""
    phase_rows = list(page.phases.raw_data)
    category_rows = list(page.evaluation_categories.raw_data)
    competency_ids = {
        value.get("competency")
        for row in phase_rows
        for _, value in _items(row["value"].get("tasks"))
        if value.get("competency")
    }
    competency_names = dict(
        Competency.objects.filter(pk__in=competency_ids).values_list("pk", "name")
    )
    phases = []
    for p_index, row in enumerate(phase_rows):
        value = row["value"]
        phase_id = row.get("id") or f"p{p_index}"
        tasks = tuple(
            TaskSpec(
                id=task_id or f"{phase_id}-t{t_index}",
                number=task.get("number") or "",
                title=task.get("title") or "",
                standard=task.get("standard") or "",
                observations=max(1, int(task.get("observations") or 1)),
                critical=bool(task.get("critical")),
                competency_id=task.get("competency"),
                competency=competency_names.get(task.get("competency"), ""),
            )
            for t_index, (task_id, task) in enumerate(_items(value.get("tasks")))
        )
        phases.append(
            PhaseSpec(
                id=phase_id,
                name=value.get("name") or f"Phase {p_index + 1}",
                weeks=int(value.get("weeks") or 1),
                expected_hours=int(value.get("expected_hours") or 0),
                description=value.get("description") or "",
                tasks=tasks,
                completes_module_id=value.get("completes_module") or None,
            )
        )
    categories = tuple(
        CategorySpec(
            id=row.get("id") or f"c{index}",
            name=row["value"].get("name") or "",
            description=row["value"].get("description") or "",
        )
        for index, row in enumerate(category_rows)
    )
    scale = ScaleSpec(
        minimum=page.scale_minimum,
        maximum=page.scale_maximum,
        acceptable=page.scale_acceptable,
        narrative_at_or_below=page.narrative_at_or_below,
        narrative_at_or_above=page.narrative_at_or_above,
    )
    return TaskBookSpec(phases=tuple(phases), categories=categories, scale=scale)

"""Scenario pages built through Wagtail's API, with stored block ids as the admin writes them."""

import uuid
from collections.abc import Sequence

from courses.models import ModulePage
from scenarios.models import ScenarioPage
from tests.factories.courses import publish


def step(key: str, title: str, choices: Sequence[tuple] = (), *, terminal: bool = False) -> dict:
    """A step block; `choices` are (label, next_step, score, critical) tuples."""
    return {
        "type": "step",
        "id": str(uuid.uuid4()),
        "value": {
            "key": key,
            "title": title,
            "narrative": f"<p>{title}.</p>",
            "image": None,
            "audio": None,
            "terminal": terminal,
            "outcome": f"{title}." if terminal else "",
            "choices": [
                {
                    "type": "item",
                    "id": str(uuid.uuid4()),
                    "value": {
                        "label": label,
                        "next_step": target,
                        "feedback": f"Feedback: {label}",
                        "score": points,
                        "competencies": [],
                        "critical": critical,
                    },
                }
                for label, target, points, critical in choices
            ],
        },
    }


OVERDOSE_STEPS = (
    ("arrive", "Arrive at the shelter", [("Check scene safety", "person", 5, False)]),
    (
        "person",
        "Person unresponsive",
        [
            ("Call 911 and give naloxone", "stay", 10, False),
            ("Give naloxone and leave", "left", 15, True),
        ],
    ),
    ("stay", "Stay and monitor", [("Hand over to EMS", "end", 10, False)]),
)


def overdose_steps() -> list[dict]:
    return [
        *(step(key, title, choices) for key, title, choices in OVERDOSE_STEPS),
        step("left", "Person left alone", terminal=True),
        step("end", "Handover to EMS", terminal=True),
    ]


def scenario_page(
    module: ModulePage,
    *,
    steps: list[dict] | None = None,
    start: str = "arrive",
    pass_threshold: int = 70,
    attempts_allowed: int = 3,
) -> ScenarioPage:
    page = ScenarioPage(
        title=f"{module.title} scenario",
        start_step=start,
        steps=steps if steps is not None else overdose_steps(),
        pass_threshold=pass_threshold,
        attempts_allowed=attempts_allowed,
    )
    module.add_child(instance=page)
    return publish(page)

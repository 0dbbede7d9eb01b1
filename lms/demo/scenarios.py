"""The demo scenarios: six branching scenarios placed in the scenario modules of the demo
programs, and the attempts the demo staff made at them.

Content comes from the `scenarios` key of `catalog.json`. Two of the scenarios get a new,
optional scenario module of their own (a scenario module holds one scenario); the others go into
the curriculum's scenario modules. Pages are built through Wagtail's API and published, and every
scenario is checked with the engine's `validate()` as it is seeded. Attempts are played through
the scenario services with past `now=` times, along the choice positions the catalog lists as
`runs`, so the records are the ones the player itself would have made.

The demo learner (three weeks into the academy) has failed attempts, each reviewed by the demo
FTO ("needs practice", through `scenarios.coaching`), and one attempt left open: the module is not
completed yet. A few generated staff of each program have good and bad runs.
Loading again changes nothing: everything is skipped when the scenarios exist.
"""

import datetime
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from courses.models import Assignment, Competency, ModulePage, TrainingProgramPage, TrainingType
from courses.permissions import can_take_module
from lms.accounts.models import StaffProfile, StaffStatus, User
from scenarios.coaching import coaching_review_record
from scenarios.engine import validate
from scenarios.models import (
    AttemptStatus,
    CoachingReview,
    CoachingVerdict,
    ScenarioAttempt,
    ScenarioPage,
)
from scenarios.services import attempt_choose, attempt_reflect, attempt_start_or_resume

from .curriculum import (
    AUTHOR,
    FTO,
    LEARNER,
    UTC,
    _module_page,
    _publish,
    block_id,
    rich_text,
    seed_competencies,
)
from .people import DEFAULT_SIZE, DEMO_RANDOM_SEED, StaffSpec

SCENARIO_RANDOM_SEED = DEMO_RANDOM_SEED + 11
# Generated people per program who get attempts, and the runs each of them plays in turn.
PEOPLE_PER_PROGRAM = 3
PLANS: tuple[tuple[str, ...], ...] = (("model",), ("critical", "loop"), ("poor", "model"))
# Only people assigned at least this long ago (their attempts fall within the last month).
ASSIGNED_DAYS_BEFORE = 35
# The demo learner: runs per scenario and how many days before `today` each one was played.
LEARNER_RUNS = {
    "welfare-check-on-linden-street": (("critical", 9), ("poor", 5)),
    "noise-complaint-at-the-harbor-view-apartments": (("poor", 3),),
}
# ... and the scenario they have started again and left part-way (choice positions).
LEARNER_OPEN = ("noise-complaint-at-the-harbor-view-apartments", (0, 0, 0), 1)
# The demo FTO reviews each of the learner's finished attempts this many hours later.
REVIEW_DELAY = datetime.timedelta(hours=20)


# --- content: catalog entries to StreamField data ---------------------------------------------


def step_stream(
    slug: str, steps: Sequence[Mapping[str, Any]], competencies: Mapping[str, Competency]
) -> list[dict[str, Any]]:
    """`steps` stream data with stable block ids (list items in Wagtail's block format)."""
    stream = []
    for step in steps:
        key = f"{slug}/{step['key']}"
        choices = [
            {
                "type": "item",
                "id": block_id(key, "choice", str(n)),
                "value": {
                    "label": choice["label"],
                    "next_step": choice["next"],
                    "feedback": choice["feedback"],
                    "score": choice["score"],
                    "competencies": [
                        {
                            "type": "item",
                            "id": block_id(key, "choice", str(n), competency),
                            "value": competencies[competency].pk,
                        }
                        for competency in choice["competencies"]
                    ],
                    "critical": choice["critical"],
                },
            }
            for n, choice in enumerate(step.get("choices", []))
        ]
        stream.append(
            {
                "type": "step",
                "id": block_id(key),
                "value": {
                    "key": step["key"],
                    "title": step["title"],
                    "narrative": rich_text(step["narrative"]),
                    "image": None,
                    "audio": None,
                    "terminal": not choices,
                    "outcome": step.get("outcome", ""),
                    "choices": choices,
                },
            }
        )
    return stream


def _module_for(
    spec: Mapping[str, Any], *, competencies: Mapping[str, Competency], author: User | None
) -> ModulePage:
    """The scenario module a scenario goes in: an existing one, or a new one at the end of the
    program (optional, so no program's completion changes)."""
    program = TrainingProgramPage.objects.get(slug=spec["program"])
    module = spec["module"]
    if isinstance(module, str):
        return ModulePage.objects.child_of(program).get(slug=module)
    page = _module_page(
        module, protocols={}, protocol_specs={}, competencies=competencies, built={}
    )
    return _publish(program.add_child(instance=page), user=author)


def build_scenarios(
    specs: Sequence[Mapping[str, Any]],
    *,
    competencies: Mapping[str, Competency],
    author: User | None,
) -> dict[str, ScenarioPage]:
    """Create and publish the scenarios; ImproperlyConfigured if one would not validate."""
    built: dict[str, ScenarioPage] = {}
    for spec in specs:
        module = _module_for(spec, competencies=competencies, author=author)
        if module.training_type != TrainingType.SCENARIO:
            raise ImproperlyConfigured(f"{module.slug} is not a scenario module.")
        page = ScenarioPage(
            title=spec["title"],
            slug=spec["slug"],
            live=False,
            intro=rich_text(spec["intro"]),
            start_step=spec["start"],
            steps=step_stream(spec["slug"], spec["steps"], competencies),
            pass_threshold=spec["pass_threshold"],
            attempts_allowed=spec["attempts_allowed"],
        )
        page = _publish(module.add_child(instance=page), user=author)
        problems = validate(page.engine())
        if problems:
            raise ImproperlyConfigured(
                f"Demo scenario {spec['slug']} does not validate: "
                + " ".join(problem.message for problem in problems)
            )
        built[spec["slug"]] = page
    return built


# --- attempts ----------------------------------------------------------------------------------


class Player:
    """Plays runs through the scenario services, at past times."""

    def __init__(self, specs: Mapping[str, Mapping[str, Any]], *, rng: random.Random):
        self.specs = specs
        self.rng = rng

    def play(
        self,
        user: User,
        page: ScenarioPage,
        choices: Sequence[int],
        at: datetime.datetime,
        *,
        reflection: str = "",
    ) -> ScenarioAttempt:
        attempt = attempt_start_or_resume(user=user, scenario=page, now=at)
        for position in choices:
            at += datetime.timedelta(seconds=self.rng.randint(40, 210))
            attempt = attempt_choose(
                user=user,
                attempt=attempt,
                step_id=attempt.current_step,
                choice_id=str(position),
                now=at,
            )
        if reflection and attempt.passed is not None:
            attempt_reflect(user=user, attempt=attempt, html=f"<p>{reflection}</p>")
        return attempt

    def run(
        self,
        user: User,
        page: ScenarioPage,
        name: str,
        at: datetime.datetime,
        *,
        reflect: bool = False,
    ) -> ScenarioAttempt:
        spec = self.specs[page.slug]
        reflection = spec["reflections"].get(name, "") if reflect else ""
        return self.play(user, page, spec["runs"][name], at, reflection=reflection)


def _at(day: datetime.date, profile: StaffProfile, rng: random.Random) -> datetime.datetime:
    """A moment in working hours (09:00-16:00 local) on `day`, in UTC."""
    moment = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=profile.organisation.zone)
    return (moment + datetime.timedelta(minutes=rng.randint(0, 7 * 60))).astimezone(UTC)


def _players_of(
    program: TrainingProgramPage,
    modules: Sequence[ModulePage],
    *,
    emails: Sequence[str],
    today: datetime.date,
) -> list[StaffProfile]:
    """The first generated people (in seed order) assigned the program long enough ago, still
    active and able to take its scenario modules."""
    assigned = set(
        Assignment.objects.open()
        .filter(
            program=program,
            assigned_on__lte=today - datetime.timedelta(days=ASSIGNED_DAYS_BEFORE),
            user__email__in=emails,
        )
        .values_list("user__email", flat=True)
    )
    profiles = {
        profile.user.email: profile
        for profile in StaffProfile.objects.filter(
            user__email__in=assigned, status=StaffStatus.ACTIVE
        ).select_related("user", "organisation")
    }
    chosen = []
    for email in emails:
        profile = profiles.get(email)
        if profile and all(can_take_module(user=profile.user, module=m) for m in modules):
            chosen.append(profile)
        if len(chosen) == PEOPLE_PER_PROGRAM:
            break
    return chosen


def seed_attempts(
    specs: Sequence[Mapping[str, Any]],
    pages: Mapping[str, ScenarioPage],
    *,
    staff: Sequence[StaffSpec],
    today: datetime.date,
) -> int:
    """The demo learner's attempts and a few generated people's per program. Returns how many
    attempts were made."""
    rng = random.Random(SCENARIO_RANDOM_SEED)  # noqa: S311 - reproducible demo data  # nosec B311
    player = Player({spec["slug"]: spec for spec in specs}, rng=rng)
    made = 0

    learner = StaffProfile.objects.select_related("user", "organisation").filter(
        user__email=LEARNER
    )
    if learner_profile := learner.first():
        user = learner_profile.user
        played = []
        for slug, runs in LEARNER_RUNS.items():
            for name, days in runs:
                day = today - datetime.timedelta(days=days)
                at = _at(day, learner_profile, rng)
                played.append((name, player.run(user, pages[slug], name, at, reflect=True)))
                made += 1
        seed_reviews(player.specs, played)
        slug, choices, days = LEARNER_OPEN
        day = today - datetime.timedelta(days=days)
        player.play(user, pages[slug], choices, _at(day, learner_profile, rng))
        made += 1

    emails = [spec.email for spec in staff[:DEFAULT_SIZE] if spec.status == StaffStatus.ACTIVE]
    by_program: dict[str, list[ScenarioPage]] = {}
    for spec in specs:
        by_program.setdefault(spec["program"], []).append(pages[spec["slug"]])
    for program_slug, program_pages in by_program.items():
        program = TrainingProgramPage.objects.get(slug=program_slug)
        modules = [page.get_parent().specific for page in program_pages]
        people = _players_of(program, modules, emails=emails, today=today)
        for n, profile in enumerate(people):
            plan = PLANS[n % len(PLANS)]
            for k, page in enumerate(program_pages):
                day = today - datetime.timedelta(days=28 - 3 * n - 9 * k)
                for m, name in enumerate(plan):
                    at = _at(day + datetime.timedelta(days=3 * m), profile, rng)
                    player.run(profile.user, page, name, at, reflect=(n + m + k) % 2 == 0)
                    made += 1
    return made


def seed_reviews(
    specs: Mapping[str, Mapping[str, Any]], played: Sequence[tuple[str, ScenarioAttempt]]
) -> int:
    """The demo FTO's coaching reviews of the learner's finished attempts, where the catalog
    has feedback for the run: "needs practice", which grants one more attempt each. The most
    recent finished attempt is left unreviewed, so the demo FTO's queue has work in it."""
    coach = User.objects.filter(email=FTO).first()
    if coach is None:
        return 0
    finished = [a for _, a in played if a.status == AttemptStatus.FINISHED]
    latest = max(finished, key=lambda a: a.finished_at, default=None)
    made = 0
    for name, attempt in played:
        feedback = specs[attempt.scenario.slug].get("coaching", {}).get(name)
        if not feedback or attempt.status != AttemptStatus.FINISHED or attempt is latest:
            continue
        coaching_review_record(
            coach=coach,
            attempt=attempt,
            feedback=f"<p>{feedback}</p>",
            verdict=CoachingVerdict.COMPETENT if attempt.passed else CoachingVerdict.NEEDS_PRACTICE,
            now=attempt.finished_at + REVIEW_DELAY,
        )
        made += 1
    return made


# --- the whole set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioSummary:
    created: bool
    scenarios: int
    steps: int
    attempts_by_outcome: dict[str, int]
    coaching_reviews: int

    def lines(self) -> list[str]:
        outcomes = ", ".join(f"{name} {count}" for name, count in self.attempts_by_outcome.items())
        return [
            f"Scenarios: {self.scenarios} ({self.steps} steps), attempts: {outcomes or 'none'}, "
            f"{self.coaching_reviews} coaching reviews"
            + ("." if self.created else " (already loaded).")
        ]


def seed_scenarios(
    catalog: Mapping[str, Any], *, specs: Sequence[StaffSpec], today: datetime.date
) -> ScenarioSummary:
    """Load the demo scenarios and their attempts once (after the curriculum)."""
    scenario_specs = catalog["scenarios"]["items"]
    slugs = [spec["slug"] for spec in scenario_specs]
    created = not ScenarioPage.objects.filter(slug__in=slugs).exists()
    if created:
        with transaction.atomic():
            author = User.objects.filter(email=AUTHOR).first()
            competencies = seed_competencies(catalog["curriculum"])
            pages = build_scenarios(scenario_specs, competencies=competencies, author=author)
            seed_attempts(scenario_specs, pages, staff=specs, today=today)
    return scenario_summary(slugs, created=created)


def scenario_summary(slugs: Sequence[str], *, created: bool) -> ScenarioSummary:
    pages = ScenarioPage.objects.live().filter(slug__in=slugs)
    attempts = ScenarioAttempt.objects.filter(scenario__in=pages)
    outcomes = Counter(
        "in progress" if passed is None else "passed" if passed else "failed"
        for passed in attempts.values_list("passed", flat=True)
    )
    return ScenarioSummary(
        created=created,
        scenarios=pages.count(),
        steps=sum(len(page.steps) for page in pages),
        attempts_by_outcome=dict(sorted(outcomes.items())),
        coaching_reviews=CoachingReview.objects.filter(attempt__in=attempts).count(),
    )

"""One learner's training history, built through the real services, with a check after each step
that it recorded exactly the statements it should."""

import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from courses.content import quiz_spec
from courses.models import FieldTraining, ModulePage, TrainingProgramPage
from courses.services import field as field_services
from courses.services.progress import section_view
from courses.services.quiz import quiz_submit
from lms.xapi.models import Statement
from scenarios.models import ScenarioPage
from scenarios.services import attempt_choose, attempt_start_or_resume
from tests.factories.courses import assign, module_page, program_page
from tests.factories.field import complete_phase, observe, report, start
from tests.factories.scenarios import scenario_page


def kinds() -> Counter:
    return Counter(
        source.split(":")[0] for source in Statement.objects.values_list("source", flat=True)
    )


@dataclass
class History:
    program: TrainingProgramPage
    skills: ModulePage
    scenario: ScenarioPage
    training: FieldTraining
    steps: list[tuple[str, Counter]] = field(default_factory=list)


class Recorder:
    """Runs a step and remembers which statements it added."""

    def __init__(self):
        self.before = kinds()
        self.steps: list[tuple[str, Counter]] = []

    def step(self, name: str, action):
        result = action()
        after = kinds()
        added = after - self.before
        self.steps.append((name, added))
        self.before = after
        return result


def answers(module: ModulePage, *, right: bool) -> dict[str, list[str]]:
    if right:
        return {q.id: sorted(q.correct_ids) for q in quiz_spec(module)}
    return {
        q.id: [next(o.id for o in q.options if o.id not in q.correct_ids)]
        for q in quiz_spec(module)
    }


def build_history(city) -> History:
    learner = city.user("learner")
    program = program_page("Responder academy")
    skills = module_page(program, title="De-escalation basics", sections=2, n_questions=2)
    scenario_module = module_page(
        program, title="Overdose response", training_type="scenario", n_questions=0
    )
    scenario = scenario_page(scenario_module)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    rec = Recorder()

    def view_sections():
        for index in range(skills.section_count):
            section_view(user=learner, module=skills, index=index)

    rec.step("sections viewed", view_sections)
    rec.step(
        "quiz failed",
        lambda: quiz_submit(user=learner, module=skills, answers=answers(skills, right=False)),
    )
    rec.step(
        "quiz passed",
        lambda: quiz_submit(user=learner, module=skills, answers=answers(skills, right=True)),
    )

    def play():
        attempt = attempt_start_or_resume(user=learner, scenario=scenario)
        for _ in range(3):
            attempt = attempt_choose(
                user=learner, attempt=attempt, step_id=attempt.current_step, choice_id="0"
            )
        return attempt

    rec.step("scenario played", play)

    training = rec.step(
        "field training started",
        lambda: start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user),
    )
    rec.step("DOR written", lambda: report(training))
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    original = rec.step("task signed", lambda: observe(training, task_id))
    rec.step(
        "task sign-off corrected",
        lambda: field_services.task_observation_sign(
            fto=city.fto.user,
            training=training,
            task_id=task_id,
            observed_on=original.observed_on,
            context="exercise",
            satisfactory=True,
            supersedes=original,
            correction_reason="It was a drill, not a call.",
            request_key=uuid.uuid4(),
        ),
    )
    for number in range(len(training.spec["phases"])):
        rec.step(f"phase {number + 1} tasks", lambda: complete_phase(training))
        rec.step(
            f"phase {number + 1} recommended",
            lambda: field_services.phase_recommend(
                fto=city.fto.user, training=training, request_key=uuid.uuid4()
            ),
        )
        rec.step(
            f"phase {number + 1} approved",
            lambda: field_services.phase_approve(
                supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
            ),
        )
        training.refresh_from_db()
    rec.step(
        "released",
        lambda: field_services.training_release(
            supervisor=city.supervisor.user,
            training=training,
            reauthenticated_at=timezone.now(),
            request_key=uuid.uuid4(),
        ),
    )
    return History(
        program=program, skills=skills, scenario=scenario, training=training, steps=rec.steps
    )

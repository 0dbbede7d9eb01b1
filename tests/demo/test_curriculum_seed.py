"""The demo curriculum: programs, modules, quizzes, protocols and the staff's training history.

The city (with its curriculum and history) is seeded once for the module, inside a transaction
that is rolled back at the end; each test runs in a savepoint within it.
"""

import datetime

import pytest
from django.db import transaction
from wagtail.models import Revision

from courses.content import body_paragraphs, quiz_spec
from courses.engines import paragraph_changes
from courses.models import (
    AcknowledgementRequest,
    Assignment,
    Competency,
    CompetencyCategory,
    ModulePage,
    ModuleProgress,
    ProgressStatus,
    ProtocolAcknowledgement,
    ProtocolPage,
    ProtocolVersion,
    QuizAttempt,
    TrainingProgramPage,
    TrainingType,
)
from courses.permissions import can_reset
from lms.accounts.models import Notification, User
from lms.demo.people import DEMO_ANCHOR
from lms.demo.seed import seed_city

pytestmark = pytest.mark.django_db

PROGRAMS = {
    "community-responder-academy",
    "violence-intervention-outreach",
    "telephone-online-reporting",
    "transit-ambassador-program",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_city(today=DEMO_ANCHOR)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _modules(program_slug: str) -> list[ModulePage]:
    program = TrainingProgramPage.objects.get(slug=program_slug)
    return list(ModulePage.objects.live().child_of(program).order_by("path"))


def _counts() -> dict[str, int]:
    return {
        "categories": CompetencyCategory.objects.count(),
        "competencies": Competency.objects.count(),
        "programs": TrainingProgramPage.objects.count(),
        "modules": ModulePage.objects.count(),
        "protocols": ProtocolPage.objects.count(),
        "revisions": Revision.objects.count(),
        "versions": ProtocolVersion.objects.count(),
        "assignments": Assignment.objects.count(),
        "progress": ModuleProgress.objects.count(),
        "attempts": QuizAttempt.objects.count(),
        "acknowledgements": ProtocolAcknowledgement.objects.count(),
        "requests": AcknowledgementRequest.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_four_programs_and_modules_of_every_type(seeded):
    programs = TrainingProgramPage.objects.live()
    assert set(programs.values_list("slug", flat=True)) >= PROGRAMS
    for program in programs:
        assert program.audience_roles.exists()
        assert ModulePage.objects.live().child_of(program).count() >= 5
    modules = ModulePage.objects.live()
    assert modules.count() >= 25
    assert set(modules.values_list("training_type", flat=True)) == set(TrainingType.values)
    for module in modules.filter(training_type=TrainingType.PROTOCOL):
        assert module.protocol is not None
        assert module.protocol.live
    for module in modules.exclude(training_type=TrainingType.SKILLS):
        assert module.section_count >= 2
    assert seeded.curriculum.programs >= 4


def test_only_the_transit_and_reporting_programs_are_limited_to_their_organisations(seeded):
    limited = {
        program.slug: {org.slug for org in program.organisations.all()}
        for program in TrainingProgramPage.objects.all()
        if program.organisations.exists()
    }
    assert limited == {
        "telephone-online-reporting": {"police-records-unit"},
        "transit-ambassador-program": {"transit-safety"},
    }


def test_skills_modules_have_content_and_a_real_quiz(seeded):
    skills = ModulePage.objects.live().filter(training_type=TrainingType.SKILLS)
    assert skills.count() >= 12
    body_block = ModulePage._meta.get_field("body").stream_block
    questions_block = ModulePage._meta.get_field("questions").stream_block
    for module in skills:
        assert 3 <= module.section_count <= 5
        assert len(module.objectives) >= 3
        assert module.summary
        assert module.competencies.exists()
        assert module.estimated_minutes > 0
        assert module.ce_hours > 0
        assert (module.pass_mark, module.attempts_allowed) == (80, 3)
        # The stored content passes the blocks' own validation (one correct answer, etc.).
        body_block.clean(module.body)
        questions_block.clean(module.questions)
        spec = quiz_spec(module)
        assert 3 <= len(spec) <= 5
        assert {question.kind for question in spec} <= {"single", "multiple", "true_false"}
        for question in spec:
            assert all(option.feedback for option in question.options)
            if question.kind in ("single", "true_false"):
                assert len(question.correct_ids) == 1
            else:
                assert question.correct_ids
            if question.kind == "true_false":
                assert len(question.options) == 2
        ids = [question.id for question in spec] + [o.id for q in spec for o in q.options]
        assert len(ids) == len(set(ids))
        # Stable: the live page and its published revision give the same ids.
        assert quiz_spec(module.live_revision.as_object()) == spec
    kinds = {question.kind for module in skills for question in quiz_spec(module)}
    assert kinds == {"single", "multiple", "true_false"}


def test_competency_framework_covers_the_fact_sheet_skills(seeded):
    names = set(CompetencyCategory.objects.values_list("name", flat=True))
    for expected in (
        "Crisis intervention, mediation & de-escalation",
        "Report taking & data collection",
        "Community connections & resource navigation",
        "Lived experience & peer practice",
        "Scene safety & situational awareness",
        "Trauma-informed practice",
        "Documentation & evidence",
    ):
        assert expected in names
    for category in CompetencyCategory.objects.all():
        assert category.competencies.count() >= 2
    assert not ModulePage.objects.filter(competencies__isnull=True).exists()


def test_two_protocols_with_a_material_revision(seeded):
    protocols = list(ProtocolPage.objects.live())
    assert len(protocols) == 2
    for protocol in protocols:
        assert protocol.audience_roles.exists()
        versions = list(protocol.versions.order_by("version"))
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].published_at < versions[1].published_at
        assert versions[1].change_summary
        assert versions[1].revision_id == protocol.live_revision_id
        before = body_paragraphs(versions[0].revision.as_object())
        changes = paragraph_changes(before, body_paragraphs(protocol))
        assert {"added", "removed"} <= {change.kind for change in changes}
        # Some people acknowledged version 1 only and are asked to acknowledge version 2.
        v1_only = ProtocolAcknowledgement.objects.filter(protocol_version=versions[0]).exclude(
            user__acknowledgements__protocol_version=versions[1]
        )
        assert v1_only.exists()
        assert versions[1].requests.filter(completed_at__isnull=True).exists()
        assert versions[1].requests.filter(completed_at__isnull=False).exists()


def test_demo_learner_is_part_way_through_the_academy(seeded):
    learner = User.objects.get(email="learner@relay.test")
    assignment = Assignment.objects.open().get(user=learner)
    assert assignment.program.slug == "community-responder-academy"
    assert assignment.completed_at is None
    progress = {p.module_id: p.status for p in ModuleProgress.objects.filter(user=learner)}
    statuses = [
        progress.get(module.pk, ProgressStatus.NOT_STARTED)
        for module in _modules("community-responder-academy")
    ]
    assert statuses[:2] == [ProgressStatus.COMPLETED, ProgressStatus.IN_PROGRESS]
    assert set(statuses[2:]) == {ProgressStatus.NOT_STARTED}
    overdue_assignments = Assignment.objects.overdue(on=DEMO_ANCHOR).filter(user=learner)
    overdue_requests = AcknowledgementRequest.objects.filter(
        user=learner, completed_at__isnull=True, due_on__lt=DEMO_ANCHOR
    )
    assert overdue_assignments.count() + overdue_requests.count() == 1


def test_cbo_learner_has_outreach_training_assigned(seeded):
    learner = User.objects.get(email="cbo.learner@relay.test")
    assignment = Assignment.objects.open().get(user=learner)
    assert assignment.program.slug == "violence-intervention-outreach"
    statuses = set(ModuleProgress.objects.filter(user=learner).values_list("status", flat=True))
    assert {ProgressStatus.COMPLETED, ProgressStatus.IN_PROGRESS} <= statuses
    assert Assignment.objects.overdue(on=DEMO_ANCHOR).filter(user=learner).exists()


def test_history_has_completions_overdue_work_and_failures(seeded):
    assert Assignment.objects.filter(completed_at__isnull=False).exists()
    assert Assignment.objects.overdue(on=DEMO_ANCHOR).count() >= 3
    failed = ModuleProgress.objects.filter(status=ProgressStatus.FAILED).select_related("user")
    assert failed.exists()
    for progress in failed:
        attempts = QuizAttempt.objects.filter(user=progress.user, module=progress.module)
        assert attempts.count() == progress.module.attempts_allowed
        assert not attempts.filter(passed=True).exists()
    supervisor = User.objects.get(email="supervisor@relay.test")
    assert any(can_reset(actor=supervisor, progress=progress) for progress in failed)
    # Attempts were graded against the published revision, in the past.
    assert not QuizAttempt.objects.filter(revision__isnull=True).exists()
    assert not QuizAttempt.objects.filter(
        submitted_at__gte=datetime.datetime.combine(DEMO_ANCHOR, datetime.time(), datetime.UTC)
    ).exists()


def test_scenario_and_field_modules_complete_through_the_completion_interface(seeded):
    done = ModuleProgress.objects.filter(
        status=ProgressStatus.COMPLETED,
        module__training_type__in=[TrainingType.SCENARIO, TrainingType.FIELD],
    )
    assert done.exists()
    # Field modules come from imported records and from the demo trainees' signed field
    # training (phase approval, release); scenario modules also from passed attempts.
    assert set(done.values_list("completion_source", flat=True)) <= {
        "training_record_import",
        "scenario_attempt",
        "field_phase_approval",
        "field_release",
    }
    skills = ModuleProgress.objects.filter(
        status=ProgressStatus.COMPLETED, module__training_type=TrainingType.SKILLS
    )
    assert set(skills.values_list("completion_source", flat=True)) == {"skills_rule"}


def test_seeding_again_changes_nothing(seeded):
    before = _counts()
    again = seed_city(today=DEMO_ANCHOR + datetime.timedelta(days=3))
    assert _counts() == before
    assert not again.curriculum.created

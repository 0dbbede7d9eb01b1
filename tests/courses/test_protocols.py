"""Protocol versions, re-acknowledgement requests, acknowledgements and change listings."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses.content import body_paragraphs, quiz_spec
from courses.engines import ChangeLine
from courses.models import (
    AcknowledgementRequest,
    Assignment,
    ModuleProgress,
    ProgressStatus,
    ProtocolAcknowledgement,
    ProtocolPage,
    ProtocolVersion,
)
from courses.selectors import protocol_compliance
from courses.services.assignment import assignment_apply_rules
from courses.services.protocol import (
    changes_since_acknowledged,
    protocol_acknowledge,
    protocol_version_record,
    protocol_versions_sync,
)
from courses.services.quiz import quiz_submit
from lms.accounts.models import Notification
from lms.accounts.services import staff_separate
from tests.factories import (
    edit_and_publish,
    module_page,
    program_page,
    protocol_page,
    raise_protocol_version,
)
from tests.factories.courses import protocol_paragraphs

NOW = datetime.datetime(2026, 12, 1, 16, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
STATEMENT = "I have read the scene-safety protocol and will follow it on every call."


def hours(n: float) -> datetime.datetime:
    return NOW + datetime.timedelta(hours=n)


def fresh(protocol: ProtocolPage) -> ProtocolPage:
    return ProtocolPage.objects.get(pk=protocol.pk)


@pytest.fixture
def protocol(city):
    """Scene safety, for the learner's and the FTO's job roles, published but not recorded."""
    return protocol_page(
        "Scene safety",
        roles=[city.learner.job_role, city.fto.job_role],
        statement=STATEMENT,
        reacknowledge_within_days=10,
    )


@pytest.fixture
def v1(protocol):
    return protocol_version_record(protocol=protocol, now=NOW)


def _behind(city, protocol) -> set[str]:
    (row,) = [
        r for r in protocol_compliance(viewer=city.user("admin")) if r.protocol.pk == protocol.pk
    ]
    return {profile.user.email for profile in row.behind}


def test_recording_a_published_version_asks_the_audience(city, protocol):
    staff_separate(actor=city.user("admin"), profile=city.fto, on=TODAY)  # left: not asked

    version = protocol_version_record(protocol=protocol, now=NOW)

    assert (version.version, version.title, version.published_at) == (1, "Scene safety", NOW)
    assert version.revision_id == protocol.live_revision_id
    request = AcknowledgementRequest.objects.get()
    assert (request.user, request.protocol_version, request.completed_at) == (
        city.user("learner"),
        version,
        None,
    )
    assert request.due_on == TODAY + datetime.timedelta(days=10)
    notice = Notification.objects.get()
    assert notice.user == city.user("learner")
    assert "Scene safety" in notice.message


def test_recording_twice_records_nothing_twice(city, protocol, v1):
    assert protocol_version_record(protocol=protocol, now=hours(1)) is None
    assert protocol_versions_sync(now=hours(1)) == 0
    assert ProtocolVersion.objects.count() == 1
    assert AcknowledgementRequest.objects.count() == 2  # learner and FTO
    assert Notification.objects.count() == 2


def test_a_draft_protocol_is_not_recorded(city):
    draft = protocol_page("Draft protocol", roles=[city.learner.job_role], live=False)
    assert protocol_version_record(protocol=draft, now=NOW) is None
    assert not ProtocolVersion.objects.exists()


def test_a_correction_without_a_new_version_asks_nobody_again(city, protocol, v1):
    corrected = edit_and_publish(protocol, summary="Typo fixed.")
    assert protocol_version_record(protocol=corrected, now=hours(1)) is None
    assert AcknowledgementRequest.objects.count() == 2


def test_protocols_published_without_the_admin_are_recorded_by_the_sync(city, protocol):
    assert protocol_versions_sync(now=NOW) == 1
    assert protocol_versions_sync(now=NOW) == 0
    assert ProtocolVersion.objects.get().version == 1


def test_acknowledging_records_the_exact_revision_and_statement(city, protocol, v1):
    learner = city.user("learner")

    acknowledgement = protocol_acknowledge(user=learner, protocol=fresh(protocol), now=hours(2))

    assert acknowledgement.protocol_version == v1
    assert acknowledgement.revision_id == v1.revision_id == protocol.live_revision_id
    assert acknowledgement.statement == STATEMENT
    assert acknowledgement.acknowledged_at == hours(2)
    assert AcknowledgementRequest.objects.get(user=learner).completed_at == hours(2)
    assert AcknowledgementRequest.objects.get(user=city.user("fto")).completed_at is None
    assert _behind(city, protocol) == {"fto@relay.test"}

    # Rewording the statement later does not rewrite what was attested.
    edit_and_publish(protocol, acknowledgement_statement="Something else entirely.")
    acknowledgement.refresh_from_db()
    assert acknowledgement.statement == STATEMENT


def test_acknowledging_twice_is_refused(city, protocol, v1):
    protocol_acknowledge(user=city.user("learner"), protocol=fresh(protocol), now=hours(1))
    with pytest.raises(ValidationError):
        protocol_acknowledge(user=city.user("learner"), protocol=fresh(protocol), now=hours(2))
    assert ProtocolAcknowledgement.objects.count() == 1


def test_acknowledging_a_published_unrecorded_protocol_records_its_version_first(city, protocol):
    acknowledgement = protocol_acknowledge(user=city.user("learner"), protocol=protocol, now=NOW)
    assert acknowledgement.protocol_version.version == 1
    assert ProtocolVersion.objects.filter(protocol=protocol).count() == 1


@pytest.mark.parametrize("person", ["cbo_learner", "supervisor", "private_cbo_learner"])
def test_someone_outside_the_audience_without_an_assignment_is_refused(city, v1, protocol, person):
    with pytest.raises(PermissionDenied):
        protocol_acknowledge(user=city.user(person), protocol=fresh(protocol), now=NOW)
    assert not ProtocolAcknowledgement.objects.exists()


def test_a_draft_protocol_cannot_be_acknowledged(city):
    draft = protocol_page("Draft protocol", roles=[city.learner.job_role], live=False)
    with pytest.raises(PermissionDenied):
        protocol_acknowledge(user=city.user("learner"), protocol=draft, now=NOW)


# --- protocol modules ------------------------------------------------------------------------


@pytest.fixture
def protocol_module(city, protocol):
    """A program for the contracted learner's role holding a module on the protocol (whose
    audience does not include that role)."""
    program = program_page("Partner onboarding", roles=[city.cbo_learner.job_role])
    module = module_page(
        program,
        title="Scene safety module",
        training_type="protocol",
        protocol=protocol,
        n_questions=0,
    )
    assignment_apply_rules(profile=city.cbo_learner, on=TODAY, now=NOW)
    return module


def test_acknowledging_completes_the_protocol_module_and_its_program(city, protocol_module, v1):
    partner = city.user("cbo_learner")

    protocol_acknowledge(user=partner, protocol=protocol_module.protocol, now=hours(1))

    progress = ModuleProgress.objects.get(user=partner, module=protocol_module)
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.completion_source == "protocol_rule"
    assert progress.completed_revision_id == protocol_module.live_revision_id
    assert progress.completed_title == "Scene safety module"
    assert Assignment.objects.get(user=partner).completed_at == hours(1)


def test_a_protocol_module_with_a_quiz_needs_both(city, protocol, v1):
    program = program_page("Academy", roles=[city.learner.job_role])
    module = module_page(program, training_type="protocol", protocol=protocol, n_questions=1)
    learner = city.user("learner")
    assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)

    protocol_acknowledge(user=learner, protocol=fresh(protocol), now=hours(1))
    assert ModuleProgress.objects.get(module=module).status != ProgressStatus.COMPLETED

    answers = {q.id: sorted(q.correct_ids) for q in quiz_spec(module)}
    quiz_submit(user=learner, module=module, answers=answers, now=hours(2))
    assert ModuleProgress.objects.get(module=module).status == ProgressStatus.COMPLETED


# --- new versions ----------------------------------------------------------------------------


def test_a_new_version_asks_again_and_lists_what_changed(city, protocol, v1):
    learner = city.user("learner")
    first = protocol_acknowledge(user=learner, protocol=fresh(protocol), now=hours(1))
    assert changes_since_acknowledged(user=learner, protocol=fresh(protocol)) == (first, [])

    v2_page = raise_protocol_version(
        protocol,
        body_change=lambda paragraphs: [
            paragraphs[0],
            "Wear high-visibility clothing at roadside calls.",
            paragraphs[2],
        ],
        change_summary="Roadside safety.",
    )
    v2 = protocol_version_record(protocol=v2_page, now=hours(3))

    assert (v2.version, v2.change_summary) == (2, "Roadside safety.")
    assert v2.revision_id == v2_page.live_revision_id != v1.revision_id
    assert AcknowledgementRequest.objects.filter(protocol_version=v2).count() == 2
    assert (
        AcknowledgementRequest.objects.get(user=learner, protocol_version=v2).completed_at is None
    )
    assert "learner@relay.test" in _behind(city, protocol)

    last, lines = changes_since_acknowledged(user=learner, protocol=fresh(protocol))
    assert last == first
    assert [line for line in lines if line.kind != "same"] == [
        ChangeLine("removed", "Introduce yourself and your role."),
        ChangeLine("added", "Wear high-visibility clothing at roadside calls."),
    ]
    assert [line.text for line in lines if line.kind != "removed"] == body_paragraphs(v2_page)

    second = protocol_acknowledge(user=learner, protocol=fresh(protocol), now=hours(4))
    assert second.protocol_version == v2
    assert second.revision_id == v2_page.live_revision_id
    assert "learner@relay.test" not in _behind(city, protocol)
    assert changes_since_acknowledged(user=learner, protocol=fresh(protocol)) == (second, [])
    assert ProtocolAcknowledgement.objects.filter(user=learner).count() == 2  # v1 kept


def test_changes_for_someone_who_never_acknowledged_are_empty(city, protocol, v1):
    assert changes_since_acknowledged(user=city.user("learner"), protocol=protocol) == (None, [])


def test_the_protocol_paragraph_helper_reads_what_the_factory_wrote(protocol):
    assert protocol_paragraphs(protocol) == body_paragraphs(protocol)[1:]


def test_acknowledging_a_published_but_unrecorded_version_attests_that_version(city, protocol, v1):
    live = raise_protocol_version(protocol, body_change=["Only this now."])  # not recorded yet

    acknowledgement = protocol_acknowledge(user=city.user("learner"), protocol=live, now=hours(1))

    assert acknowledgement.revision_id == live.live_revision_id
    assert acknowledgement.protocol_version.version == live.version

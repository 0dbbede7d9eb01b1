"""The learner, supervisor and HR pages through the client."""

import datetime

import pytest
from django.utils import timezone

from courses.content import quiz_spec
from courses.models import Assignment, ModuleProgress, ProtocolAcknowledgement, QuizAttempt
from courses.services.protocol import protocol_version_record
from tests.factories.courses import (
    assign,
    edit_and_publish,
    module_page,
    program_page,
    protocol_page,
    raise_protocol_version,
)


@pytest.fixture
def course(city):
    program = program_page("Community responder academy")
    first = module_page(program, title="De-escalation basics", sections=2, n_questions=2)
    second = module_page(program, title="Report writing", sections=1, n_questions=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return program, first, second


def _right_answers(module):
    return {f"q-{q.id}": sorted(q.correct_ids) for q in quiz_spec(module)}


def test_learner_home_shows_program_progress_and_next_step(city, course, client_for):
    _program, _first, _ = course
    page = client_for("learner").get("/").content.decode()
    assert "Community responder academy" in page
    assert "0 of 2 required modules done (0%)" in page
    assert "Next: <strong>De-escalation basics</strong>" in page


def test_learner_completes_a_module_with_its_knowledge_check(city, course, client_for):
    _program, first, _second = course
    client = client_for("learner")
    assert client.get(f"/learn/modules/{first.pk}/").status_code == 200
    assert client.get(f"/learn/modules/{first.pk}/?section=1").status_code == 200
    quiz = client.get(f"/learn/modules/{first.pk}/quiz/")
    assert quiz.status_code == 200
    assert b"correct" not in quiz.content.lower()  # nothing reveals the answers before submitting
    response = client.post(f"/learn/modules/{first.pk}/quiz/", _right_answers(first))
    assert response.status_code == 302
    result = client.get(response["Location"])
    assert b"Passed" in result.content
    progress = ModuleProgress.objects.get(user=city.user("learner"), module=first)
    assert progress.status == "completed"
    assert progress.completed_title == "De-escalation basics"
    home = client.get("/").content.decode()
    assert "1 of 2 required modules done (50%)" in home
    transcript = client.get("/learn/transcript/").content.decode()
    assert "De-escalation basics" in transcript


def test_resume_goes_back_to_the_last_section(city, course, client_for):
    _, first, _ = course
    client = client_for("learner")
    client.get(f"/learn/modules/{first.pk}/?section=1")
    page = client.get(f"/learn/modules/{first.pk}/").content.decode()
    assert "Section 2 of 2" in page


@pytest.mark.parametrize(
    "mangle",
    [
        lambda answers, other: {k: ["not-an-option"] for k in answers},
        lambda answers, other: dict.fromkeys(answers, other),  # options of another module
        lambda answers, other: {"q-unknown": ["x"], **answers},
    ],
)
def test_bad_quiz_submissions_are_rejected_and_store_nothing(city, course, client_for, mangle):
    _, first, second = course
    client = client_for("learner")
    other = sorted(quiz_spec(second)[0].correct_ids)
    response = client.post(f"/learn/modules/{first.pk}/quiz/", mangle(_right_answers(first), other))
    assert response.status_code == 400
    assert b"form-errors" in response.content
    assert not QuizAttempt.objects.exists()


def test_replay_after_last_attempt_is_refused(city, client_for):
    program = program_page()
    module = module_page(program, n_questions=1, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    client = client_for("learner")
    wrong = {f"q-{q.id}": [q.options[1].id] for q in quiz_spec(module)}
    client.post(f"/learn/modules/{module.pk}/quiz/", wrong)
    again = client.post(f"/learn/modules/{module.pk}/quiz/", wrong)
    assert again.status_code == 400
    assert b"Your supervisor can reopen" in again.content
    assert QuizAttempt.objects.count() == 1


def test_the_quiz_page_offers_no_form_it_would_refuse(city, client_for):
    """Found by the load test: a module completed (or failed) still showed the question form,
    and answering it earned a 400. The page now says why and links back instead."""
    program = program_page()
    passed = module_page(program, n_questions=1, attempts_allowed=3)
    failed = module_page(program, n_questions=1, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    client = client_for("learner")
    open_page = client.get(f"/learn/modules/{passed.pk}/quiz/").content.decode()
    assert 'class="quiz"' in open_page
    client.post(f"/learn/modules/{passed.pk}/quiz/", _right_answers(passed))
    wrong = {f"q-{q.id}": [q.options[1].id] for q in quiz_spec(failed)}
    client.post(f"/learn/modules/{failed.pk}/quiz/", wrong)
    for module, reason in (
        (passed, "already"),
        (failed, "Your supervisor can reopen the module."),
    ):
        response = client.get(f"/learn/modules/{module.pk}/quiz/")
        page = response.content.decode()
        assert response.status_code == 200
        assert 'class="quiz"' not in page
        assert reason in page
        assert f'href="/learn/modules/{module.pk}/"' in page


def test_unassigned_and_draft_modules_are_not_shown(city, course, client_for):
    program, _first, _ = course
    other = module_page(program_page(), n_questions=1)
    draft = module_page(program, live=False)
    client = client_for("learner")
    assert client.get(f"/learn/modules/{other.pk}/").status_code == 403
    assert client.post(f"/learn/modules/{other.pk}/quiz/", _right_answers(other)).status_code == 403
    assert client.get(f"/learn/modules/{draft.pk}/").status_code == 404
    assert not QuizAttempt.objects.exists()
    assert (
        "Module"
        not in client.get(f"/learn/programs/{program.pk}/")
        .content.decode()
        .split(draft.title)[0][-0:]
        or draft.title not in client.get(f"/learn/programs/{program.pk}/").content.decode()
    )


def test_knowledge_check_feedback_comes_from_the_server(city, client_for):
    program = program_page()
    module = module_page(program, sections=1, n_questions=0)
    body = module.body.raw_data
    body[0]["value"]["content"].append(
        {
            "type": "knowledge_check",
            "value": {
                "question": "Who speaks first?",
                "options": [
                    {
                        "type": "item",
                        "value": {"text": "One lead", "correct": True, "feedback": "Yes."},
                    },
                    {
                        "type": "item",
                        "value": {"text": "Everyone", "correct": False, "feedback": "No."},
                    },
                ],
            },
        }
    )
    module = edit_and_publish(module, body=body)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    content = module.body[0].value["content"]
    position = [c.block_type for c in content].index("knowledge_check")
    check = content[position]
    assert len(check.value["options"]) == 2
    client = client_for("learner")
    page = client.get(f"/learn/modules/{module.pk}/").content.decode()
    assert "Yes." not in page
    url = f"/learn/modules/{module.pk}/sections/0/check/{position}/"
    assert "Not quite." in client.post(url, {"option": "1"}).content.decode()
    assert client.post(url, {"option": "bogus"}).status_code == 400


def test_supervisor_grid_and_csv(city, course, client_for, django_assert_max_num_queries):
    program, _first, _ = course
    client = client_for("supervisor")
    with django_assert_max_num_queries(25):
        page = client.get(f"/team/training/{program.pk}/")
    assert page.status_code == 200
    assert city.learner.user.display_name in page.content.decode()
    from tests.factories import StaffProfileFactory

    for profile in StaffProfileFactory.create_batch(12, organisation=city.department):
        assign(actor=city.user("supervisor"), profile=profile, program=program)
    with django_assert_max_num_queries(25):
        assert client.get(f"/team/training/{program.pk}/").status_code == 200
    csv = client.get(f"/team/training/{program.pk}/?format=csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("Name,Email,Employee id")
    assert len(lines) == 14


def test_grid_of_another_organisation_is_empty(city, course, client_for):
    program, _, _ = course
    page = client_for("cbo_supervisor").get(f"/team/training/{program.pk}/").content.decode()
    assert city.learner.user.display_name not in page


def test_learner_cannot_open_team_pages(city, course, client_for):
    program, _, _ = course
    client = client_for("learner")
    assert client.get("/team/training/").status_code == 403
    assert client.get(f"/team/training/{program.pk}/").status_code == 403
    assert client.get("/team/protocols/").status_code == 403


def test_supervisor_assigns_and_unassigns_with_a_reason(city, client_for):
    program = program_page("Transit ambassador basics")
    module_page(program)
    client = client_for("supervisor")
    url = f"/team/people/{city.learner.pk}/training/"
    past = client.post(url, {"program": program.pk, "due_on": "2001-01-01"})
    assert b"cannot be in the past" in past.content
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert client.post(url, {"program": program.pk, "due_on": due}).status_code == 302
    assignment = Assignment.objects.get(program=program)
    client.post(f"/team/assignments/{assignment.pk}/end/", {"reason": ""})
    assignment.refresh_from_db()
    assert assignment.ended_at is None
    client.post(f"/team/assignments/{assignment.pk}/end/", {"reason": "Moved to dispatch"})
    assignment.refresh_from_db()
    assert assignment.end_reason == "Moved to dispatch"
    assert client_for("cbo_supervisor").get(url).status_code == 404


def test_supervisor_reopens_a_failed_module(city, client_for):
    program = program_page()
    module = module_page(program, n_questions=1, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    learner = client_for("learner")
    wrong = {f"q-{q.id}": [q.options[1].id] for q in quiz_spec(module)}
    learner.post(f"/learn/modules/{module.pk}/quiz/", wrong)
    progress = ModuleProgress.objects.get(module=module)
    assert progress.status == "failed"
    assert (
        client_for("hr").post(f"/team/progress/{progress.pk}/reset/", {"reason": "x"}).status_code
        == 403
    )
    client_for("supervisor").post(f"/team/progress/{progress.pk}/reset/", {"reason": "Retrained"})
    progress.refresh_from_db()
    assert progress.status == "in_progress"
    right = {f"q-{q.id}": sorted(q.correct_ids) for q in quiz_spec(module)}
    assert learner.post(f"/learn/modules/{module.pk}/quiz/", right).status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/people/", "/people/"),
        ("https://evil.example/phish", "/team/training/"),
        ("//evil.example/phish", "/team/training/"),
        ("", "/team/training/"),
    ],
)
def test_a_reset_goes_back_only_to_a_page_of_this_site(city, client_for, next_url, lands_on):
    program = program_page()
    module = module_page(program, n_questions=1, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    wrong = {f"q-{q.id}": [q.options[1].id] for q in quiz_spec(module)}
    client_for("learner").post(f"/learn/modules/{module.pk}/quiz/", wrong)
    progress = ModuleProgress.objects.get(module=module)
    response = client_for("supervisor").post(
        f"/team/progress/{progress.pk}/reset/", {"reason": "Retrained", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_protocol_acknowledgement_and_changes(city, client_for):
    from certificates.models import JobRole

    role = JobRole.objects.get(pk=city.learner.job_role_id)
    protocol = protocol_page("Behavioral-health call response", roles=[role])
    protocol_version_record(protocol=protocol)
    client = client_for("learner")
    home = client.get("/").content.decode()
    assert "Protocol to acknowledge" in home
    client.post(f"/learn/protocols/{protocol.pk}/")
    first = ProtocolAcknowledgement.objects.get()
    assert first.revision_id == protocol.live_revision_id
    raise_protocol_version(
        protocol, body_change=lambda ps: [*ps[:1], "Wear the issued radio at all times.", *ps[2:]]
    )
    protocol_version_record(protocol=protocol)
    page = client.get(f"/learn/protocols/{protocol.pk}/").content.decode()
    assert "Added:</strong> Wear the issued radio at all times." in page
    assert "Removed:</strong> Introduce yourself and your role." in page
    compliance = client_for("supervisor").get("/team/protocols/").content.decode()
    assert "Behind on Behavioral-health call response" in compliance
    assert city.learner.user.display_name in compliance


def test_admin_moves_a_person_into_a_role_and_its_program_is_assigned(city, client_for):
    from tests.factories import JobRoleFactory

    dispatcher = JobRoleFactory(name="Public safety telecommunicator (911)")
    program = program_page("911 academy", roles=[dispatcher])
    module_page(program)
    client = client_for("admin")
    response = client.post(
        f"/people/{city.learner.pk}/job-role/",
        {"job_role": dispatcher.pk, "effective_on": "2026-12-01"},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(user=city.user("learner"), program=program)
    assert assignment.assigned_on == datetime.date(2026, 12, 1)
    assert assignment.due_on == datetime.date(2026, 12, 1) + datetime.timedelta(days=30)
    # Bad input changes nothing.
    client.post(f"/people/{city.learner.pk}/job-role/", {"job_role": "nope"})
    city.learner.refresh_from_db()
    assert city.learner.job_role == dispatcher


# The module page, recording the section view: the progress row is not read again afterwards.
MODULE_PAGE_QUERIES = 20


def test_learner_home_and_module_page_run_constant_queries(
    city, course, client_for, django_assert_max_num_queries
):
    _program, first, _ = course
    client = client_for("learner")
    with django_assert_max_num_queries(30):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(MODULE_PAGE_QUERIES):
        assert client.get(f"/learn/modules/{first.pk}/").status_code == 200
    for _ in range(3):
        extra = program_page()
        for _ in range(4):
            module_page(extra)
        assign(actor=city.user("supervisor"), profile=city.learner, program=extra)
    client.get(f"/learn/modules/{first.pk}/?section=1")
    with django_assert_max_num_queries(30):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(MODULE_PAGE_QUERIES):
        assert client.get(f"/learn/modules/{first.pk}/").status_code == 200

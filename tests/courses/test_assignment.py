"""Assigning programs: job-role rules on hire and move, supervisors' choices, unassigning."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from courses.models import Assignment, AssignmentSource
from courses.services.assignment import (
    assignment_apply_rules,
    assignment_create,
    assignment_end,
    assignment_rules_run_all,
)
from lms.accounts import services as accounts
from lms.accounts.models import Notification
from tests.factories import InvitationFactory, JobRoleFactory, program_page

NOW = datetime.datetime(2026, 12, 1, 16, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture
def responder_program(city):
    """A program for the learner's (and only the learner's) job role, due 30 days after."""
    return program_page("Responder academy", roles=[city.learner.job_role], due_in_days=30)


def _open(user, program=None):
    rows = Assignment.objects.open().filter(user=user)
    return rows.filter(program=program) if program is not None else rows


# --- rules: hire and move --------------------------------------------------------------------


def test_hire_assigns_the_role_programs_due_from_the_hire_date(city):
    role = JobRoleFactory(name="Crisis counsellor")
    academy = program_page("Counsellor academy", roles=[role], due_in_days=45)
    program_page("Someone else's academy", roles=[JobRoleFactory()])
    program_page("Draft academy", roles=[role], live=False)
    hire_date = datetime.date(2027, 1, 4)
    InvitationFactory(
        raw_token="hire-token-abcdefghijklmnopqrstuvwxyz",
        email="new.counsellor@relay.test",
        organisation=city.department,
        invited_by=city.user("hr"),
        job_role=role,
        hire_date=hire_date,
    )

    user = accounts.invitation_accept(
        token="hire-token-abcdefghijklmnopqrstuvwxyz", password="river-stone-9182"
    )

    assignment = Assignment.objects.get(user=user)
    assert assignment.program.pk == academy.pk
    assert assignment.program_title == "Counsellor academy"
    assert assignment.source == AssignmentSource.RULE
    assert assignment.assigned_by is None
    assert assignment.assigned_on == hire_date
    assert assignment.due_on == hire_date + datetime.timedelta(days=45)
    notice = Notification.objects.get(user=user)
    assert "Counsellor academy" in notice.message
    assert notice.url == reverse("courses:program", args=[academy.pk])


def test_moving_into_a_role_assigns_its_programs(city, responder_program):
    dispatcher = JobRoleFactory(name="Telecommunicator")
    dispatch = program_page("Dispatch refresher", roles=[dispatcher], due_in_days=20)
    assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    moved_on = datetime.date(2027, 2, 1)

    accounts.staff_change_job_role(
        actor=city.user("admin"), profile=city.learner, job_role=dispatcher, on=moved_on
    )

    assignment = _open(city.user("learner"), dispatch).get()
    assert assignment.assigned_on == moved_on
    # Time in the new role counts from the move (career readiness reads it).
    city.learner.refresh_from_db()
    assert city.learner.in_role_since == moved_on
    accounts.staff_change_job_role(
        actor=city.user("admin"), profile=city.learner, job_role=dispatcher, on=TODAY
    )
    city.learner.refresh_from_db()
    assert city.learner.job_role_since == moved_on  # the same role again: no new start
    assert assignment.due_on == datetime.date(2027, 2, 21)
    assert _open(city.user("learner")).count() == 2  # the old role's program stays
    assert Notification.objects.filter(
        user=city.user("learner"), message__contains="Dispatch refresher"
    ).exists()


def test_applying_the_rules_again_creates_nothing(city, responder_program):
    first = assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    assert [a.program_id for a in first] == [responder_program.pk]
    assert Notification.objects.filter(user=city.user("learner")).count() == 1

    assert assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW) == []
    assert assignment_rules_run_all(now=NOW) == 0
    assert Assignment.objects.count() == 1
    assert Notification.objects.filter(user=city.user("learner")).count() == 1


def test_running_all_rules_twice_creates_nothing_the_second_time(city, responder_program):
    shared = program_page("Everyone's refresher", roles=[city.cbo_learner.job_role])

    assert assignment_rules_run_all(now=NOW) == 2
    assert assignment_rules_run_all(now=NOW) == 0

    learner = _open(city.user("learner")).get()
    assert learner.program.pk == responder_program.pk
    assert learner.assigned_on == TODAY  # hired in the past: the rule applies from today
    assert learner.due_on == TODAY + datetime.timedelta(days=30)
    assert _open(city.user("cbo_learner")).get().program.pk == shared.pk
    assert assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW) == []


def test_run_all_dates_a_future_hire_from_the_hire_date(city, responder_program):
    city.learner.hire_date = datetime.date(2027, 3, 1)
    city.learner.save(update_fields=["hire_date"])
    assignment_rules_run_all(now=NOW)
    assignment = _open(city.user("learner")).get()
    assert assignment.assigned_on == datetime.date(2027, 3, 1)
    assert assignment.due_on == datetime.date(2027, 3, 31)


def test_organisation_restricted_programs_stay_in_their_organisations(city):
    role = city.learner.job_role
    department_only = program_page(
        "Department academy", roles=[role], organisations=[city.department]
    )
    everyone = program_page("City-wide academy", roles=[role])

    # The contracted organisation's learner moves into the same role as the department's.
    accounts.staff_change_job_role(
        actor=city.user("admin"), profile=city.cbo_learner, job_role=role, on=TODAY
    )
    assert {a.program.pk for a in _open(city.user("cbo_learner"))} == {everyone.pk}

    assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    assert {a.program.pk for a in _open(city.user("learner"))} == {department_only.pk, everyone.pk}

    assert assignment_rules_run_all(now=NOW) == 0
    assert {a.program.pk for a in _open(city.user("cbo_learner"))} == {everyone.pk}


def test_run_all_respects_organisation_restrictions(city):
    role = city.learner.job_role
    city.cbo_learner.job_role = role
    city.cbo_learner.save(update_fields=["job_role"])
    department_only = program_page(
        "Department academy", roles=[role], organisations=[city.department]
    )

    assert assignment_rules_run_all(now=NOW) == 1
    assert _open(city.user("learner"), department_only).exists()
    assert not _open(city.user("cbo_learner")).exists()


def test_separated_staff_are_assigned_nothing(city, responder_program):
    accounts.staff_separate(actor=city.user("admin"), profile=city.learner, on=TODAY)

    assert assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW) == []
    assert assignment_rules_run_all(now=NOW) == 0
    assert not Assignment.objects.exists()
    assert not Notification.objects.exists()


# --- supervisors -----------------------------------------------------------------------------


def test_supervisor_assigns_a_program_to_their_person(city, responder_program):
    due = TODAY + datetime.timedelta(days=10)
    assignment = assignment_create(
        actor=city.user("supervisor"),
        profile=city.learner,
        program=responder_program,
        due_on=due,
        now=NOW,
    )
    assert assignment.source == AssignmentSource.SUPERVISOR
    assert assignment.assigned_by == city.user("supervisor")
    assert (assignment.assigned_on, assignment.due_on) == (TODAY, due)
    notice = Notification.objects.get(user=city.user("learner"))
    assert "Responder academy" in notice.message
    assert city.user("supervisor").display_name in notice.message


@pytest.mark.parametrize(
    ("actor", "person"),
    [
        ("supervisor", "cbo_learner"),  # another organisation's person
        ("cbo_supervisor", "learner"),
        ("learner", "learner"),  # nobody assigns themselves
        ("hr", "learner"),  # sees everyone, but does not assign
        ("fto", "learner"),
    ],
)
def test_assigning_someone_not_mine_is_denied(city, responder_program, actor, person):
    with pytest.raises(PermissionDenied):
        assignment_create(
            actor=city.user(actor),
            profile=getattr(city, person),
            program=responder_program,
            due_on=TODAY + datetime.timedelta(days=10),
            now=NOW,
        )
    assert not Assignment.objects.exists()
    assert not Notification.objects.exists()


def test_admin_may_assign_anyone(city, responder_program):
    assignment_create(
        actor=city.user("admin"),
        profile=city.cbo_learner,
        program=responder_program,
        due_on=TODAY,
        now=NOW,
    )
    assert _open(city.user("cbo_learner")).count() == 1


def test_assignment_due_in_the_past_is_refused(city, responder_program):
    with pytest.raises(ValidationError) as error:
        assignment_create(
            actor=city.user("supervisor"),
            profile=city.learner,
            program=responder_program,
            due_on=TODAY - datetime.timedelta(days=1),
            now=NOW,
        )
    assert "due_on" in error.value.message_dict
    assert not Assignment.objects.exists()


def test_duplicate_assignment_is_refused(city, responder_program):
    assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    with pytest.raises(ValidationError) as error:
        assignment_create(
            actor=city.user("supervisor"),
            profile=city.learner,
            program=responder_program,
            due_on=TODAY + datetime.timedelta(days=3),
            now=NOW,
        )
    assert "already" in str(error.value)
    assert Assignment.objects.count() == 1


def test_unpublished_program_cannot_be_assigned(city):
    draft = program_page("Draft academy", roles=[city.learner.job_role], live=False)
    with pytest.raises(ValidationError):
        assignment_create(
            actor=city.user("supervisor"),
            profile=city.learner,
            program=draft,
            due_on=TODAY + datetime.timedelta(days=3),
            now=NOW,
        )
    assert not Assignment.objects.exists()


# --- unassigning -----------------------------------------------------------------------------


def test_unassigning_keeps_history_and_needs_a_reason(city, responder_program):
    (assignment,) = assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    supervisor = city.user("supervisor")

    with pytest.raises(ValidationError):
        assignment_end(actor=supervisor, assignment=assignment, reason="   ", now=NOW)
    with pytest.raises(PermissionDenied):
        assignment_end(actor=city.user("cbo_supervisor"), assignment=assignment, reason="x")
    with pytest.raises(PermissionDenied):
        assignment_end(actor=city.user("learner"), assignment=assignment, reason="Done it")
    assignment.refresh_from_db()
    assert assignment.ended_at is None

    later = NOW + datetime.timedelta(hours=2)
    ended = assignment_end(
        actor=supervisor, assignment=assignment, reason="  Moved to dispatch.  ", now=later
    )
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (
        later,
        supervisor,
        "Moved to dispatch.",
    )
    assert Assignment.objects.filter(pk=assignment.pk).exists()  # kept, not deleted
    assert not _open(city.user("learner")).exists()

    with pytest.raises(ValidationError):
        assignment_end(actor=supervisor, assignment=ended, reason="Again", now=later)

    # The program can be assigned again; both rows stay.
    assignment_create(
        actor=supervisor,
        profile=city.learner,
        program=responder_program,
        due_on=TODAY + datetime.timedelta(days=5),
        now=later,
    )
    assert Assignment.objects.filter(user=city.user("learner")).count() == 2
    assert _open(city.user("learner")).count() == 1


def test_run_all_and_apply_rules_agree_after_an_unassignment(city, responder_program):
    """Whatever the policy on re-assigning an ended rule assignment, the per-person rule and the
    set-based command must reach the same answer, whatever else the person has open."""
    other = program_page("Supervisor-chosen course", roles=[JobRoleFactory()])
    (assignment,) = assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    assignment_end(actor=city.user("supervisor"), assignment=assignment, reason="Wrong academy")
    assignment_create(
        actor=city.user("supervisor"),
        profile=city.learner,
        program=other,
        due_on=TODAY + datetime.timedelta(days=5),
        now=NOW,
    )

    by_command = assignment_rules_run_all(now=NOW)
    by_rule = len(assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW))

    assert by_command + by_rule == 1  # exactly one of them re-creates it, and only once
    assert by_command == 1, "run_all skipped the ended program"
    assert _open(city.user("learner"), responder_program).count() == 1


def test_due_dates_are_judged_in_the_organisations_time_zone(city, responder_program):
    # 18:00 on 1 December in Denver is already 2 December in UTC.
    evening = datetime.datetime(2026, 12, 2, 1, 0, tzinfo=datetime.UTC)
    assert city.department.time_zone == "America/Denver"

    assignment = assignment_create(
        actor=city.user("supervisor"),
        profile=city.learner,
        program=responder_program,
        due_on=datetime.date(2026, 12, 1),  # "due today", as the supervisor sees it
        now=evening,
    )

    assert assignment.assigned_on == datetime.date(2026, 12, 1)

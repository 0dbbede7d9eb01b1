"""The home page's cached panels are never stale: every change they show changes the page.

Each test loads the home (so its panels are cached), checks that the cache holds them, makes one
kind of change through the service (or the admin edit) that real people use, and loads the home
again.
"""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from certificates.models import JobRole
from courses.content import quiz_spec
from courses.models import Assignment, ModulePage, ModuleProgress
from courses.services.assignment import assignment_end
from courses.services.progress import progress_reset, section_view
from courses.services.protocol import protocol_acknowledge, protocol_version_record
from courses.services.quiz import quiz_submit
from lms import home as home_module
from lms.accounts.models import StaffProfile, StaffStatus
from lms.accounts.roles import Role
from lms.accounts.services import (
    notifications_mark_read,
    notifications_send,
    roles_set,
    staff_change_job_role,
)
from tests.conftest import sign_in
from tests.factories import JobRoleFactory, UserFactory
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
    first = module_page(program, title="De-escalation basics", sections=2, n_questions=1)
    second = module_page(program, title="Report writing", sections=1, n_questions=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return program, first, second


@pytest.fixture
def learner(city, client_for):
    client = client_for("learner")
    client.get("/")  # shows (and so uses up) the "signed in" message
    return client


def home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def cached_home(client: Client, city) -> str:
    """The home, then proof that its panels are now in the cache (so the next load may hit)."""
    page = home(client)
    assert cache.get(f"relay:home-panels:{city.user('learner').pk}") is not None
    assert cache.get(f"relay:home-page:{city.user('learner').pk}") is not None
    assert _without_tokens(home(client)) == _without_tokens(page)
    return page


def _without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _right_answers(module):
    return {q.id: sorted(q.correct_ids) for q in quiz_spec(module)}


def _wrong_answers(module):
    return {
        q.id: [o.id for o in q.options if o.id not in q.correct_ids][:1] for q in quiz_spec(module)
    }


# --- Assignments ---------------------------------------------------------------------------------


def test_a_new_assignment_shows(city, course, learner):
    assert "Field safety" not in cached_home(learner, city)
    extra = program_page("Field safety")
    module_page(extra)
    assign(actor=city.user("supervisor"), profile=city.learner, program=extra)
    page = home(learner)
    assert "Field safety" in page
    assert "assigned you Field safety" in page  # and its notification


def test_an_ended_assignment_goes(city, course, learner):
    program, _, _ = course
    card = f'<h3><a href="/learn/programs/{program.pk}/">Community responder academy</a></h3>'
    assert card in cached_home(learner, city)
    assignment = Assignment.objects.get(user=city.user("learner"), program=program)
    assignment_end(actor=city.user("supervisor"), assignment=assignment, reason="Moved on")
    assert card not in home(learner)


# --- Progress, quiz attempts, resets -------------------------------------------------------------


def test_viewing_a_section_turns_start_into_continue(city, course, learner):
    _, first, _ = course
    assert ">Start</a>" in cached_home(learner, city)
    section_view(user=city.user("learner"), module=first, index=0)
    page = home(learner)
    assert ">Continue</a>" in page
    assert 'De-escalation basics</a> <span class="status status--in_progress">' in page


def test_passing_a_quiz_completes_the_module_and_then_the_program(city, course, learner):
    _, first, second = course
    user = city.user("learner")
    assert "0 of 2 required modules done (0%)" in cached_home(learner, city)
    for index in range(first.section_count):
        section_view(user=user, module=first, index=index)
    quiz_submit(user=user, module=first, answers=_right_answers(first))
    assert "1 of 2 required modules done (50%)" in home(learner)
    section_view(user=user, module=second, index=0)
    quiz_submit(user=user, module=second, answers=_right_answers(second))
    page = home(learner)
    assert "All your assigned training is done" in page
    assert "Program completed" in page


def test_a_failed_attempt_and_a_supervisor_reset_show(city, course, learner):
    _, first, _ = course
    user = city.user("learner")
    ModulePage.objects.filter(pk=first.pk).update(attempts_allowed=1)
    first = ModulePage.objects.get(pk=first.pk)
    for index in range(first.section_count):
        section_view(user=user, module=first, index=index)
    assert "status--in_progress" in cached_home(learner, city)
    quiz_submit(user=user, module=first, answers=_wrong_answers(first))
    assert "status--failed" in home(learner)
    progress = ModuleProgress.objects.get(user=user, module=first)
    progress_reset(actor=city.user("supervisor"), progress=progress, reason="Retrained")
    page = home(learner)
    assert "status--failed" not in page
    assert "status--in_progress" in page


# --- Protocols -----------------------------------------------------------------------------------


def test_protocol_requests_and_acknowledgements_show(city, learner):
    role = JobRole.objects.get(pk=city.learner.job_role_id)
    protocol = protocol_page("Behavioral-health call response", roles=[role])
    assert "Protocol to acknowledge" not in cached_home(learner, city)
    protocol_version_record(protocol=protocol)
    assert 'Behavioral-health call response</a> <span class="muted">version 1' in home(learner)
    protocol_acknowledge(user=city.user("learner"), protocol=protocol)
    assert "Protocol to acknowledge" not in cached_home(learner, city)
    raise_protocol_version(protocol, change_summary="Radios at all times.")
    protocol_version_record(protocol=protocol)
    page = home(learner)
    assert "version 2" in page
    assert "What changed: Radios at all times." in page


# --- Notifications -------------------------------------------------------------------------------


def test_notifications_appear_and_go_when_read(city, course, learner):
    user = city.user("learner")
    notifications_mark_read(user=user)
    assert "New for you" not in cached_home(learner, city)
    notifications_send(users=[user], message="Your FTO left feedback.", url="/coaching/")
    assert "Your FTO left feedback." in cached_home(learner, city)
    notifications_send(users=[user], message="A second note.")
    assert "A second note." in cached_home(learner, city)
    notifications_mark_read(user=user)
    assert "New for you" not in home(learner)


def test_the_cached_notification_form_carries_each_sessions_own_csrf_token(city, course):
    user = city.user("learner")
    notifications_send(users=[user], message="Read me.")
    first = sign_in(Client(), user)
    second = sign_in(Client(), user)
    second.handler.enforce_csrf_checks = True
    home(first)
    page = home(second)  # from the cache filled by the first session
    token = re.search(
        r'notifications/read/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    assert token is not None
    response = second.post("/notifications/read/", {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert "Read me." not in home(first)


# --- Curriculum pages (publishing in the admin) --------------------------------------------------


def test_publishing_program_and_module_edits_shows_them(city, course, learner):
    program, first, _ = course
    assert "Community responder academy" in cached_home(learner, city)
    edit_and_publish(program, title="Responder academy 2027")
    assert "Responder academy 2027" in cached_home(learner, city)
    edit_and_publish(first, title="Calm first", estimated_minutes=25)
    assert "Next: <strong>Calm first</strong>" in (page := cached_home(learner, city))
    assert "about 25 min" in page
    edit_and_publish(first, required=False)
    assert "0 of 1 required modules done (0%)" in home(learner)


def test_a_draft_changes_nothing_but_publishing_does(city, course, learner):
    page = ModulePage.objects.get(pk=course[1].pk)
    page.title = "Draft title"
    page.save_revision()
    assert "Draft title" not in cached_home(learner, city)
    page.get_latest_revision().publish()
    assert "Draft title" in home(learner)


def test_new_unpublished_and_moved_modules_show(city, course, learner):
    program, first, _ = course
    assert "0 of 2 required" in cached_home(learner, city)
    extra = module_page(program, title="Radio protocol")
    assert "0 of 3 required" in cached_home(learner, city)
    ModulePage.objects.get(pk=extra.pk).unpublish()
    assert "0 of 2 required" in cached_home(learner, city)
    other = program_page("Elsewhere")
    ModulePage.objects.get(pk=first.pk).move(other, pos="last-child")
    page = home(learner)
    assert "0 of 1 required" in page
    assert "Next: <strong>Report writing</strong>" in page


def test_a_new_prerequisite_locks_the_next_module(city, course, learner):
    _, first, second = course
    edit_and_publish(first, required=False)
    assert "Next: <strong>De-escalation basics</strong>" in cached_home(learner, city)
    edit_and_publish(first, prerequisites=[second])
    assert "Next: <strong>Report writing</strong>" in home(learner)


# --- The date that decides due and overdue -------------------------------------------------------


def _at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_due_soon_becomes_overdue_when_the_day_changes(city, learner):
    now = timezone.now()
    today = city.department.today(now)
    program = program_page("Due tomorrow")
    module_page(program)
    assign(
        actor=city.user("supervisor"),
        profile=city.learner,
        program=program,
        due_on=today + datetime.timedelta(days=1),
        now=now,
    )
    with _at(now):
        assert "Due soon:" in cached_home(learner, city)
    with _at(now + datetime.timedelta(days=2)):
        page = home(learner)
    assert "Overdue: was due" in page
    assert "1 overdue" in page


def test_the_organisations_time_zone_decides_today(city, learner):
    # 03:00 UTC: still yesterday in Denver, already today in Berlin.
    now = timezone.now().replace(hour=3, minute=0, second=0, microsecond=0)
    denver_today = (now - datetime.timedelta(hours=7)).date()
    program = program_page("Due today in Denver")
    module_page(program)
    with _at(now - datetime.timedelta(days=1)):
        assign(
            actor=city.user("supervisor"),
            profile=city.learner,
            program=program,
            due_on=denver_today,
            now=now - datetime.timedelta(days=1),
        )
    with _at(now):
        assert "Due soon:" in cached_home(learner, city)
        city.department.time_zone = "Europe/Berlin"
        city.department.save()
        assert "Overdue: was due" in home(learner)


# --- The record card -----------------------------------------------------------------------------


def test_record_card_follows_profile_changes(city, course, learner):
    admin = city.user("admin")
    assert "None assigned" not in cached_home(learner, city)
    new_role = JobRoleFactory(name="Transit ambassador")
    staff_change_job_role(
        actor=admin, profile=city.learner, job_role=new_role, on=city.department.today()
    )
    assert "<dd>Transit ambassador</dd>" in cached_home(learner, city)
    profile = StaffProfile.objects.get(pk=city.learner.pk)
    profile.supervisor = None
    profile.status = StaffStatus.ACTIVE
    profile.save()
    assert "<dd>None assigned</dd>" in (page := cached_home(learner, city))
    assert "status--active" in page
    fto = city.user("fto")
    fto.first_name = "Renamed"
    fto.save()
    assert "Renamed" in cached_home(learner, city)
    extra = UserFactory(first_name="Second", last_name="Officer", roles=[Role.FTO])
    profile.field_training_officers.add(extra)
    assert "Second Officer" in cached_home(learner, city)
    city.department.name = "Department of Community Safety"
    city.department.save()
    assert "Department of Community Safety" in home(learner)


def test_record_card_follows_role_changes(city, course, learner):
    assert '<span class="tag">Curriculum author</span>' not in cached_home(learner, city)
    roles_set(actor=city.user("admin"), user=city.user("learner"), roles={Role.AUTHOR})
    assert '<span class="tag">Curriculum author</span>' in home(learner)


# --- The cache itself ----------------------------------------------------------------------------


def test_a_repeat_visit_is_served_from_the_cache_in_five_queries(
    city, course, learner, django_assert_max_num_queries
):
    first = home(learner)
    # Session (from the cache), user, roles and permissions, fingerprint, cached panels.
    with django_assert_max_num_queries(5):
        again = home(learner)
    assert _without_tokens(again) == _without_tokens(first)


def test_a_change_while_rendering_is_not_cached_under_the_old_state(city, course, learner):
    user = city.user("learner")
    cache.delete_many([f"relay:home-panels:{user.pk}", f"relay:home-page:{user.pk}"])
    render = home_module._render

    def render_then_write(**kwargs):
        panels = render(**kwargs)
        notifications_send(users=[user], message="Arrived while rendering.")
        return panels

    with mock.patch.object(home_module, "_render", render_then_write):
        home(learner)
    assert cache.get(f"relay:home-panels:{user.pk}") is None
    assert cache.get(f"relay:home-page:{user.pk}") is None
    assert "Arrived while rendering." in home(learner)


# --- The whole page, kept for people without panels about others --------------------------------


def test_the_page_frame_follows_the_persons_name_and_permissions(city, course, learner):
    assert "Welcome, " in (page := cached_home(learner, city))
    assert ">Team training</a>" not in page
    user = city.user("learner")
    user.first_name = "Marisol"
    user.save()
    assert "Welcome, Marisol" in cached_home(learner, city)
    user.user_permissions.add(Permission.objects.get(codename="view_team_progress"))
    assert ">Team training</a>" in home(learner)


def test_a_waiting_message_is_shown_once_on_a_cached_page(city, course, learner):
    cached_home(learner, city)
    learner.post("/accounts/logout/")
    sign_in(learner, city.user("learner"))  # allauth leaves a "signed in" message
    assert "Successfully signed in" in home(learner)
    assert "Successfully signed in" not in cached_home(learner, city)


def test_people_with_panels_about_others_are_not_served_a_kept_page(city, client_for):
    supervisor = client_for("supervisor")
    home(supervisor)
    home(supervisor)
    assert cache.get(f"relay:home-page:{city.user('supervisor').pk}") is None


def test_people_without_a_profile_get_the_sites_today(db):
    admin = UserFactory(roles=[Role.AUTHOR])
    client = sign_in(Client(), admin)
    assert "You have no staff record" in home(client)
    fingerprint = home_module.home_fingerprint(user=admin)
    assert fingerprint.on == timezone.localdate()

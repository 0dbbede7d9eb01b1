"""The HR-system import service: hires, moves, separations and updates written all at once or
not at all, idempotent by employee id, through the same assignment rules as the UI."""

import datetime
import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client

from courses.models import Assignment
from lms.accounts.hris import ImportRejected, importer, staff_csv_import, staff_rows_import
from lms.accounts.hris.rules import INLINE_LIMIT
from lms.accounts.models import Invitation, Notification, StaffProfile, StaffStatus, User
from lms.accounts.roles import Role, roles_of
from lms.accounts.services import invitation_create
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_verify_chain
from tests.factories import JobRoleFactory, program_page

HEADER = "employee_id,email,first_name,last_name,job_role,hire_date,status,separated_on"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def run(city, data: bytes, *, actor="hr", organisation=None, **kwargs):
    return staff_csv_import(
        actor=city.user(actor), organisation=organisation or city.department, data=data, **kwargs
    )


@pytest.fixture
def today(city):
    return city.department.today()


def test_a_hire_opens_an_account_that_the_welcome_email_lets_them_into(
    city, today, django_capture_on_commit_callbacks
):
    role = city.learner.job_role
    data = csv(
        f"N-1,Nia.Okafor@Relay.test,Nia,Okafor,{role.name.upper()},{today},,,"
        f"{city.supervisor.employee_id},state_grant",
        header=HEADER + ",supervisor_employee_id,funding_source",
    )

    with django_capture_on_commit_callbacks(execute=True):
        summary = run(city, data)

    assert summary.counts() == {
        "rows": 1,
        "created": 1,
        "moved": 0,
        "separated": 0,
        "reinstated": 0,
        "updated": 0,
        "unchanged": 0,
        "invitations_closed": 0,
        "assignments_queued": 0,
    }
    user = User.objects.get(email="nia.okafor@relay.test")
    assert not user.has_usable_password()
    assert user.is_active
    assert (user.first_name, user.last_name) == ("Nia", "Okafor")
    address = user.emailaddress_set.get()
    assert address.verified
    assert address.primary
    assert roles_of(user) == [Role.LEARNER]
    profile = user.staff_profile
    assert (profile.organisation, profile.employee_id) == (city.department, "N-1")
    assert (profile.job_role, profile.hire_date, profile.status) == (role, today, "trainee")
    assert profile.supervisor == city.user("supervisor")
    assert profile.funding_source == "state_grant"

    [email] = mail.outbox
    assert email.to == ["nia.okafor@relay.test"]
    assert city.department.name in email.subject
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", email.body).group(0)
    client = Client()
    page = client.get(urlsplit(link).path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"password1": "harbor-light-5521", "password2": "harbor-light-5521"}
    )
    assert done.status_code == 302
    signed_in = client.post(
        "/accounts/login/", {"login": "nia.okafor@relay.test", "password": "harbor-light-5521"}
    )
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200


def test_hires_get_their_roles_training_through_the_same_rules_as_the_ui(city, today):
    role = JobRoleFactory(name="Transit ambassador")
    program = program_page("Ambassador academy", roles=[role], due_in_days=30)
    later = today + datetime.timedelta(days=14)

    run(city, csv(f"N-1,n1@relay.test,Ana,Ruiz,transit ambassador,{later},,"))

    assignment = Assignment.objects.get(user__email="n1@relay.test")
    assert assignment.program_id == program.pk
    assert assignment.assigned_on == later  # from the hire date, as on the invitation path
    assert Notification.objects.filter(user=assignment.user).count() == 1


def test_an_old_hire_is_assigned_from_today_not_from_years_ago(city, today):
    role = JobRoleFactory(name="Transit ambassador")
    program_page("Ambassador academy", roles=[role])

    run(city, csv("N-1,n1@relay.test,Ana,Ruiz,Transit ambassador,2019-04-01,active,"))

    assert Assignment.objects.get(user__email="n1@relay.test").assigned_on == today


def test_a_move_a_separation_and_an_update_in_one_file(city, today):
    new_role = JobRoleFactory(name="Peer supervisor")
    program = program_page("Leading peers", roles=[new_role])
    learner, fto, cbo = city.learner, city.fto, city.cbo_learner
    data = csv(
        f"{learner.employee_id},,,,Peer supervisor,,,",
        f"{fto.employee_id},,,,{fto.job_role.name},,separated,{today}",
        f"{city.supervisor.employee_id},,Sam,,{city.supervisor.job_role.name},,,",
    )

    summary = run(city, data)

    assert (summary.moved, summary.separated, summary.updated) == (1, 1, 1)
    learner.refresh_from_db()
    assert learner.job_role == new_role
    assert learner.job_role_since == today
    assert Assignment.objects.filter(user=learner.user, program=program).exists()
    fto.refresh_from_db()
    assert (fto.status, fto.separated_on, fto.user.is_active) == ("separated", today, False)
    assert User.objects.get(pk=city.supervisor.user_id).first_name == "Sam"
    cbo.refresh_from_db()
    assert cbo.status == "trainee"  # another organisation's employee ids are not touched
    separated = AuditEvent.objects.get(action=AuditAction.STAFF_SEPARATED)
    assert separated.target == f"user:{fto.user_id}"
    assert separated.data == {"separated_on": today.isoformat(), "source": "csv"}
    imported = AuditEvent.objects.get(action=AuditAction.STAFF_IMPORTED)
    assert imported.actor == city.user("hr")
    assert imported.data["moved_employee_ids"] == [learner.employee_id]
    assert imported.data["separated_employee_ids"] == [fto.employee_id]
    assert imported.data["sha256"] == hashlib.sha256(data).hexdigest()
    assert list(audit_verify_chain()) == []


def test_a_separated_person_listed_again_is_reinstated(city, today):
    learner = city.learner
    run(city, csv(f"{learner.employee_id},,,,{learner.job_role.name},,separated,{today}"))

    summary = run(city, csv(f"{learner.employee_id},,,,{learner.job_role.name},,active,"))

    assert summary.reinstated == 1
    learner.refresh_from_db()
    assert (learner.status, learner.separated_on, learner.user.is_active) == ("active", None, True)


def test_importing_the_same_file_again_changes_nothing(
    city, today, django_capture_on_commit_callbacks
):
    role = JobRoleFactory(name="Transit ambassador")
    program_page("Ambassador academy", roles=[role])
    data = csv(
        f"N-1,n1@relay.test,Ana,Ruiz,Transit ambassador,{today},,",
        f"N-2,n2@relay.test,Ben,Ito,,{today},active,",
        f"{city.learner.employee_id},,,,Transit ambassador,,,",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run(city, data)
    counts = (
        User.objects.count(),
        Assignment.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
        len(mail.outbox),
    )
    learner_since = StaffProfile.objects.get(pk=city.learner.pk).job_role_since

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = run(city, data)

    assert again.changed == 0
    assert again.unchanged == 3
    assert callbacks == []
    assert (
        User.objects.count(),
        Assignment.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count() - 1,  # the import's own row
        len(mail.outbox),
    ) == counts
    assert AuditEvent.objects.filter(action=AuditAction.STAFF_IMPORTED).count() == 2
    assert StaffProfile.objects.get(pk=city.learner.pk).job_role_since == learner_since


def test_one_bad_row_and_nothing_is_written(city, today):
    before = (User.objects.count(), AuditEvent.objects.count())
    data = csv(
        f"N-1,n1@relay.test,Ana,Ruiz,,{today},,",
        f"{city.learner.employee_id},,,,,,separated,{today}",
        f"N-2,n2@relay.test,Ben,Ito,Astronaut,{today},,",
        f"N-1,n3@relay.test,Cy,Ng,,{today},,",
        f"N-4,learner@relay.test,Di,Ho,,{today},,",
    )

    with pytest.raises(ImportRejected) as caught:
        run(city, data)

    assert [(e.line, e.field) for e in caught.value.errors] == [
        (4, "job_role"),
        (5, "employee_id"),
        (6, "email"),
    ]
    assert (User.objects.count(), AuditEvent.objects.count()) == before
    city.learner.refresh_from_db()
    assert city.learner.status == "trainee"


def test_who_may_import_where(city, today):
    data = csv(f"N-1,n1@relay.test,Ana,Ruiz,,{today},,")

    for actor, organisation in [
        ("supervisor", city.department),  # no import_staff
        ("learner", city.department),
        ("hr", city.private_cbo),  # a contracted organisation that keeps its people
    ]:
        with pytest.raises(PermissionDenied):
            run(city, data, actor=actor, organisation=organisation)
    assert not User.objects.filter(email="n1@relay.test").exists()

    assert run(city, data, actor="hr", organisation=city.sharing_cbo).created == 1
    other = csv(f"N-2,n2@relay.test,Ben,Ito,,{today},,")
    assert run(city, other, actor="admin", organisation=city.private_cbo).created == 1


def test_hr_cannot_change_an_administrators_record_nor_their_own(city, today):
    admin, hr = city.admin, city.hr
    rows = [
        {"employee_id": admin.employee_id, "status": "on_leave"},
        {"employee_id": hr.employee_id, "status": "on_leave"},
    ]

    with pytest.raises(ImportRejected) as caught:
        staff_rows_import(actor=hr.user, organisation=city.department, rows=rows)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, ""), (3, "")]

    summary = staff_rows_import(actor=admin.user, organisation=city.department, rows=rows[1:])
    assert summary.updated == 1
    hr.refresh_from_db()
    assert hr.status == StaffStatus.ON_LEAVE


def test_open_invitations_of_the_people_hired_are_withdrawn(city, today):
    invitation_create(
        inviter=city.user("hr"),
        email="n1@relay.test",
        first_name="Ana",
        last_name="Ruiz",
        organisation=city.department,
        employee_id="N-1",
        hire_date=today,
    )

    summary = run(city, csv(f"N-1,n1@relay.test,Ana,Ruiz,,{today},,"))

    assert summary.invitations_closed == 1
    assert Invitation.objects.get().revoked_at is not None


def test_a_supervisor_hired_in_the_same_file(city, today):
    data = csv(
        f"N-1,n1@relay.test,Ana,Ruiz,,{today},,,N-2",
        f"N-2,n2@relay.test,Ben,Ito,,{today},,,",
        header=HEADER + ",supervisor_employee_id",
    )

    run(city, data)

    assert StaffProfile.objects.get(employee_id="N-1").supervisor.email == "n2@relay.test"


def test_the_api_path_counts_items_from_one(city, today):
    rows = [
        {"employee_id": "N-1", "email": "n1@relay.test", "hire_date": today.isoformat()},
        {"employee_id": "N-2", "email": "n2@relay.test", "hire_date": "tomorrow"},
    ]

    with pytest.raises(ImportRejected) as caught:
        staff_rows_import(
            actor=city.user("hr"),
            organisation=city.department,
            rows=rows,
            source="api",
            first_line=1,
        )

    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "hire_date")]


def _existing_rows(city, count: int) -> bytes:
    """`count` people of the department, imported once so that the file matches Relay."""
    today = city.department.today()
    data = csv(*(f"B-{n:05d},b{n}@relay.test,Bo,Num{n},,{today},active," for n in range(count)))
    run(city, data)
    return data


@pytest.mark.parametrize("count", [20, 200])
def test_reimporting_takes_the_same_queries_whatever_the_size(
    city, count, django_assert_max_num_queries
):
    data = _existing_rows(city, count)
    run(city, data)  # warm: permissions loaded

    # The permission check, the organisation's lock, the snapshot and the audit row.
    with django_assert_max_num_queries(15):
        summary = run(city, data)

    assert summary.unchanged == count


def test_a_small_import_runs_the_assignment_rules_at_once(city, django_assert_max_num_queries):
    """Every write is in bulk; what grows with the hires is the curriculum's rule per person
    (the `staff_hired` receiver: two queries a person when there is no program to assign)."""
    today = city.department.today()
    count = INLINE_LIMIT
    data = csv(*(f"H-{n:05d},h{n}@relay.test,Hu,Num{n},,{today},," for n in range(count)))
    run(city, csv(f"{city.learner.employee_id},,,,{city.learner.job_role.name},,,"))

    with django_assert_max_num_queries(30 + 2 * count):
        summary = run(city, data)

    assert (summary.created, summary.assignments_queued) == (count, 0)


@pytest.mark.parametrize("count", [150, 600])
def test_a_large_import_takes_the_same_queries_whatever_its_size(
    city, count, django_assert_max_num_queries
):
    today = city.department.today()
    data = csv(*(f"H-{n:05d},h{n}@relay.test,Hu,Num{n},,{today},," for n in range(count)))
    run(city, csv(f"{city.learner.employee_id},,,,{city.learner.job_role.name},,,"))

    with django_assert_max_num_queries(36):
        summary = run(city, data)

    assert (summary.created, summary.assignments_queued) == (count, count)


def test_a_large_import_queues_the_assignment_rules_after_the_commit(
    city, today, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(importer, "INLINE_LIMIT", 2)
    monkeypatch.setattr(importer, "TASK_SIZE", 2)
    role = JobRoleFactory(name="Transit ambassador")
    program = program_page("Ambassador academy", roles=[role])
    program_page("Other academy", roles=[city.learner.job_role])
    data = csv(
        *(f"N-{n},n{n}@relay.test,Ana,Ruiz,Transit ambassador,{today},," for n in range(3)),
        f"{city.learner.employee_id},,,,Transit ambassador,,,",
        f"{city.fto.employee_id},,,,Transit ambassador,,separated,{today}",
    )

    with django_capture_on_commit_callbacks() as callbacks:
        summary = run(city, data)

    assert summary.assignments_queued == 4  # three hires and a move; not the separation
    assert not Assignment.objects.exists()
    for callback in callbacks:
        callback()
    assigned = Assignment.objects.filter(program=program).values_list("user__email", flat=True)
    assert sorted(assigned) == ["learner@relay.test", *(f"n{n}@relay.test" for n in range(3))]
    # Queued again (a retry): the rules are idempotent.
    for callback in callbacks:
        callback()
    assert Assignment.objects.filter(program=program).count() == 4

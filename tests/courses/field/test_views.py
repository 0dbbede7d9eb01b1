"""Field training pages through the client: the FTO's day, the trainee's acknowledgement, the
supervisor's approvals and release, the paper backups, and who is turned away."""

import uuid

import pytest
from django.test import Client

from courses.models import (
    FieldTraining,
    ObservationReport,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)
from courses.services import field as services
from lms.accounts.roles import Role
from lms.audit.models import AuditAction, AuditEvent
from tests.conftest import sign_in
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.accounts import PASSWORD
from tests.factories.field import complete_phase, observe, report, shift, start


@pytest.fixture
def training(city):
    return start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)


def _task_id(training, phase=0, n=0):
    return training.spec["phases"][phase]["tasks"][n]["id"]


def _dor_post(training, ride, value="4", **overrides):
    spec = services.spec_of(training)
    data = {
        "request_key": str(uuid.uuid4()),
        "ride_along": str(ride.pk),
        "most_satisfactory": "Calm, clear approach at the shelter.",
        "least_satisfactory": "Late radio update.",
        "comments": "",
    }
    for category in spec.categories:
        data[f"rating-{category.id}"] = value
        data[f"narrative-{category.id}"] = ""
    data.update(overrides)
    return data


def test_fto_home_shows_trainees_reports_to_write_and_flags(
    city, client_for, training, django_assert_max_num_queries
):
    ride = shift(training)
    report(training, value=1, narrative="Turned his back on the man twice.")
    report(training, value=2, narrative="Stood between the man and the exit.")
    client = client_for("fto")
    with django_assert_max_num_queries(30):
        response = client.get("/field/")
    body = response.content.decode()
    assert response.status_code == 200
    assert city.learner.user.display_name in body
    assert f"?shift={ride.pk}" in body  # the shift without a report
    assert "Two reports in a row" in body


def test_fto_home_queries_do_not_grow_with_trainees(
    city, client_for, django_assert_max_num_queries
):
    client = client_for("fto")

    def add_trainee():
        user = UserFactory(roles=[Role.LEARNER])
        profile = StaffProfileFactory(user=user, organisation=city.department)
        training = start(trainee=profile, supervisor=city.supervisor.user, fto=city.fto.user)
        report(training)
        observe(training, _task_id(training))

    add_trainee()
    with django_assert_max_num_queries(30) as small:
        client.get("/field/")
    for _ in range(4):
        add_trainee()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/field/")
    assert response.content.decode().count("trainee-card") == 5


def test_fto_logs_a_shift_and_writes_a_dor_the_trainee_acknowledges(city, client_for, training):
    fto = client_for("fto")
    today = training.organisation.today()
    response = fto.post(
        f"/field/{training.pk}/shifts/new/",
        {
            "request_key": str(uuid.uuid4()),
            "shift_date": (today.replace(day=1) if today.day > 1 else today).isoformat(),
            "start": "07:00",
            "end": "15:30",
            "unit": "CR-12",
            "call_types": [],
            "notes": "",
            "then": "report",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ride = RideAlong.objects.get()
    assert ride.hours == 8.5
    form = fto.get(response["Location"])
    assert form.status_code == 200
    response = fto.post(f"/field/{training.pk}/reports/new/", _dor_post(training, ride))
    assert response.status_code == 302
    dor = ObservationReport.objects.get()
    learner = client_for("learner")
    page = learner.get(f"/field/reports/{dor.pk}/")
    assert "Acknowledge" in page.content.decode()
    response = learner.post(
        f"/field/reports/{dor.pk}/acknowledge/",
        {"request_key": str(uuid.uuid4()), "comment": "I disagree about the radio."},
    )
    assert response.status_code == 302
    ack = Signoff.objects.get(kind=SignoffKind.REPORT_ACKNOWLEDGEMENT)
    assert ack.comment == "I disagree about the radio."
    assert (
        "I disagree about the radio." in learner.get(f"/field/reports/{dor.pk}/").content.decode()
    )


def test_a_dor_that_fails_keeps_what_was_typed(city, client_for, training):
    ride = shift(training)
    spec = services.spec_of(training)
    first = spec.categories[0].id
    data = _dor_post(training, ride, **{f"rating-{first}": "1"})
    data["most_satisfactory"] = "Kept calm with the dog owner <script>x</script>"
    response = client_for("fto").post(f"/field/{training.pk}/reports/new/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "needs a narrative" in body
    assert "Kept calm with the dog owner &lt;script&gt;x&lt;/script&gt;" in body
    assert not ObservationReport.objects.exists()


def test_double_submission_of_one_dor_form_creates_one_report(city, client_for, training):
    ride = shift(training)
    data = _dor_post(training, ride)
    client = client_for("fto")
    first = client.post(f"/field/{training.pk}/reports/new/", data)
    second = client.post(f"/field/{training.pk}/reports/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ObservationReport.objects.count() == 1


def test_fto_signs_a_task_from_the_phone_form(city, client_for, training):
    client = client_for("fto")
    task_id = _task_id(training)
    assert client.get(f"/field/{training.pk}/tasks/{task_id}/").status_code == 200
    response = client.post(
        f"/field/{training.pk}/tasks/{task_id}/",
        {
            "request_key": str(uuid.uuid4()),
            "observed_on": training.organisation.today().isoformat(),
            "satisfactory": "yes",
            "context": "ride_along",
            "ride_along": "",
            "notes": "Checked the stairwell before knocking.",
        },
    )
    assert response.status_code == 302
    assert TaskObservation.objects.get().satisfactory is True
    assert client.get(f"/field/{training.pk}/tasks/not-a-task/").status_code == 404


def test_an_unassigned_fto_or_the_trainee_cannot_sign_and_it_is_logged(city, client_for, training):
    other = UserFactory(roles=[Role.FTO], totp=True)
    StaffProfileFactory(user=other, organisation=city.department)
    client = sign_in(Client(), other)
    url = f"/field/{training.pk}/tasks/{_task_id(training)}/"
    assert client.get(url).status_code == 404  # another FTO does not even see the trainee
    assert client_for("learner").get(url).status_code == 403
    assert client_for("learner").get(f"/field/{training.pk}/reports/new/").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() >= 2


def test_other_organisations_never_see_the_record(city, client_for, training):
    outsider = client_for("cbo_supervisor")
    assert outsider.get(f"/field/{training.pk}/").status_code == 404
    assert client_for("cbo_learner").get(f"/field/{training.pk}/").status_code == 404
    dor = report(training)
    assert outsider.get(f"/field/reports/{dor.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 3
    assert client_for("supervisor").get(f"/field/{training.pk}/").status_code == 200
    assert client_for("learner").get(f"/field/{training.pk}/").status_code == 200


def test_supervisor_approves_a_recommended_phase(city, client_for, training):
    complete_phase(training)
    fto = client_for("fto")
    response = fto.post(
        f"/field/{training.pk}/recommend/", {"request_key": str(uuid.uuid4()), "comment": "Ready."}
    )
    assert response.status_code == 302
    supervisor = client_for("supervisor")
    queue = supervisor.get("/field/supervise/").content.decode()
    assert "Review and approve" in queue
    response = supervisor.post(
        f"/field/{training.pk}/approve/", {"request_key": str(uuid.uuid4()), "comment": ""}
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert training.phase_index == 1
    assert fto.post(f"/field/{training.pk}/approve/", {}).status_code == 403


def test_release_asks_for_reauthentication_then_signs(city, client_for, training):
    for _ in range(2):
        complete_phase(training)
        services.phase_recommend(fto=city.fto.user, training=training, request_key=uuid.uuid4())
        services.phase_approve(
            supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
        )
        training.refresh_from_db()
    client = client_for("supervisor")
    url = f"/field/{training.pk}/release/"
    assert "Sign the release" in client.get(url).content.decode()
    data = {"request_key": str(uuid.uuid4()), "comment": "Ready for solo.", "attest": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert not Signoff.objects.filter(kind=SignoffKind.RELEASE).exists()
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.status_code == 200
    release = Signoff.objects.get(kind=SignoffKind.RELEASE)
    assert release.reauthenticated_at is not None
    training.refresh_from_db()
    assert training.status == "released"


def test_extension_form_needs_a_reason(city, client_for, training):
    client = client_for("supervisor")
    url = f"/field/{training.pk}/extend/"
    response = client.post(url, {"request_key": str(uuid.uuid4()), "days": "10", "reason": ""})
    assert response.status_code == 400
    response = client.post(
        url, {"request_key": str(uuid.uuid4()), "days": "10", "reason": "NRT in radio."}
    )
    assert response.status_code == 302


def test_trends_page_has_the_chart_and_its_table(
    city, client_for, training, django_assert_max_num_queries
):
    for value in (3, 4, 5):
        report(training, value=value)
    client = client_for("supervisor")
    with django_assert_max_num_queries(25):
        response = client.get(f"/field/{training.pk}/trends/")
    body = response.content.decode()
    assert "<svg" in body
    assert "<table" in body
    assert "DOR 3" in body


def test_pdfs_download_for_those_who_may_see(city, client_for, training):
    dor = report(training)
    client = client_for("learner")
    book = client.get(f"/field/{training.pk}/task-book.pdf")
    assert book.status_code == 200
    assert book.content.startswith(b"%PDF")
    single = client.get(f"/field/reports/{dor.pk}/dor.pdf")
    assert single.status_code == 200
    assert single.content.startswith(b"%PDF")
    assert client_for("cbo_supervisor").get(f"/field/reports/{dor.pk}/dor.pdf").status_code == 404


def test_supervisor_starts_field_training(city, client_for, training):
    user = UserFactory(roles=[Role.LEARNER])
    profile = StaffProfileFactory(user=user, organisation=city.department)
    client = client_for("supervisor")
    assert client.get(f"/field/start/{profile.pk}/").status_code == 200
    response = client.post(
        f"/field/start/{profile.pk}/",
        {
            "request_key": str(uuid.uuid4()),
            "task_book": str(training.task_book_id),
            "primary_fto": str(city.fto.user.pk),
            "secondary_fto": "",
            "started_on": training.organisation.today().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert FieldTraining.objects.filter(trainee=user).exists()
    assert client_for("fto").get(f"/field/start/{profile.pk}/").status_code == 403


def test_administrators_verify_the_chain_in_the_ui(city, client_for, training):
    observe(training, _task_id(training))
    client = client_for("admin")
    assert client.get("/field/signoffs/verify/").status_code == 200
    assert "Intact" in client.post("/field/signoffs/verify/").content.decode()
    TaskObservation.objects.update(satisfactory=False)
    body = client.post("/field/signoffs/verify/").content.decode()
    assert "Signature #1" in body
    assert "changed after signing" in body
    assert client_for("supervisor").get("/field/signoffs/verify/").status_code == 403


def test_trends_queries_do_not_grow_with_reports(
    city, client_for, training, django_assert_max_num_queries
):
    client = client_for("supervisor")
    report(training)
    with django_assert_max_num_queries(25) as few:
        client.get(f"/field/{training.pk}/trends/")
    for value in (3, 4, 5, 6, 2):
        report(training, value=value, narrative="Noted in detail.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/field/{training.pk}/trends/")
    assert "DOR 6" in response.content.decode()


def test_pages_refused_for_lack_of_a_capability_are_logged(city, client_for):
    client = client_for("learner")
    assert client.get("/field/").status_code == 403
    assert client.get("/field/supervise/").status_code == 403
    assert client.get("/field/signoffs/verify/").status_code == 403
    targets = set(
        AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).values_list("target", flat=True)
    )
    assert targets == {
        "accounts.sign_off_trainees",
        "courses.approve_field_phases",
        "courses.verify_signoff_chain",
    }


def test_supervisor_sees_trainees_who_could_start_but_not_experienced_staff(city, client_for):
    from lms.accounts.models import StaffStatus
    from tests.factories.field import task_book_page

    task_book_page(roles=[city.learner.job_role])
    veteran = StaffProfileFactory(
        organisation=city.department, job_role=city.learner.job_role, status=StaffStatus.ACTIVE
    )
    body = client_for("supervisor").get("/field/supervise/").content.decode()
    assert f"/field/start/{city.learner.pk}/" in body
    assert f"/field/start/{veteran.pk}/" not in body

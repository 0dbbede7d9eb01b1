"""Field training services: the whole path from start to release, and every refusal."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courses.field.engine import RatingInput
from courses.models import (
    FieldTrainingStatus,
    ModuleProgress,
    ObservationReport,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)
from courses.services import field as services
from courses.services.signoff import signoff_verify_chain
from lms.accounts.roles import Role
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.field import (
    complete_phase,
    observe,
    ratings_for,
    report,
    shift,
    start,
    task_book_page,
)


@pytest.fixture
def training(city):
    return start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)


def test_start_snapshots_the_task_book_and_names_the_ftos(city, training):
    assert training.status == FieldTrainingStatus.ACTIVE
    assert training.phase_index == 0
    assert len(training.spec["phases"]) == 2
    assert training.revision_id == training.task_book.live_revision_id
    assert city.fto.user in city.learner.field_training_officers.all()


def test_start_refuses_an_fto_from_another_organisation_and_the_trainee_as_fto(city):
    outsider = UserFactory(roles=[Role.FTO])
    StaffProfileFactory(user=outsider, organisation=city.sharing_cbo)
    with pytest.raises(ValidationError) as error:
        start(trainee=city.learner, supervisor=city.supervisor.user, fto=outsider)
    assert "primary_fto" in error.value.message_dict
    with pytest.raises(ValidationError):
        start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.learner.user)


def test_start_needs_a_supervisor_of_the_organisation(city):
    with pytest.raises(PermissionDenied):
        start(trainee=city.learner, supervisor=city.cbo_supervisor.user, fto=city.fto.user)
    with pytest.raises(PermissionDenied):
        start(trainee=city.learner, supervisor=city.fto.user, fto=city.fto.user)


def test_the_whole_path_from_first_shift_to_release_completes_the_field_module(city, training):
    dor = report(training)
    services.report_acknowledge(
        trainee=city.learner.user, report=dor, comment="Noted.", request_key=uuid.uuid4()
    )
    for _ in range(len(training.spec["phases"])):
        complete_phase(training)
        services.phase_recommend(fto=city.fto.user, training=training, request_key=uuid.uuid4())
        services.phase_approve(
            supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
        )
        training.refresh_from_db()
    release = services.training_release(
        supervisor=city.supervisor.user,
        training=training,
        reauthenticated_at=timezone.now(),
        request_key=uuid.uuid4(),
    )
    training.refresh_from_db()
    assert training.status == FieldTrainingStatus.RELEASED
    assert release.payload["phases"] == 2
    progress = ModuleProgress.objects.get(user=city.learner.user, module=training.module)
    assert progress.status == "completed"
    kinds = list(Signoff.objects.values_list("kind", flat=True))
    assert kinds.count(SignoffKind.TASK) == 6
    assert kinds[-1] == SignoffKind.RELEASE
    assert list(signoff_verify_chain()) == []


def test_a_signature_records_who_in_what_capacity_what_and_the_chain(city, training):
    observation = observe(training, training.spec["phases"][0]["tasks"][0]["id"])
    signature = Signoff.objects.get(kind=SignoffKind.TASK, subject_id=observation.pk)
    assert signature.signer == city.fto.user
    assert signature.signer_role == "Field training officer (primary)"
    assert signature.signer_name == city.fto.user.get_full_name()
    assert signature.statement.startswith("I observed this trainee")
    assert signature.statement_version == 1
    assert signature.time_zone == city.department.time_zone
    assert signature.payload["task_id"] == observation.task_id
    assert signature.previous_hash == "0" * 64
    second = observe(training, observation.task_id)
    assert Signoff.objects.get(subject_id=second.pk, kind="task").previous_hash == (
        signature.record_hash
    )


def test_phase_needs_its_tasks_and_a_recommendation_before_approval(city, training):
    with pytest.raises(ValidationError):
        services.phase_recommend(fto=city.fto.user, training=training, request_key=uuid.uuid4())
    with pytest.raises(ValidationError):
        services.phase_approve(
            supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
        )
    complete_phase(training)
    services.phase_recommend(fto=city.fto.user, training=training, request_key=uuid.uuid4())
    with pytest.raises(PermissionDenied):  # the FTO recommends; someone else approves
        services.phase_approve(
            supervisor=city.fto.user, training=training, request_key=uuid.uuid4()
        )
    services.phase_approve(
        supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
    )
    training.refresh_from_db()
    assert training.phase_index == 1


def test_release_needs_every_phase_and_a_fresh_reauthentication(city, training):
    with pytest.raises(ValidationError):
        services.training_release(
            supervisor=city.supervisor.user,
            training=training,
            reauthenticated_at=None,
            request_key=uuid.uuid4(),
        )
    with pytest.raises(ValidationError):
        services.training_release(
            supervisor=city.supervisor.user,
            training=training,
            reauthenticated_at=timezone.now(),
            request_key=uuid.uuid4(),
        )


def test_extension_is_signed_with_its_reason(city, training):
    extension = services.phase_extend(
        supervisor=city.supervisor.user,
        training=training,
        days=10,
        reason="Two NRT ratings in radio communication; remedial plan agreed.",
        request_key=uuid.uuid4(),
    )
    signature = Signoff.objects.get(kind=SignoffKind.PHASE_EXTENSION)
    assert signature.subject_id == extension.pk
    assert signature.payload["days"] == 10
    with pytest.raises(ValidationError):
        services.phase_extend(
            supervisor=city.supervisor.user,
            training=training,
            days=10,
            reason="  ",
            request_key=uuid.uuid4(),
        )


# --- Bad input: a clear message, nothing stored ------------------------------------------------


def _shift_at(training, start, hours):
    return services.ride_along_log(
        fto=training.primary_fto,
        training=training,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        unit="CR-12",
        request_key=uuid.uuid4(),
    )


def test_shift_in_the_future_longer_than_a_day_overlapping_or_before_hire_is_refused(training):
    tz = training.organisation.zone
    now = timezone.now()
    with pytest.raises(ValidationError, match="future"):
        _shift_at(training, now + datetime.timedelta(hours=2), 4)
    with pytest.raises(ValidationError, match="24 hours"):
        _shift_at(training, now - datetime.timedelta(days=3), 25)
    with pytest.raises(ValidationError, match="hired"):
        _shift_at(training, datetime.datetime(2024, 1, 10, 8, tzinfo=tz), 8)
    first = _shift_at(training, now - datetime.timedelta(days=2), 8)
    with pytest.raises(ValidationError, match="overlaps"):
        _shift_at(training, first.started_at + datetime.timedelta(hours=4), 8)
    assert RideAlong.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "narrative", "message"),
    [
        (8, "", "not one"),
        (0, "", "not one"),
        (1, "", "needs a narrative"),
        (7, "", "needs a narrative"),
    ],
)
def test_ratings_outside_the_scale_or_extreme_without_narrative_are_refused(
    training, value, narrative, message
):
    ride = shift(training)
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            fto=training.primary_fto,
            training=training,
            ride_along=ride,
            ratings=ratings_for(training, value, narrative),
            most_satisfactory="a",
            least_satisfactory="b",
            request_key=uuid.uuid4(),
        )
    assert message in str(error.value)
    assert not ObservationReport.objects.exists()
    assert not Signoff.objects.exists()


def test_extreme_rating_with_narrative_and_not_observed_are_accepted(training):
    ride = shift(training)
    spec = services.spec_of(training)
    ratings = [
        RatingInput(category_id=spec.categories[0].id, rating=1, narrative="Stood in the door."),
        RatingInput(category_id=spec.categories[1].id, not_observed=True),
        RatingInput(category_id=spec.categories[2].id, rating=5),
    ]
    dor = services.report_submit(
        fto=training.primary_fto,
        training=training,
        ride_along=ride,
        ratings=ratings,
        most_satisfactory="a",
        least_satisfactory="b",
        request_key=uuid.uuid4(),
    )
    assert [r.rating for r in dor.ratings.all()] == [1, None, 5]


def test_a_sign_off_by_the_trainee_or_for_an_unassigned_trainee_is_refused_and_logged(
    city, training
):
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    for signer in (city.learner.user, city.supervisor.user):
        with pytest.raises(PermissionDenied):
            services.task_observation_sign(
                fto=signer,
                training=training,
                task_id=task_id,
                observed_on=training.organisation.today(),
                context="ride_along",
                satisfactory=True,
                request_key=uuid.uuid4(),
            )
    other_fto = UserFactory(roles=[Role.FTO])
    StaffProfileFactory(user=other_fto, organisation=city.department)
    with pytest.raises(PermissionDenied):
        services.task_observation_sign(
            fto=other_fto,
            training=training,
            task_id=task_id,
            observed_on=training.organisation.today(),
            context="ride_along",
            satisfactory=True,
            request_key=uuid.uuid4(),
        )
    assert not TaskObservation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 3


def test_a_task_from_another_task_book_is_refused(city, training):
    other = task_book_page(title="Outreach task book")
    foreign_task = other.phases.raw_data[0]["value"]["tasks"][0]["id"]
    with pytest.raises(ValidationError, match="not in this trainee"):
        services.task_observation_sign(
            fto=city.fto.user,
            training=training,
            task_id=foreign_task,
            observed_on=training.organisation.today(),
            context="ride_along",
            satisfactory=True,
            request_key=uuid.uuid4(),
        )


def test_a_retry_with_the_same_key_returns_the_same_record(city, training):
    key = uuid.uuid4()
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    kwargs = {
        "fto": city.fto.user,
        "training": training,
        "task_id": task_id,
        "observed_on": training.organisation.today(),
        "context": "ride_along",
        "satisfactory": True,
        "request_key": key,
    }
    first = services.task_observation_sign(**kwargs)
    second = services.task_observation_sign(**kwargs)
    assert first.pk == second.pk
    assert Signoff.objects.count() == 1


def test_a_correction_supersedes_and_the_original_stops_counting(city, training):
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    original = observe(training, task_id)
    assert services.satisfactory_counts(training) == {task_id: 1}
    correction = services.task_observation_sign(
        fto=city.fto.user,
        training=training,
        task_id=task_id,
        observed_on=original.observed_on,
        context="ride_along",
        satisfactory=False,
        supersedes=original,
        correction_reason="Recorded against the wrong shift; the trainee did not lead.",
        request_key=uuid.uuid4(),
    )
    assert services.satisfactory_counts(training) == {}
    signature = Signoff.objects.get(kind="task", subject_id=correction.pk)
    assert signature.supersedes.subject_id == original.pk
    assert "wrong shift" in signature.comment


def test_a_phase_can_complete_another_field_module_when_approved(city):
    from tests.factories.courses import edit_and_publish, module_page, program_page

    program = program_page()
    shadow = module_page(program, training_type="field", sections=0, n_questions=0)
    reverse_shadow = module_page(program, training_type="field", sections=0, n_questions=0)
    book = task_book_page(module=shadow)
    phases = book.phases.raw_data
    phases[0]["value"]["completes_module"] = reverse_shadow.pk
    book = edit_and_publish(book, phases=phases)
    training = start(
        trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user, task_book=book
    )
    assert training.spec["phases"][0]["completes_module_id"] == reverse_shadow.pk
    complete_phase(training)
    services.phase_recommend(fto=city.fto.user, training=training, request_key=uuid.uuid4())
    services.phase_approve(
        supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
    )
    progress = ModuleProgress.objects.get(user=city.learner.user, module=reverse_shadow)
    assert progress.status == "completed"
    assert progress.completion_source == "field_phase_approval"
    assert not ModuleProgress.objects.filter(
        user=city.learner.user, module=shadow, status="completed"
    ).exists()


def test_a_task_book_for_another_role_is_refused(city):
    from tests.factories.certificates import JobRoleFactory

    book = task_book_page(roles=[JobRoleFactory()])
    with pytest.raises(ValidationError, match="another job role"):
        start(
            trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user, task_book=book
        )

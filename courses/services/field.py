"""Field training: starting a trainee on a task book, logging shifts, Daily Observation Reports,
task sign-offs, phase decisions and the final release. Every signature goes through
`courses.services.signoff.signoff_append` in the same transaction as what it signs.

Every service takes a `request_key` (a UUID the form carries): a double tap, a retry or sixteen
concurrent submissions of one form create exactly one record, and the retry gets it back.
"""

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from courses import permissions
from courses.field.content import task_book_spec
from courses.field.engine import (
    RatingInput,
    TaskBookSpec,
    hours,
    phase_tasks_complete,
    rating_errors,
    shift_errors,
)
from courses.field.qualification import fto_qualification
from courses.models import (
    CallType,
    FieldTraining,
    FieldTrainingStatus,
    ModulePage,
    ObservationContext,
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskBookPage,
    TaskObservation,
    TrainingType,
)
from courses.services.progress import module_complete
from courses.services.signoff import signoff_append
from lms.accounts.models import StaffProfile, User
from lms.accounts.services import notifications_send
from lms.sanitize import plain_text
from lms.xapi.services import (
    statement_record_field_release,
    statement_record_observation_report,
    statement_record_phase_approval,
    statement_record_task_observation,
)

FTO_CAPACITY = {True: "Field training officer (primary)", False: "Field training officer"}
SUPERVISOR_CAPACITY = "Supervisor"
TRAINEE_CAPACITY = "Trainee"


def _idempotent(model, request_key, create, *, found=lambda record: record):
    """Run `create()` once per request key: a key seen before returns `found(its record)`."""
    existing = model.objects.filter(request_key=request_key).first()
    if existing is not None:
        return found(existing)
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        existing = model.objects.filter(request_key=request_key).first()
        if existing is None:
            raise
        return found(existing)


def spec_of(training: FieldTraining) -> TaskBookSpec:
    return TaskBookSpec.from_json(training.spec)


def _fto_role(training: FieldTraining, fto) -> str:
    return FTO_CAPACITY[training.primary_fto_id == fto.pk]


def _fto_signer(training: FieldTraining, fto) -> dict:
    """Who signs as an FTO: the person, their capacity and what qualifies them."""
    return {
        "signer": fto,
        "signer_role": _fto_role(training, fto),
        "qualifying_credential": fto_qualification(fto) or "",
    }


def _text(value: str, *, limit: int = 5000, field: str) -> str:
    cleaned = plain_text(value or "")
    if len(cleaned) > limit:
        raise ValidationError({field: f"Keep this under {limit} characters."})
    return cleaned


# --- Starting field training -------------------------------------------------------------------


def field_training_start(
    *,
    actor,
    profile: StaffProfile,
    task_book: TaskBookPage,
    primary_fto,
    secondary_fto=None,
    started_on: datetime.date | None = None,
    now=None,
) -> FieldTraining:
    """Give a trainee a task book (its live revision) with a primary and optional secondary
    FTO. The FTOs become the trainee's field training officers."""
    permissions.ensure_can_start_field_training(actor=actor, profile=profile)
    now = now or timezone.now()
    started_on = started_on or profile.organisation.today(now)
    errors = {}
    for field, fto in (("primary_fto", primary_fto), ("secondary_fto", secondary_fto)):
        if fto is not None and not permissions.can_be_fto_of(fto=fto, profile=profile):
            errors[field] = "Choose a field training officer of the trainee's organisation."
    if secondary_fto is not None and secondary_fto.pk == primary_fto.pk:
        errors["secondary_fto"] = "The secondary FTO must be someone else."
    role_ids = {role.pk for role in task_book.job_roles.all()}
    if role_ids and profile.job_role_id not in role_ids:
        errors["task_book"] = "This task book is for another job role than this person's."
    if not task_book.live or task_book.live_revision_id is None:
        errors["task_book"] = "This task book is not published."
    if FieldTraining.objects.filter(
        trainee=profile.user, task_book=task_book, status=FieldTrainingStatus.ACTIVE
    ).exists():
        errors["task_book"] = "This person is already in field training on this task book."
    if errors:
        raise ValidationError(errors)
    revision = task_book.live_revision
    spec = task_book_spec(revision.as_object())
    if not spec.phases:
        raise ValidationError({"task_book": "This task book has no phases."})
    with transaction.atomic():
        training = FieldTraining.objects.create(
            trainee=profile.user,
            organisation=profile.organisation,
            task_book=task_book,
            module_id=task_book.get_parent().pk,
            revision=revision,
            title=task_book.title,
            spec=spec.to_json(),
            primary_fto=primary_fto,
            secondary_fto=secondary_fto,
            assigned_by=actor,
            started_on=started_on,
            phase_started_on=started_on,
            created_at=now,
        )
        profile.field_training_officers.add(*[f for f in (primary_fto, secondary_fto) if f])
    return training


# --- Ride-alongs -------------------------------------------------------------------------------


def ride_along_log(
    *,
    fto,
    training: FieldTraining,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    unit: str,
    call_types: Sequence[CallType] = (),
    notes: str = "",
    request_key: uuid.UUID,
    now=None,
) -> RideAlong:
    """Log one shift the trainee worked with this FTO, in the trainee's current phase."""
    permissions.ensure_can_sign_for_trainee(officer=fto, training=training)
    now = now or timezone.now()
    notes = _text(notes, field="notes")
    unit = _text(unit, limit=60, field="unit")
    tz = training.organisation.zone
    local_date = started_at.astimezone(tz).date()

    def create():
        # The overlap check reads the trainee's shifts inside the write transaction.
        others = RideAlong.objects.filter(trainee=training.trainee).values_list(
            "started_at", "ended_at"
        )
        errors = shift_errors(
            started_at=started_at,
            ended_at=ended_at,
            now=now,
            hire_date=_hire_date(training),
            local_date=local_date,
            others=others,
        )
        if not unit:
            errors.append("Give the unit (call sign) you worked.")
        if errors:
            raise ValidationError(errors)
        ride = RideAlong.objects.create(
            training=training,
            trainee=training.trainee,
            fto=fto,
            shift_date=local_date,
            started_at=started_at,
            ended_at=ended_at,
            unit=unit,
            phase_index=training.phase_index,
            notes=notes,
            request_key=request_key,
            created_at=now,
        )
        ride.call_types.set(call_types)
        return ride

    return _idempotent(RideAlong, request_key, create)


def _hire_date(training: FieldTraining) -> datetime.date | None:
    return (
        StaffProfile.objects.filter(user_id=training.trainee_id)
        .values_list("hire_date", flat=True)
        .first()
    )


# --- Daily Observation Reports ------------------------------------------------------------------


def report_submit(
    *,
    fto,
    training: FieldTraining,
    ride_along: RideAlong,
    ratings: Sequence[RatingInput],
    most_satisfactory: str,
    least_satisfactory: str,
    comments: str = "",
    request_key: uuid.UUID,
    supersedes: ObservationReport | None = None,
    correction_reason: str = "",
    now=None,
    request=None,
) -> ObservationReport:
    """Write and sign the DOR for one shift. A correction names the report it supersedes and
    why; the original stays in the record."""
    permissions.ensure_can_sign_for_trainee(officer=fto, training=training)
    now = now or timezone.now()
    spec = spec_of(training)
    errors: dict[str, list[str]] = {}
    if ride_along.training_id != training.pk:
        errors["ride_along"] = ["Choose a shift of this trainee's field training."]
    elif ride_along.shift_date > training.organisation.today(now):
        errors["ride_along"] = ["A report cannot be dated in the future."]
    hire_date = _hire_date(training)
    if hire_date and ride_along.shift_date < hire_date:
        errors["ride_along"] = ["This shift is before the trainee's hire date."]
    for category_id, message in rating_errors(spec, ratings).items():
        errors.setdefault(f"rating-{category_id}", []).append(message)
    for rating in ratings:
        if len(rating.narrative) > 3000:
            errors.setdefault(f"rating-{rating.category_id}", []).append(
                "Keep the narrative under 3,000 characters."
            )
    most = _text(most_satisfactory, field="most_satisfactory")
    least = _text(least_satisfactory, field="least_satisfactory")
    if not most:
        errors["most_satisfactory"] = ["Describe the most satisfactory performance of the shift."]
    if not least:
        errors["least_satisfactory"] = ["Describe the least satisfactory performance of the shift."]
    reason = _text(correction_reason, field="correction_reason")
    if supersedes is not None:
        if supersedes.training_id != training.pk:
            errors["supersedes"] = ["That report belongs to another trainee."]
        elif hasattr(supersedes, "superseded_by"):
            errors["supersedes"] = ["That report has already been corrected."]
        if not reason:
            errors["correction_reason"] = ["Say why the report is being corrected."]
    if errors:
        raise ValidationError(errors)
    comments = _text(comments, field="comments")
    by_category = {rating.category_id: rating for rating in ratings}

    def create():
        _lock(training)  # one report number at a time per trainee
        if (
            supersedes is None
            and ObservationReport.objects.filter(
                ride_along=ride_along, supersedes__isnull=True
            ).exists()
        ):
            raise ValidationError({"ride_along": ["This shift already has a report."]})
        number = (
            ObservationReport.objects.filter(training=training).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        report = ObservationReport.objects.create(
            training=training,
            trainee=training.trainee,
            fto=fto,
            ride_along=ride_along,
            number=number,
            shift_date=ride_along.shift_date,
            phase_index=ride_along.phase_index,
            phase_name=spec.phases[ride_along.phase_index].name,
            most_satisfactory=most,
            least_satisfactory=least,
            comments=comments,
            supersedes=supersedes,
            correction_reason=reason,
            request_key=request_key,
            created_at=now,
        )
        ObservationRating.objects.bulk_create(
            ObservationRating(
                report=report,
                position=position,
                category_id=category.id,
                category_name=category.name,
                rating=by_category[category.id].rating,
                not_observed=by_category[category.id].not_observed,
                not_responding=by_category[category.id].not_responding,
                remedial_minutes=by_category[category.id].remedial_minutes,
                narrative=plain_text(by_category[category.id].narrative),
            )
            for position, category in enumerate(spec.categories)
        )
        signoff_append(
            kind=SignoffKind.REPORT,
            training=training,
            subject_id=report.pk,
            phase_index=report.phase_index,
            **_fto_signer(training, fto),
            signed_at=now,
            comment=reason,
            supersedes=_signature_of(SignoffKind.REPORT, supersedes),
            request_key=request_key,
            request=request,
        )
        statement_record_observation_report(report=report)
        notifications_send(
            users=[training.trainee],
            message=(
                f"{fto.get_full_name() or fto.email} wrote DOR {report.number} on your shift of "
                f"{report.shift_date:%-d %b}: read and acknowledge it."
            ),
            url=reverse("field:report", args=[report.pk]),
            now=now,
        )
        return report

    return _idempotent(ObservationReport, request_key, create)


def _signature_of(kind: str, record) -> Signoff | None:
    if record is None:
        return None
    return Signoff.objects.filter(kind=kind, subject_id=record.pk).first()


def report_acknowledge(
    *,
    trainee,
    report: ObservationReport,
    comment: str = "",
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> Signoff:
    """The trainee signs that they have read the DOR, with an optional comment of their own.
    The report itself cannot be changed by them."""
    permissions.ensure_can_acknowledge_report(user=trainee, report=report)
    now = now or timezone.now()
    comment = _text(comment, limit=3000, field="comment")
    training = report.training
    report_signature = _signature_of(SignoffKind.REPORT, report)

    def create():
        if Signoff.objects.filter(
            kind=SignoffKind.REPORT_ACKNOWLEDGEMENT, subject_id=report.pk
        ).exists():
            raise ValidationError("You have already acknowledged this report.")
        return signoff_append(
            kind=SignoffKind.REPORT_ACKNOWLEDGEMENT,
            training=training,
            subject_id=report.pk,
            phase_index=report.phase_index,
            signer=trainee,
            signer_role=TRAINEE_CAPACITY,
            signed_at=now,
            comment=comment,
            request_key=request_key,
            request=request,
            payload={
                "report_id": report.pk,
                "report_number": report.number,
                "report_signature": report_signature.sequence if report_signature else None,
                "report_content_hash": report_signature.content_hash if report_signature else None,
            },
        )

    return _idempotent(Signoff, request_key, create)


# --- Task sign-offs ------------------------------------------------------------------------------


def task_observation_sign(
    *,
    fto,
    training: FieldTraining,
    task_id: str,
    observed_on: datetime.date,
    context: str,
    satisfactory: bool,
    notes: str = "",
    ride_along: RideAlong | None = None,
    request_key: uuid.UUID,
    supersedes: TaskObservation | None = None,
    correction_reason: str = "",
    now=None,
    request=None,
) -> TaskObservation:
    """Record and sign one observed performance of a task from the trainee's task book."""
    permissions.ensure_can_sign_for_trainee(officer=fto, training=training)
    now = now or timezone.now()
    spec = spec_of(training)
    task = spec.task(task_id)
    errors: dict[str, str] = {}
    if task is None:
        errors["task"] = "That task is not in this trainee's task book."
    if observed_on > training.organisation.today(now):
        errors["observed_on"] = "An observation cannot be dated in the future."
    hire_date = _hire_date(training)
    if hire_date and observed_on < hire_date:
        errors["observed_on"] = "This date is before the trainee's hire date."
    if context not in ObservationContext.values:
        errors["context"] = "Choose where the task was performed."
    if ride_along is not None and ride_along.training_id != training.pk:
        errors["ride_along"] = "Choose a shift of this trainee."
    reason = _text(correction_reason, field="correction_reason")
    if supersedes is not None:
        if supersedes.training_id != training.pk or supersedes.task_id != task_id:
            errors["supersedes"] = "That observation is of another task or trainee."
        elif hasattr(supersedes, "superseded_by"):
            errors["supersedes"] = "That observation has already been corrected."
        if not reason:
            errors["correction_reason"] = "Say why the observation is being corrected."
    if errors:
        raise ValidationError(errors)
    notes = _text(notes, field="notes")
    phase_index = spec.phase_of_task(task_id)

    def create():
        observation = TaskObservation.objects.create(
            training=training,
            trainee=training.trainee,
            fto=fto,
            task_id=task.id,
            task_number=task.number,
            task_title=task.title,
            phase_index=phase_index,
            observed_on=observed_on,
            context=context,
            satisfactory=satisfactory,
            ride_along=ride_along,
            notes=notes,
            supersedes=supersedes,
            correction_reason=reason,
            request_key=request_key,
            created_at=now,
        )
        signoff_append(
            kind=SignoffKind.TASK,
            training=training,
            subject_id=observation.pk,
            phase_index=phase_index,
            **_fto_signer(training, fto),
            signed_at=now,
            comment=reason,
            supersedes=_signature_of(SignoffKind.TASK, supersedes),
            request_key=request_key,
            request=request,
        )
        statement_record_task_observation(observation=observation)
        return observation

    return _idempotent(TaskObservation, request_key, create)


def satisfactory_counts(training: FieldTraining) -> dict[str, int]:
    """Satisfactory observations per task id, leaving out observations since corrected."""
    counts: dict[str, int] = {}
    for task_id in TaskObservation.objects.filter(
        training=training, satisfactory=True, superseded_by__isnull=True
    ).values_list("task_id", flat=True):
        counts[task_id] = counts.get(task_id, 0) + 1
    return counts


# --- Phases and release --------------------------------------------------------------------------


def _phase_payload(training: FieldTraining, spec: TaskBookSpec, phase_index: int) -> dict:
    rides = RideAlong.objects.filter(training=training, phase_index=phase_index)
    total = sum(
        (hours(start, end) for start, end in rides.values_list("started_at", "ended_at")),
        Decimal(0),
    )
    counts = satisfactory_counts(training)
    phase = spec.phases[phase_index]
    return {
        "training_id": training.pk,
        "trainee_id": training.trainee_id,
        "task_book_revision_id": training.revision_id,
        "phase_index": phase_index,
        "phase_name": phase.name,
        "field_hours": str(total),
        "tasks": {task.id: counts.get(task.id, 0) for task in phase.tasks},
    }


def _lock_active(training: FieldTraining) -> FieldTraining:
    """The training, locked for this transaction; refused unless still under way."""
    locked = _lock(training)
    if locked.status != FieldTrainingStatus.ACTIVE:
        raise ValidationError("This trainee is not in field training.")
    return locked


def _lock(training: FieldTraining) -> FieldTraining:
    """The training's row only, FOR NO KEY UPDATE on PostgreSQL: not its organisation's row
    (which a plain FOR UPDATE with select_related would lock too), and not against the key
    share that inserting a row referring to it takes. Locking the organisation deadlocked two
    FTOs signing at once under load: one held the audit chain's lock and waited to insert an
    audit row referring to the organisation, the other held the organisation and waited for the
    audit lock."""
    return (
        FieldTraining.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organisation")
        .get(pk=training.pk)
    )


def phase_recommend(
    *,
    fto,
    training: FieldTraining,
    comment: str = "",
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> Signoff:
    """The FTO signs that the current phase's tasks are done and recommends advancing."""
    permissions.ensure_can_sign_for_trainee(officer=fto, training=training)
    now = now or timezone.now()
    comment = _text(comment, field="comment")

    def create():
        locked = _lock_active(training)
        spec = spec_of(locked)
        phase_index = locked.phase_index
        if not phase_tasks_complete(spec, phase_index, satisfactory_counts(locked)):
            raise ValidationError("Every task of this phase needs its observations first.")
        if _open_recommendation(locked, phase_index) is not None:
            raise ValidationError("This phase is already recommended; it awaits a supervisor.")
        supervisors = User.objects.filter(supervised_profiles__user_id=locked.trainee_id)
        if supervisors:
            notifications_send(
                users=supervisors,
                message=(
                    f"Phase {phase_index + 1} of {locked.trainee.get_full_name()} is recommended "
                    "for approval."
                ),
                url=reverse("field:approve", args=[locked.pk]),
                now=now,
            )
        return signoff_append(
            kind=SignoffKind.PHASE_RECOMMENDATION,
            training=locked,
            subject_id=locked.pk,
            phase_index=phase_index,
            **_fto_signer(locked, fto),
            signed_at=now,
            comment=comment,
            request_key=request_key,
            request=request,
            payload=_phase_payload(locked, spec, phase_index),
        )

    return _idempotent(Signoff, request_key, create)


def _open_recommendation(training: FieldTraining, phase_index: int) -> Signoff | None:
    return Signoff.objects.filter(
        training=training, kind=SignoffKind.PHASE_RECOMMENDATION, phase_index=phase_index
    ).first()


def phase_approve(
    *,
    supervisor,
    training: FieldTraining,
    comment: str = "",
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> Signoff:
    """The supervisor approves the end of the recommended phase; the trainee moves on to the
    next phase (the last phase's approval makes them ready for release)."""
    permissions.ensure_can_approve_phase(supervisor=supervisor, training=training)
    now = now or timezone.now()
    comment = _text(comment, field="comment")

    def create():
        locked = _lock_active(training)
        spec = spec_of(locked)
        phase_index = locked.phase_index
        if _open_recommendation(locked, phase_index) is None:
            raise ValidationError("An FTO has not recommended the end of this phase yet.")
        if Signoff.objects.filter(
            training=locked, kind=SignoffKind.PHASE_APPROVAL, phase_index=phase_index
        ).exists():
            raise ValidationError("This phase is already approved.")
        signoff = signoff_append(
            kind=SignoffKind.PHASE_APPROVAL,
            training=locked,
            subject_id=locked.pk,
            phase_index=phase_index,
            signer=supervisor,
            signer_role=SUPERVISOR_CAPACITY,
            signed_at=now,
            comment=comment,
            request_key=request_key,
            request=request,
            payload=_phase_payload(locked, spec, phase_index),
        )
        statement_record_phase_approval(signoff=signoff)
        if phase_index + 1 < len(spec.phases):
            locked.phase_index = phase_index + 1
            locked.phase_started_on = locked.organisation.today(now)
            locked.save(update_fields=["phase_index", "phase_started_on"])
        _complete_phase_module(locked, spec.phases[phase_index], signoff, now)
        return signoff

    return _idempotent(Signoff, request_key, create)


def _complete_phase_module(training: FieldTraining, phase, signoff: Signoff, now) -> None:
    """A phase may complete another field module of the program when it is approved."""
    if not phase.completes_module_id:
        return
    module = ModulePage.objects.filter(
        pk=phase.completes_module_id, training_type=TrainingType.FIELD
    ).first()
    if module is not None:
        module_complete(
            user=training.trainee,
            module=module,
            source="field_phase_approval",
            evidence={"field_training": training.pk, "signoff": signoff.sequence},
            now=now,
        )


def phase_extend(
    *,
    supervisor,
    training: FieldTraining,
    days: int,
    reason: str,
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> PhaseExtension:
    """Extend the current phase by some days, with a reason, signed by the supervisor."""
    permissions.ensure_can_approve_phase(supervisor=supervisor, training=training)
    now = now or timezone.now()
    reason = _text(reason, field="reason")
    errors = {}
    if not reason:
        errors["reason"] = "Say why the phase is extended."
    if not 1 <= days <= 90:
        errors["days"] = "Extend by 1 to 90 days."
    if errors:
        raise ValidationError(errors)

    def create():
        locked = _lock_active(training)
        extension = PhaseExtension.objects.create(
            training=locked,
            phase_index=locked.phase_index,
            days=days,
            reason=reason,
            granted_by=supervisor,
            created_at=now,
        )
        signoff_append(
            kind=SignoffKind.PHASE_EXTENSION,
            training=locked,
            subject_id=extension.pk,
            phase_index=locked.phase_index,
            signer=supervisor,
            signer_role=SUPERVISOR_CAPACITY,
            signed_at=now,
            comment=reason,
            request_key=request_key,
            request=request,
        )
        return extension

    return _idempotent(
        Signoff,
        request_key,
        create,
        found=lambda signoff: PhaseExtension.objects.get(pk=signoff.subject_id),
    )


def ready_for_release(training: FieldTraining, approved_phases: set[int]) -> bool:
    spec = spec_of(training)
    return training.status == FieldTrainingStatus.ACTIVE and approved_phases >= set(
        range(len(spec.phases))
    )


def training_release(
    *,
    supervisor,
    training: FieldTraining,
    reauthenticated_at: datetime.datetime | None,
    comment: str = "",
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> Signoff:
    """The final release, signed by a supervisor who has just re-authenticated. It completes
    the field module through the curriculum's completion interface."""
    permissions.ensure_can_approve_phase(supervisor=supervisor, training=training)
    now = now or timezone.now()
    if reauthenticated_at is None:
        raise ValidationError("Confirm your identity again to sign the release.")
    comment = _text(comment, field="comment")

    def create():
        locked = _lock_active(training)
        spec = spec_of(locked)
        approved = set(
            Signoff.objects.filter(training=locked, kind=SignoffKind.PHASE_APPROVAL).values_list(
                "phase_index", flat=True
            )
        )
        if not ready_for_release(locked, approved):
            raise ValidationError("Every phase must be approved before the release.")
        rides = RideAlong.objects.filter(training=locked).values_list("started_at", "ended_at")
        signoff = signoff_append(
            kind=SignoffKind.RELEASE,
            training=locked,
            subject_id=locked.pk,
            phase_index=len(spec.phases) - 1,
            signer=supervisor,
            signer_role=SUPERVISOR_CAPACITY,
            signed_at=now,
            comment=comment,
            reauthenticated_at=reauthenticated_at,
            request_key=request_key,
            request=request,
            payload={
                "training_id": locked.pk,
                "trainee_id": locked.trainee_id,
                "task_book_revision_id": locked.revision_id,
                "phases": len(spec.phases),
                "field_hours": str(sum((hours(s, e) for s, e in rides), Decimal(0))),
                "reports": ObservationReport.objects.filter(training=locked).count(),
                "task_observations": TaskObservation.objects.filter(training=locked).count(),
            },
        )
        statement_record_field_release(signoff=signoff)
        locked.status = FieldTrainingStatus.RELEASED
        locked.released_at = now
        locked.save(update_fields=["status", "released_at"])
        module_complete(
            user=locked.trainee,
            module=locked.module.specific,
            source="field_release",
            evidence={"field_training": locked.pk, "signoff": signoff.sequence},
            now=now,
        )
        return signoff

    return _idempotent(Signoff, request_key, create)

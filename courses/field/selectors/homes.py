"""Read models of the field training homes: the FTO's home, the supervisor's queue, the people
who could start, and a trainee's own trainings. Each runs a fixed number of queries whatever the
data size."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from courses.field.engine import (
    Flag,
    PhaseSpec,
    TaskBookSpec,
    behind_on_hours,
    expected_hours_by_now,
    low_rating_streaks,
    outstanding_tasks,
)
from courses.models import (
    FieldTraining,
    FieldTrainingStatus,
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)
from lms.accounts.models import StaffProfile, StaffStatus

_DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
FLAG_WINDOW_DAYS = 45


def _hours(duration: datetime.timedelta | None) -> Decimal:
    if not duration:
        return Decimal("0.00")
    return (Decimal(duration.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))


@dataclass
class TraineeCard:
    """One trainee as the FTO's home and the supervisor's queue show them."""

    training: FieldTraining
    spec: TaskBookSpec
    phase: PhaseSpec
    hours_in_phase: Decimal
    expected_hours_now: Decimal
    extension_days: int
    outstanding: int
    recommended: bool
    approved_phases: set[int]
    shifts_without_report: list[RideAlong] = field(default_factory=list)
    unacknowledged_reports: int = 0
    flags: list[Flag] = field(default_factory=list)

    @property
    def phase_number(self) -> int:
        return self.training.phase_index + 1

    @property
    def phase_count(self) -> int:
        return len(self.spec.phases)

    @property
    def ready_to_recommend(self) -> bool:
        return self.outstanding == 0 and not self.recommended

    @property
    def awaiting_approval(self) -> bool:
        return self.recommended and self.training.phase_index not in self.approved_phases

    @property
    def ready_for_release(self) -> bool:
        return self.approved_phases >= set(range(self.phase_count))


def trainee_cards(
    trainings: list[FieldTraining], *, on: datetime.date, fto=None
) -> list[TraineeCard]:
    """Cards for active trainings, in seven queries: shifts' hours by phase, satisfactory
    counts, shifts without a report (of `fto`, if given), recent ratings, phase decisions,
    extensions and unacknowledged reports."""
    if not trainings:
        return []
    ids = [t.pk for t in trainings]
    hours = {
        (row["training_id"], row["phase_index"]): _hours(row["total"])
        for row in RideAlong.objects.filter(training_id__in=ids)
        .values("training_id", "phase_index")
        .annotate(total=Sum(_DURATION))
        .order_by()
    }
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        TaskObservation.objects.filter(
            training_id__in=ids, satisfactory=True, superseded_by__isnull=True
        )
        .values("training_id", "task_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[row["training_id"]][row["task_id"]] = row["n"]
    unreported = RideAlong.objects.filter(training_id__in=ids, reports__isnull=True).order_by(
        "-started_at"
    )
    if fto is not None:
        unreported = unreported.filter(fto=fto)
    shifts: dict[int, list[RideAlong]] = defaultdict(list)
    for ride in unreported:
        shifts[ride.training_id].append(ride)
    since = on - datetime.timedelta(days=FLAG_WINDOW_DAYS)
    ratings_by_report: dict[int, dict[str, int | None]] = defaultdict(dict)
    report_order: dict[int, list[int]] = defaultdict(list)
    for row in (
        ObservationRating.objects.filter(
            report__training_id__in=ids,
            report__shift_date__gte=since,
            report__superseded_by__isnull=True,
        )
        .order_by("report__shift_date", "report__number", "position")
        .values("report_id", "report__training_id", "category_id", "rating")
    ):
        report_id = row["report_id"]
        if report_id not in ratings_by_report:
            report_order[row["report__training_id"]].append(report_id)
        ratings_by_report[report_id][row["category_id"]] = row["rating"]
    decisions: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    unacknowledged: dict[int, int] = defaultdict(int)
    acknowledged_reports: set[int] = set()
    for kind, training_id, phase_index, subject_id in Signoff.objects.filter(
        training_id__in=ids,
        kind__in=[
            SignoffKind.PHASE_RECOMMENDATION,
            SignoffKind.PHASE_APPROVAL,
            SignoffKind.REPORT_ACKNOWLEDGEMENT,
        ],
    ).values_list("kind", "training_id", "phase_index", "subject_id"):
        if kind == SignoffKind.REPORT_ACKNOWLEDGEMENT:
            acknowledged_reports.add(subject_id)
        else:
            decisions[training_id][kind].add(phase_index)
    for report_id, training_id in ObservationReport.objects.filter(training_id__in=ids).values_list(
        "pk", "training_id"
    ):
        if report_id not in acknowledged_reports:
            unacknowledged[training_id] += 1
    extensions: dict[tuple[int, int], int] = defaultdict(int)
    for training_id, phase_index, days in PhaseExtension.objects.filter(
        training_id__in=ids
    ).values_list("training_id", "phase_index", "days"):
        extensions[(training_id, phase_index)] += days

    cards = []
    for training in trainings:
        spec = TaskBookSpec.from_json(training.spec)
        index = training.phase_index
        phase = spec.phases[index]
        logged = hours.get((training.pk, index), Decimal("0.00"))
        extension_days = extensions[(training.pk, index)]
        card = TraineeCard(
            training=training,
            spec=spec,
            phase=phase,
            hours_in_phase=logged,
            expected_hours_now=expected_hours_by_now(
                phase, started_on=training.phase_started_on, extension_days=extension_days, on=on
            ),
            extension_days=extension_days,
            outstanding=outstanding_tasks(spec, index, counts[training.pk]),
            recommended=index in decisions[training.pk][SignoffKind.PHASE_RECOMMENDATION],
            approved_phases=decisions[training.pk][SignoffKind.PHASE_APPROVAL],
            shifts_without_report=shifts.get(training.pk, []),
            unacknowledged_reports=unacknowledged[training.pk],
        )
        reports = [ratings_by_report[r] for r in report_order[training.pk]]
        for category_id in low_rating_streaks(reports, scale=spec.scale):
            category = spec.category(category_id)
            card.flags.append(
                Flag(
                    "low_ratings",
                    f"Two reports in a row rated “{category.name if category else category_id}” "
                    f"at {spec.scale.narrative_at_or_below} or below.",
                )
            )
        if training.status == FieldTrainingStatus.ACTIVE and behind_on_hours(
            phase,
            logged=logged,
            started_on=training.phase_started_on,
            extension_days=extension_days,
            on=on,
        ):
            card.flags.append(
                Flag(
                    "behind_hours",
                    f"Behind on field hours: {logged} logged in this phase, "
                    f"{card.expected_hours_now} expected by now.",
                )
            )
        cards.append(card)
    return cards


def _active_trainings():
    return FieldTraining.objects.filter(status=FieldTrainingStatus.ACTIVE).select_related(
        "trainee", "organisation", "primary_fto", "secondary_fto"
    )


@dataclass
class FtoHome:
    cards: list[TraineeCard]

    @property
    def reports_to_write(self) -> list[tuple[TraineeCard, RideAlong]]:
        return [(card, ride) for card in self.cards for ride in card.shifts_without_report]

    @property
    def flagged(self) -> list[TraineeCard]:
        return [card for card in self.cards if card.flags]


def fto_home(*, user, on: datetime.date) -> FtoHome:
    """My trainees (as primary or secondary FTO) with their phase, hours and outstanding tasks;
    shifts I worked with them that have no report yet; flags worth acting on."""
    trainings = list(
        _active_trainings()
        .filter(Q(primary_fto=user) | Q(secondary_fto=user))
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    return FtoHome(cards=trainee_cards(trainings, on=on, fto=user))


def supervisor_queue(*, user, on: datetime.date) -> list[TraineeCard]:
    """Everyone in field training in my organisation, those waiting on me first."""
    profile = StaffProfile.objects.filter(user=user).values("organisation_id").first()
    if profile is None:
        return []
    trainings = list(
        _active_trainings()
        .filter(organisation_id=profile["organisation_id"])
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    cards = trainee_cards(trainings, on=on)
    return sorted(cards, key=lambda c: (not (c.awaiting_approval or c.ready_for_release),))


def people_without_field_training(*, user, task_book_roles: set[int]) -> list[StaffProfile]:
    """Trainees of my organisation in a role that has a task book, not in field training yet."""
    profile = StaffProfile.objects.filter(user=user).values("organisation_id").first()
    if profile is None:
        return []
    return list(
        StaffProfile.objects.with_people()
        .current()
        .filter(
            organisation_id=profile["organisation_id"],
            job_role_id__in=task_book_roles,
            status=StaffStatus.TRAINEE,
        )
        .exclude(user__field_trainings__isnull=False)
        .exclude(user=user)
        .order_by("user__last_name", "user__first_name")[:50]
    )


def my_field_trainings(*, user) -> list[FieldTraining]:
    return list(
        FieldTraining.objects.filter(trainee=user)
        .select_related("primary_fto", "secondary_fto", "organisation")
        .order_by("-started_on")
    )

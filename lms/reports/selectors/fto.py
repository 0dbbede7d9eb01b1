"""FTO workload: per field training officer, the trainees they have now, and the shifts
(ride-alongs) logged, Daily Observation Reports written and task sign-offs given in the range,
with their average per month. Six queries whatever the number of officers.

Rows are the officers whose own staff record the report covers (the filters' organisation,
funding source and job role apply to the officer): everyone holding the FTO capability
(`accounts.sign_off_trainees`) and anyone else with field training work in the range. Only work
with trainings of organisations whose records the viewer may see is counted. A corrected DOR
counts once (its original); sign-offs are the task signatures of the sign-off chain."""

from dataclasses import dataclass

from django.db.models import Count, Q

from courses.models import (
    FieldTraining,
    FieldTrainingStatus,
    ObservationReport,
    RideAlong,
    Signoff,
    SignoffKind,
)
from lms.accounts.models import User

from .common import ReportFilters, Scope, counted_staff

FTO_PERMISSION = Q(
    groups__permissions__codename="sign_off_trainees",
    groups__permissions__content_type__app_label="accounts",
) | Q(
    user_permissions__codename="sign_off_trainees",
    user_permissions__content_type__app_label="accounts",
)


@dataclass(frozen=True)
class FtoLine:
    user_id: int
    name: str
    email: str
    organisation: str
    trainees: int
    shifts: int
    reports: int
    signoffs: int
    months: float

    def per_month(self, count: int) -> float:
        return round(count / self.months, 1) if self.months else 0.0

    @property
    def shifts_per_month(self) -> float:
        return self.per_month(self.shifts)

    @property
    def reports_per_month(self) -> float:
        return self.per_month(self.reports)

    @property
    def signoffs_per_month(self) -> float:
        return self.per_month(self.signoffs)

    @property
    def activity(self) -> int:
        return self.shifts + self.reports + self.signoffs


@dataclass(frozen=True)
class FtoReport:
    lines: list[FtoLine]  # busiest first
    trainees: int  # distinct trainees of these officers (one with two FTOs counts once)

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)


def fto_workload(*, scope: Scope, filters: ReportFilters) -> FtoReport:
    records = scope.record_ids()  # work is counted wherever the viewer sees the training
    in_reach = Q(training__organisation_id__in=records)
    shifts = RideAlong.objects.filter(
        in_reach, shift_date__gte=filters.date_from, shift_date__lte=filters.date_to
    )
    reports = ObservationReport.objects.filter(
        in_reach,
        shift_date__gte=filters.date_from,
        shift_date__lte=filters.date_to,
        supersedes__isnull=True,
    )
    signoffs = Signoff.objects.filter(  # a signature carries its training's organisation
        organisation_id__in=records,
        kind=SignoffKind.TASK,
        signed_at__gte=filters.start,
        signed_at__lt=filters.end,
    )
    active = FieldTraining.objects.filter(
        status=FieldTrainingStatus.ACTIVE, organisation_id__in=records
    )
    officers = (
        counted_staff(filters, scope.record_ids(filters.organisation_id))
        .filter(
            Q(user__in=User.objects.filter(FTO_PERMISSION).values("pk"))
            | Q(user__in=shifts.values("fto_id"))
            | Q(user__in=reports.values("fto_id"))
            | Q(user__in=signoffs.values("signer_id"))
            | Q(user__in=active.values("primary_fto_id"))
            | Q(user__in=active.filter(secondary_fto__isnull=False).values("secondary_fto_id"))
        )
        .values_list(
            "user_id", "user__first_name", "user__last_name", "user__email", "organisation_id"
        )
    )
    people = list(officers)
    trainees: dict[int, set[int]] = {}
    for trainee, *ftos in active.values_list("trainee_id", "primary_fto_id", "secondary_fto_id"):
        for fto in ftos:
            if fto is not None:
                trainees.setdefault(fto, set()).add(trainee)
    counted = {
        "shifts": _per_officer(shifts, "fto_id"),
        "reports": _per_officer(reports, "fto_id"),
        "signoffs": _per_officer(signoffs, "signer_id"),
    }
    lines = [
        FtoLine(
            user_id=user_id,
            name=f"{first} {last}".strip() or email,
            email=email,
            organisation=scope.name(org_id),
            trainees=len(trainees.get(user_id, ())),
            shifts=counted["shifts"].get(user_id, 0),
            reports=counted["reports"].get(user_id, 0),
            signoffs=counted["signoffs"].get(user_id, 0),
            months=filters.month_span,
        )
        for user_id, first, last, email, org_id in people
    ]
    lines.sort(
        key=lambda line: (-line.activity, -line.trainees, line.name.casefold(), line.user_id)
    )
    listed = set().union(*(trainees.get(line.user_id, set()) for line in lines))
    return FtoReport(lines=lines, trainees=len(listed))


def _per_officer(queryset, field: str) -> dict[int, int]:
    return dict(queryset.values(field).annotate(n=Count("pk")).order_by().values_list(field, "n"))

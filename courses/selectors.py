"""Read models for the curriculum pages; each owns its queries (a constant number)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, Q, Sum
from django.utils import timezone

from lms.accounts.models import Notification, StaffProfile

from .models import (
    AcknowledgementRequest,
    Assignment,
    ModulePage,
    ModuleProgress,
    ProgressStatus,
    ProtocolAcknowledgement,
    ProtocolPage,
    ProtocolVersion,
    QuizAttempt,
    TrainingProgramPage,
    TrainingType,
)

DUE_SOON_DAYS = 7


def today_for(user) -> datetime.date:
    """Today in the person's organisation's time zone (the site's for people without one)."""
    profile = getattr(user, "staff_profile", None)
    return profile.organisation.today() if profile is not None else timezone.localdate()


def modules_by_program(programs) -> dict[int, list[ModulePage]]:
    """Live modules of several programs, in tree order, in one query."""
    programs = list(programs)
    if not programs:
        return {}
    children = reduce(or_, (Q(path__startswith=p.path, depth=p.depth + 1) for p in programs))
    by_path = {p.path: p.pk for p in programs}
    result: dict[int, list[ModulePage]] = {p.pk: [] for p in programs}
    # Only what lists and cards show: the StreamField bodies stay in the database.
    fields = [
        "title",
        "path",
        "depth",
        "training_type",
        "estimated_minutes",
        "required",
        "summary",
        "ce_hours",
        "live",
    ]
    for module in ModulePage.objects.live().filter(children).only(*fields).order_by("path"):
        result[by_path[module.path[: -ModulePage.steplen]]].append(module)
    return result


@dataclass
class ModuleLine:
    module: ModulePage
    progress: ModuleProgress | None
    locked: bool = False

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else ProgressStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.status).label


@dataclass
class ProgramCard:
    assignment: Assignment
    lines: list[ModuleLine]
    on: datetime.date

    @property
    def program(self):
        return self.assignment.program

    @property
    def required(self) -> list[ModuleLine]:
        return [line for line in self.lines if line.module.required]

    @property
    def done(self) -> int:
        return sum(1 for line in self.required if line.status == ProgressStatus.COMPLETED)

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def next_line(self) -> ModuleLine | None:
        for line in self.lines:
            if line.status != ProgressStatus.COMPLETED and not line.locked:
                return line
        return None

    @property
    def overdue(self) -> bool:
        return self.assignment.completed_at is None and self.assignment.due_on < self.on

    @property
    def due_soon(self) -> bool:
        days = (self.assignment.due_on - self.on).days
        return self.assignment.completed_at is None and 0 <= days <= DUE_SOON_DAYS

    @property
    def minutes(self) -> int:
        return sum(line.module.estimated_minutes for line in self.lines)

    @property
    def hours(self) -> Decimal:
        return sum((Decimal(line.module.estimated_minutes) for line in self.lines), Decimal(0)) / 60


@dataclass
class LearnerHome:
    cards: list[ProgramCard]
    completed_cards: list[ProgramCard]
    requests: list[AcknowledgementRequest]
    recent: list[ModuleProgress]
    notifications: list[Notification]
    on: datetime.date
    overdue_count: int = 0
    extra: dict = field(default_factory=dict)


def learner_home(*, user, on: datetime.date | None = None) -> LearnerHome:
    on = on or today_for(user)
    assignments = list(
        Assignment.objects.open()
        .filter(user=user)
        .select_related("program")
        .order_by("completed_at", "due_on")
    )
    programs = [a.program for a in assignments]
    modules = modules_by_program(programs)
    module_ids = [m.pk for ms in modules.values() for m in ms]
    prerequisite_rows = ModulePage.prerequisites.through.objects.filter(
        from_modulepage_id__in=module_ids
    ).values_list("from_modulepage_id", "to_modulepage_id")
    prerequisites = defaultdict(set)
    for source, target in prerequisite_rows:
        prerequisites[source].add(target)
    progress = {
        p.module_id: p for p in ModuleProgress.objects.filter(user=user, module_id__in=module_ids)
    }
    completed = {mid for mid, p in progress.items() if p.status == ProgressStatus.COMPLETED}
    cards = []
    for assignment in assignments:
        lines = [
            ModuleLine(
                module=module,
                progress=progress.get(module.pk),
                locked=not prerequisites[module.pk] <= completed,
            )
            for module in modules.get(assignment.program_id, [])
        ]
        cards.append(ProgramCard(assignment=assignment, lines=lines, on=on))
    requests = list(
        AcknowledgementRequest.objects.filter(user=user, completed_at__isnull=True)
        .select_related("protocol_version")
        .order_by("due_on")
    )
    recent = list(
        ModuleProgress.objects.filter(user=user, last_activity_at__isnull=False)
        .select_related("module")
        .only("status", "last_activity_at", "module_id", "module__title")
        .order_by("-last_activity_at")[:5]
    )
    notifications = list(Notification.objects.filter(user=user, read_at__isnull=True)[:5])
    open_cards = [card for card in cards if card.assignment.completed_at is None]
    return LearnerHome(
        cards=open_cards,
        completed_cards=[card for card in cards if card.assignment.completed_at is not None],
        requests=requests,
        recent=recent,
        notifications=notifications,
        on=on,
        overdue_count=sum(1 for card in open_cards if card.overdue)
        + sum(1 for r in requests if r.due_on < on),
    )


def program_card(*, user, program: TrainingProgramPage, on=None) -> ProgramCard | None:
    """The learner's view of one assigned program, or None if it is not assigned."""
    home = learner_home(user=user, on=on)
    for card in [*home.cards, *home.completed_cards]:
        if card.assignment.program_id == program.pk:
            return card
    return None


@dataclass
class PlayerState:
    module: ModulePage
    program: TrainingProgramPage
    progress: ModuleProgress | None
    index: int
    attempts: list[QuizAttempt]
    attempts_used: int

    @property
    def section(self):
        return self.module.body[self.index] if self.module.section_count else None

    @property
    def viewed(self) -> set[int]:
        return set(self.progress.sections_viewed) if self.progress else set()

    @property
    def all_viewed(self) -> bool:
        return self.viewed >= set(range(self.module.section_count))

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def quiz_closed(self) -> str:
        """Why the knowledge check cannot be taken now ("" when it can)."""
        from .services.quiz import quiz_closed_reason

        return quiz_closed_reason(
            status=self.progress.status if self.progress else None,
            passed=self.passed,
            used=self.attempts_used,
            allowed=self.module.attempts_allowed,
        )

    @property
    def attempts_left(self) -> int | None:
        if not self.module.attempts_allowed:
            return None
        return max(self.module.attempts_allowed - self.attempts_used, 0)


def module_player(*, user, module: ModulePage, index: int | None = None) -> PlayerState:
    from .services.progress import attempts_used

    progress = ModuleProgress.objects.filter(user=user, module=module).first()
    if index is None:
        index = progress.last_section if progress else 0
    index = min(max(index, 0), max(module.section_count - 1, 0))
    attempts = list(QuizAttempt.objects.filter(user=user, module=module).order_by("number"))
    return PlayerState(
        module=module,
        program=module.get_parent().specific,
        progress=progress,
        index=index,
        attempts=attempts,
        attempts_used=attempts_used(progress) if progress else len(attempts),
    )


@dataclass
class Transcript:
    rows: list[ModuleProgress]
    hours_by_type: list[tuple[str, Decimal, Decimal, int]]  # label, hours, CE hours, modules
    total_hours: Decimal
    total_ce_hours: Decimal


def transcript(*, user) -> Transcript:
    rows = list(ModuleProgress.objects.completed().filter(user=user).order_by("-completed_at"))
    totals = {
        row["completed_training_type"]: row
        for row in ModuleProgress.objects.completed()
        .filter(user=user)
        .values("completed_training_type")
        .annotate(minutes=Sum("completed_minutes"), ce=Sum("completed_ce_hours"), n=Count("id"))
    }
    by_type = []
    for kind in TrainingType:
        row = totals.get(kind.value)
        minutes = row["minutes"] if row else 0
        by_type.append(
            (
                kind.label,
                (Decimal(minutes) / 60).quantize(Decimal("0.1")),
                row["ce"] if row else Decimal(0),
                row["n"] if row else 0,
            )
        )
    return Transcript(
        rows=rows,
        hours_by_type=by_type,
        total_hours=sum((item[1] for item in by_type), Decimal(0)),
        total_ce_hours=sum((item[2] for item in by_type), Decimal(0)),
    )


# --- Supervisors and HR -----------------------------------------------------------------------


def team_profiles(*, viewer):
    """The people whose training a viewer follows: everyone they may see but themselves."""
    return StaffProfile.objects.visible_to(viewer).exclude(user=viewer).current()


def programs_for_team(*, viewer):
    team_users = team_profiles(viewer=viewer).values("user_id")
    return (
        TrainingProgramPage.objects.live()
        .filter(assignments__user_id__in=team_users, assignments__ended_at__isnull=True)
        .annotate(people=Count("assignments", distinct=True))
        .order_by("title")
    )


@dataclass
class GridRow:
    profile: StaffProfile
    assignment: Assignment
    cells: list[ModuleLine]
    on: datetime.date

    @property
    def done(self) -> int:
        return sum(1 for cell in self.cells if cell.status == ProgressStatus.COMPLETED)

    @property
    def overdue(self) -> bool:
        return self.assignment.completed_at is None and self.assignment.due_on < self.on


@dataclass
class Grid:
    program: TrainingProgramPage
    modules: list[ModulePage]
    rows: list[GridRow]


def team_grid(
    *,
    viewer,
    program: TrainingProgramPage,
    organisation_id: int | None = None,
    only_overdue: bool = False,
    q: str = "",
    on: datetime.date | None = None,
    assignments_qs=None,
) -> Grid:
    """People x modules of one program for the viewer's team. The caller pages the
    assignments (pass a sliced queryset as `assignments_qs`)."""
    on = on or today_for(viewer)
    if assignments_qs is None:
        assignments_qs = team_assignments(
            viewer=viewer,
            program=program,
            organisation_id=organisation_id,
            only_overdue=only_overdue,
            q=q,
            on=on,
        )
    assignments = list(assignments_qs)
    modules = modules_by_program([program])[program.pk]
    progress = defaultdict(dict)
    for row in ModuleProgress.objects.filter(
        user_id__in=[a.user_id for a in assignments], module__in=modules
    ):
        progress[row.user_id][row.module_id] = row
    rows = [
        GridRow(
            profile=assignment.user.staff_profile,
            assignment=assignment,
            cells=[
                ModuleLine(module=m, progress=progress[assignment.user_id].get(m.pk))
                for m in modules
            ],
            on=on,
        )
        for assignment in assignments
    ]
    return Grid(program=program, modules=modules, rows=rows)


def team_assignments(*, viewer, program, organisation_id=None, only_overdue=False, q="", on=None):
    on = on or today_for(viewer)
    qs = (
        Assignment.objects.open()
        # Filter on user ids: SQLite's planner handles this form far better than a join filter.
        .filter(program=program, user_id__in=team_profiles(viewer=viewer).values("user_id"))
        .select_related(
            "user",
            "user__staff_profile",
            "user__staff_profile__organisation",
            "user__staff_profile__job_role",
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    if organisation_id:
        qs = qs.filter(user__staff_profile__organisation_id=organisation_id)
    if only_overdue:
        qs = qs.filter(completed_at__isnull=True, due_on__lt=on)
    if q:
        qs = qs.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__staff_profile__employee_id__icontains=q)
        )
    return qs


@dataclass
class ProtocolCompliance:
    protocol: ProtocolPage
    version: ProtocolVersion | None
    affected: int
    current: int
    behind: list[StaffProfile]

    @property
    def share(self) -> int:
        return round(100 * self.current / self.affected) if self.affected else 100


def protocol_compliance(*, viewer, behind_limit: int = 25) -> list[ProtocolCompliance]:
    """Per live protocol: the viewer's affected people, how many acknowledged the current
    version, and (the first `behind_limit` of) who is behind. Queries per protocol are fixed;
    protocols are few (tens), people many."""
    protocols = list(
        ProtocolPage.objects.live().prefetch_related("audience_roles").order_by("title")
    )
    latest = {}
    for version in ProtocolVersion.objects.filter(protocol__in=protocols).order_by(
        "protocol_id", "version"
    ):
        latest[version.protocol_id] = version
    team = team_profiles(viewer=viewer)
    results = []
    for protocol in protocols:
        version = latest.get(protocol.pk)
        role_ids = [role.pk for role in protocol.audience_roles.all()]
        affected = team.filter(job_role_id__in=role_ids)
        acknowledged = (
            ProtocolAcknowledgement.objects.filter(protocol_version=version).values("user_id")
            if version
            else ProtocolAcknowledgement.objects.none().values("user_id")
        )
        current = affected.filter(user_id__in=acknowledged).count()
        behind = list(
            affected.exclude(user_id__in=acknowledged)
            .select_related("user", "organisation", "job_role")
            .order_by("user__last_name")[:behind_limit]
        )
        results.append(
            ProtocolCompliance(
                protocol=protocol,
                version=version,
                affected=affected.count(),
                current=current,
                behind=behind,
            )
        )
    return results

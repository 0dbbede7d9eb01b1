"""What a token reads. Every selector starts from what the token may address (`auth.token_staff`)
and runs a fixed number of queries whatever the number of rows."""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, DecimalField, F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from certificates.expiry import Status
from certificates.models import Credential, CredentialState, JobRole, Verification
from certificates.selectors.readiness import IN_FORCE_VERIFICATION
from certificates.selectors.readiness_board import BoardFilters, ReadinessBoard, readiness_board
from courses.models import Assignment, ModuleProgress
from lms.accounts.models import Organisation, StaffProfile

from .auth import token_staff
from .models import ApiToken

# --- Staff -------------------------------------------------------------------------------------


def job_role_lookup(value: str) -> Q:
    """A job role named by its id (digits) or its name (any case)."""
    if value.isdigit() and len(value) < 10:
        return Q(pk=int(value))
    return Q(name__iexact=value)


STAFF_COLUMNS = (
    "employee_id",
    "job_role_id",
    "status",
    "hire_date",
    "job_role_since",
    "separated_on",
    "funding_source",
)
STAFF_RELATED = {
    "organisation_slug": F("organisation__slug"),
    "first_name": F("user__first_name"),
    "last_name": F("user__last_name"),
    "email": F("user__email"),
    "job_role_name": F("job_role__name"),
    "supervisor_employee_id": F("supervisor__staff_profile__employee_id"),
    "organisation_funding_source": F("organisation__funding_source"),
}


def staff_for_token(
    token: ApiToken,
    *,
    organisation: str | None = None,
    status: str | None = None,
    job_role: str | None = None,
) -> QuerySet[StaffProfile]:
    """The staff the token may read, filtered, in a stable order (organisation, employee id)."""
    staff = token_staff(token)
    if organisation:
        staff = staff.filter(organisation__slug=organisation)
    if status:
        staff = staff.filter(status=status)
    if job_role:
        staff = staff.filter(job_role__in=JobRole.objects.filter(job_role_lookup(job_role)))
    return staff.order_by("organisation_id", "employee_id")


def staff_rows(ids) -> dict[int, dict]:
    """Profile id -> what the API shows of the person, as value rows (`STAFF_COLUMNS`,
    `STAFF_RELATED`): one query, without building six model instances per person."""
    rows = StaffProfile.objects.filter(pk__in=ids).values("pk", *STAFF_COLUMNS, **STAFF_RELATED)
    return {row["pk"]: row for row in rows}


def staff_member(token: ApiToken, *, organisation: str, employee_id: str) -> dict | None:
    pk = (
        staff_for_token(token, organisation=organisation)
        .filter(employee_id=employee_id)
        .values_list("pk", flat=True)
        .first()
    )
    return None if pk is None else staff_rows([pk]).get(pk)


def staff_profile_for_token(
    token: ApiToken, *, organisation: str, employee_id: str
) -> StaffProfile | None:
    """One staff member the token may read, as a profile with its person."""
    return (
        token_staff(token)
        .select_related("user", "organisation")
        .filter(organisation__slug=organisation, employee_id=employee_id)
        .first()
    )


# --- Credentials and their status on a day -----------------------------------------------------


def _any(conditions: Iterable[Q]) -> Q:
    rule = Q(pk__in=[])
    for condition in conditions:
        rule |= condition
    return rule


def status_condition(
    status: Status, day: datetime.date, *, windows: Iterable[int], graces: Iterable[int]
) -> Q:
    """Credentials whose status on `day` is `status`: the rule of
    `certificates.services.earning.credential_status` (and `certificates.expiry.status_on`)
    written as SQL. `windows` and `graces` are the window and grace lengths in use (the
    per-row day arithmetic becomes one condition per length); a test keeps the two in step."""
    pending = Q(verification=Verification.PENDING)
    live = Q(state=CredentialState.ACTIVE, verification__in=IN_FORCE_VERIFICATION)
    started = live & Q(issued_on__lte=day)
    unrenewed = started & (Q(renewed_on__isnull=True) | Q(renewed_on__gt=day))
    days = datetime.timedelta
    if status == Status.NOT_YET:
        return pending | (live & Q(issued_on__gt=day))
    if status == Status.REVOKED:
        return ~pending & (Q(state=CredentialState.REVOKED) | Q(verification=Verification.REJECTED))
    if status == Status.SUSPENDED:
        return (
            ~pending & Q(state=CredentialState.SUSPENDED) & ~Q(verification=Verification.REJECTED)
        )
    if status == Status.RENEWED:
        return started & Q(renewed_on__lte=day)
    if status == Status.ACTIVE:
        return unrenewed & (
            Q(expires_on__isnull=True)
            | _any(Q(window_days=w, expires_on__gt=day + days(w)) for w in windows)
        )
    if status == Status.WINDOW:
        return (
            unrenewed
            & Q(expires_on__gte=day)
            & _any(Q(window_days=w, expires_on__lte=day + days(w)) for w in windows)
        )
    if status == Status.GRACE:
        return (
            unrenewed
            & Q(expires_on__lt=day)
            & _any(Q(grace_days=g, expires_on__gte=day - days(g)) for g in graces)
        )
    if status == Status.EXPIRED:
        return (
            unrenewed
            & Q(expires_on__lt=day)
            & _any(Q(grace_days=g, expires_on__lt=day - days(g)) for g in graces)
        )
    raise ValueError(f"Unknown status {status!r}")


def statuses_condition(statuses: Iterable[Status], day: datetime.date, *, windows, graces) -> Q:
    return _any(status_condition(s, day, windows=windows, graces=graces) for s in statuses)


def zone_days(*, now: datetime.datetime) -> dict[str, datetime.date]:
    """Today in every time zone an organisation uses (one query)."""
    zones = set(Organisation.objects.order_by().values_list("time_zone", flat=True).distinct())
    return {zone: timezone.localdate(now, timezone=zoneinfo.ZoneInfo(zone)) for zone in zones}


@dataclass
class CredentialSelection:
    """The credentials a token asked for, and the day each one's status is computed on."""

    credentials: QuerySet[Credential]
    on: datetime.date | None
    today_in_zone: dict[str, datetime.date]

    def day_for(self, credential: Credential) -> datetime.date:
        if self.on is not None:
            return self.on
        zone = credential.holder_zone or settings.RELAY_TIME_ZONE
        if zone not in self.today_in_zone:
            self.today_in_zone[zone] = timezone.localdate(
                timezone.now(), timezone=zoneinfo.ZoneInfo(zone)
            )
        return self.today_in_zone[zone]


def credentials_for_token(
    token: ApiToken,
    *,
    employee_id: str | None = None,
    organisation: str | None = None,
    credential_type: str | None = None,
    statuses: list[Status] | None = None,
    on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> CredentialSelection:
    """The credentials of the staff the token may read, filtered; with `statuses`, only those
    whose status on `on` (default: the holder organisation's today) is one of them."""
    now = now or timezone.now()
    credentials = (
        Credential.objects.filter(holder__staff_profile__in=token_staff(token).values("pk"))
        .annotate(
            holder_employee_id=F("holder__staff_profile__employee_id"),
            holder_organisation=F("holder__staff_profile__organisation__slug"),
            holder_zone=F("holder__staff_profile__organisation__time_zone"),
            holder_first_name=F("holder__first_name"),
            holder_last_name=F("holder__last_name"),
            holder_email=F("holder__email"),
            type_slug=F("credential_type__slug"),
        )
        .defer("earned_against")
        .order_by("pk")
    )
    if employee_id:
        credentials = credentials.filter(holder__staff_profile__employee_id=employee_id)
    if organisation:
        credentials = credentials.filter(holder__staff_profile__organisation__slug=organisation)
    if credential_type:
        credentials = credentials.filter(credential_type__slug=credential_type)
    today_in_zone: dict[str, datetime.date] = {}
    if statuses:
        lengths = set(
            Credential.objects.order_by().values_list("window_days", "grace_days").distinct()
        )
        windows = {w for w, _g in lengths}
        graces = {g for _w, g in lengths}
        if on is not None:
            rule = statuses_condition(statuses, on, windows=windows, graces=graces)
        else:
            today_in_zone = zone_days(now=now)
            rule = _any(
                Q(holder__staff_profile__organisation__time_zone=zone)
                & statuses_condition(statuses, day, windows=windows, graces=graces)
                for zone, day in sorted(today_in_zone.items())
            )
        credentials = credentials.filter(rule)
    return CredentialSelection(credentials=credentials, on=on, today_in_zone=today_in_zone)


# --- Completions -------------------------------------------------------------------------------


def completions_for_token(
    token: ApiToken,
    *,
    employee_id: str | None = None,
    organisation: str | None = None,
    since: datetime.datetime | None = None,
    training_type: str | None = None,
    kind: str | None = None,
):
    """Module completions and program completions of the staff the token may read, as one
    union of value rows (with the person's `user_id`; `completion_people` names them for a
    page) ordered by completion time. The union reads the two record tables alone."""
    staff = token_staff(token)
    if employee_id:
        staff = staff.filter(employee_id=employee_id)
    if organisation:
        staff = staff.filter(organisation__slug=organisation)
    people = staff.values("user_id")
    parts = []
    if kind in (None, "module"):
        modules = ModuleProgress.objects.completed().filter(user_id__in=people)
        if since is not None:
            modules = modules.filter(completed_at__gte=since)
        if training_type:
            modules = modules.filter(completed_training_type=training_type)
        parts.append(
            modules.values(
                kind=Value("module", output_field=CharField()),
                record_id=F("pk"),
                person_id=F("user_id"),
                title=F("completed_title"),
                training_type=F("completed_training_type"),
                page_id=F("module_id"),
                done_at=F("completed_at"),
                minutes=F("completed_minutes"),
                ce_hours=F("completed_ce_hours"),
            )
        )
    if kind in (None, "program") and not training_type:
        programs = Assignment.objects.filter(user_id__in=people, completed_at__isnull=False)
        if since is not None:
            programs = programs.filter(completed_at__gte=since)
        parts.append(
            programs.values(
                kind=Value("program", output_field=CharField()),
                record_id=F("pk"),
                person_id=F("user_id"),
                title=F("program_title"),
                training_type=Value(None, output_field=CharField()),
                page_id=F("program_id"),
                done_at=F("completed_at"),
                minutes=Value(None, output_field=IntegerField()),
                ce_hours=Value(None, output_field=DecimalField(max_digits=5, decimal_places=2)),
            )
        )
    if not parts:  # programs have no training type
        return []
    # No ordering inside a compound statement (SQLite refuses it; Assignment has a default).
    parts = [part.order_by() for part in parts]
    rows = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return rows.order_by("done_at", "kind", "record_id")


def completion_people(user_ids) -> dict[int, tuple[str, str]]:
    """User id -> (employee id, organisation slug), for one page of completions (one query)."""
    return {
        user_id: (employee_id, slug)
        for user_id, employee_id, slug in StaffProfile.objects.filter(
            user_id__in=set(user_ids)
        ).values_list("user_id", "employee_id", "organisation__slug")
    }


# --- Readiness ---------------------------------------------------------------------------------


def today_for_token(token: ApiToken, *, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the token's organisation, else its owner's, else the city's time zone."""
    now = now or timezone.now()
    if token.organisation is not None:
        return token.organisation.today(now)
    profile = getattr(token.owner, "staff_profile", None)
    if profile is not None:
        return profile.organisation.today(now)
    return timezone.localdate(now, timezone=zoneinfo.ZoneInfo(settings.RELAY_TIME_ZONE))


@dataclass
class ReadinessSelection:
    board: ReadinessBoard
    slugs: dict[int, str]


NO_ORGANISATION = -1  # a filter no organisation matches (keeps the role's requirements listed)


def readiness_for_token(
    token: ApiToken, *, role: JobRole, on: datetime.date, organisation: str | None = None
) -> ReadinessSelection:
    """Everyone the token may read, ranked for `role` on `on` by the set-based readiness board
    (`certificates.selectors.readiness_board`), optionally in one organisation (slug)."""
    organisation_id = token.organisation_id
    if organisation:
        named = Organisation.objects.filter(slug=organisation).values_list("pk", flat=True).first()
        if named is None or (organisation_id is not None and named != organisation_id):
            named = NO_ORGANISATION
        organisation_id = named
    board = readiness_board(
        user=token.owner, role=role, on=on, filters=BoardFilters(organisation_id=organisation_id)
    )
    ids = {org.organisation_id for org in board.by_organisation}
    slugs = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "slug")) if ids else {}
    return ReadinessSelection(board=board, slugs=slugs)

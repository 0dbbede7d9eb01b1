"""HR's readiness dashboard for one target role, computed set-based in SQL.

For every current staff member the viewer may see (`StaffProfile.objects.visible_to(user)`),
other than those already in the target role, ONE grouped query says which of the role's
requirements they meet on a day:

- each required credential type: a credential of that type valid on the day (in force, issued
  by then, not replaced by a renewal, not expired), counted over a left join that carries the
  validity conditions in its `ON` clause;
- time in the current role: `coalesce(job_role_since, hire_date)` on or before the last start
  that gives the role's minimum by that day (`certificates.readiness.latest_start`);
- a field training released by the end of that day in the person's organisation's time zone;

and, for viewers who may see it, whether the person said they are interested in the role. The
number met (`met`), the "minimum readiness" filter and the ranking are SQL over those flags.
The percent and the band come from the pure rules (`certificates.readiness.percent`,
`band_for`), so the dashboard and the per-person page (`certificates.readiness.readiness`)
cannot disagree; a property test holds the two together.

Why joins rather than one `EXISTS` per requirement: PostgreSQL estimates an `EXISTS` in the
select list at several cost units per row, so at 10,000 people the query crosses the default
`jit_above_cost` and spends seconds compiling; the grouped join is estimated (and runs) in a
few thousand units, on SQLite too.

Queries: the role's requirements, the organisations' time zones (only for a role that needs a
field release) and the candidates: three at most, whatever the number of people.
"""

import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from certificates.expiry import valid_until
from certificates.models import (
    CredentialState,
    JobRole,
)
from certificates.permissions import can_view_career_interest
from certificates.readiness import (
    Band,
    PersonFacts,
    RoleRequirements,
    band_for,
    latest_start,
    percent,
    readiness,
)
from courses.models import FieldTrainingStatus
from lms.accounts.models import Organisation, StaffProfile

from .readiness import IN_FORCE_VERIFICATION, role_requirements

BANDS = (Band.READY, Band.ONE_AWAY, Band.FURTHER)
FIELDS = (
    "pk",
    "user__first_name",
    "user__last_name",
    "user__email",
    "employee_id",
    "organisation_id",
    "organisation__name",
    "job_role__name",
    "in_role_since",
    "met",
    "met_mask",
)
ORGANISATION, ORGANISATION_NAME, MET = (
    FIELDS.index(name) for name in ("organisation_id", "organisation__name", "met")
)


@dataclass(frozen=True)
class BoardFilters:
    """The dashboard's filters. `interested_only` counts only for viewers who may see
    interest (`can_view_career_interest`); for everyone else it is ignored."""

    organisation_id: int | None = None
    job_role_id: int | None = None
    minimum_percent: int = 0
    interested_only: bool = False


@dataclass(frozen=True)
class Candidate:
    profile_id: int
    first_name: str
    last_name: str
    email: str
    employee_id: str
    organisation_id: int
    organisation: str
    job_role: str  # the current role's name; empty when none is set
    in_role_since: datetime.date
    met: int
    total: int
    missing: tuple[str, ...]  # the requirements not met, in the order of the rules
    interested: bool | None  # None: the viewer may not see interest

    @property
    def name(self) -> str:
        """As `User.display_name`: the full name, or the email without one."""
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)

    @property
    def band(self) -> Band:
        return band_for(self.total - self.met)


@dataclass(frozen=True)
class OrganisationCounts:
    organisation_id: int
    name: str
    ready: int = 0
    one_away: int = 0
    further: int = 0

    @property
    def total(self) -> int:
        return self.ready + self.one_away + self.further

    def count(self, band: Band) -> int:
        return getattr(self, band.value)

    @property
    def by_band(self) -> list[tuple[Band, int]]:
        return [(band, self.count(band)) for band in BANDS]


class ReadinessBoard:
    """The candidates for one role on one day, ranked, and their counts by organisation and
    band. Rows are kept as fetched and become `Candidate`s only when read (`top(n)` for a
    page, `candidates()` for an export)."""

    def __init__(
        self,
        *,
        role: JobRole,
        requirements: RoleRequirements,
        labels: tuple[str, ...],
        on: datetime.date,
        filters: BoardFilters,
        shows_interest: bool,
        values: list[tuple],
    ):
        self.role = role
        self.requirements = requirements
        self.labels = labels  # every counted requirement, in the order of the rules
        self.on = on
        self.filters = filters
        self.shows_interest = shows_interest
        self._values = values

    @property
    def total(self) -> int:
        """How many requirements the role counts."""
        return len(self.labels)

    @property
    def count(self) -> int:
        return len(self._values)

    def candidates(self) -> Iterator[Candidate]:
        for values in self._values:
            yield self._candidate(values)

    def top(self, limit: int) -> list[Candidate]:
        return [self._candidate(values) for values in self._values[:limit]]

    @cached_property
    def by_organisation(self) -> list[OrganisationCounts]:
        """Candidates per organisation and band, organisations by name."""
        counts: dict[int, list[int]] = {}
        names: dict[int, str] = {}
        for values in self._values:
            organisation = values[ORGANISATION]
            missing = min(self.total - values[MET], 2)  # 0 ready, 1 one away, 2 further
            if organisation not in counts:
                counts[organisation] = [0, 0, 0]
                names[organisation] = values[ORGANISATION_NAME]
            counts[organisation][missing] += 1
        return sorted(
            (OrganisationCounts(org, names[org], *counted) for org, counted in counts.items()),
            key=lambda org: (org.name.casefold(), org.organisation_id),
        )

    @cached_property
    def totals(self) -> dict[Band, int]:
        return {band: sum(org.count(band) for org in self.by_organisation) for band in BANDS}

    @property
    def largest(self) -> int:
        return max((org.total for org in self.by_organisation), default=0)

    def _candidate(self, values: tuple) -> Candidate:
        (pk, first, last, email, employee_id, org_id, org, job_role, since, met, mask) = values[
            : len(FIELDS)
        ]
        return Candidate(
            profile_id=pk,
            first_name=first,
            last_name=last,
            email=email,
            employee_id=employee_id,
            organisation_id=org_id,
            organisation=org,
            job_role=job_role or "",
            in_role_since=since,
            met=met,
            total=self.total,
            missing=tuple(
                label for index, label in enumerate(self.labels) if not mask >> index & 1
            ),
            interested=bool(values[len(FIELDS)]) if self.shows_interest else None,
        )


def requirement_labels(requirements: RoleRequirements, on: datetime.date) -> tuple[str, ...]:
    """The label of each counted requirement, worded and ordered by the pure rules themselves
    (required credentials, then time in role, then field release)."""
    nothing = PersonFacts(in_role_since=on)
    return tuple(item.label for item in readiness(requirements, nothing, on=on).counted)


def valid_credentials(prefix: str, on: datetime.date) -> Q:
    """Credentials (reached through `prefix`) valid on `on`, as
    `certificates.readiness.valid_on`: in force (state active, verification not needed or
    done), issued by then, not yet replaced by a renewal and not expired."""
    return Q(
        **{
            f"{prefix}state": CredentialState.ACTIVE,
            f"{prefix}verification__in": IN_FORCE_VERIFICATION,
            f"{prefix}issued_on__lte": on,
        }
    ) & (
        (Q(**{f"{prefix}renewed_on__isnull": True}) | Q(**{f"{prefix}renewed_on__gt": on}))
        & (Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on}))
    )


def _released_by(on: datetime.date) -> Q:
    """A released training (joined as `released`) released before the end of `on` in the
    person's organisation's time zone: one condition per time zone in use."""
    rule = Q(pk__in=[])
    for zone in sorted(set(Organisation.objects.values_list("time_zone", flat=True))):
        rule |= Q(
            organisation__time_zone=zone,
            released__released_at__lt=valid_until(on, zoneinfo.ZoneInfo(zone)),
        )
    return rule


def _one_if_any(aggregate) -> Case:
    return Case(When(GreaterThan(aggregate, 0), then=Value(1)), default=Value(0))


def _sum(terms) -> ExpressionWrapper:
    total = Value(0, output_field=IntegerField())
    for term in terms:
        total = total + term
    return ExpressionWrapper(total, output_field=IntegerField())


def candidates(
    *, user, role: JobRole, requirements: RoleRequirements, on: datetime.date
) -> QuerySet[StaffProfile]:
    """The current people `user` may see, not already in `role`, one row each, annotated with
    `in_role_since`, `met` (how many counted requirements they meet on `on`) and `met_mask`
    (bit i set when requirement i of `requirement_labels` is met)."""
    people = (
        StaffProfile.objects.visible_to(user)
        .current()
        .exclude(job_role_id=role.pk)
        .annotate(
            in_role_since=Coalesce(F("job_role_since"), F("hire_date"), output_field=DateField())
        )
    )
    flags = []
    required = [type_id for type_id, _name in requirements.required]
    if required:
        people = people.annotate(
            held=FilteredRelation(
                "user__credentials",
                condition=Q(user__credentials__credential_type_id__in=required)
                & valid_credentials("user__credentials__", on),
            )
        )
        flags += [
            _one_if_any(Count("held", filter=Q(held__credential_type_id=type_id)))
            for type_id in required
        ]
    if requirements.minimum_months:
        cutoff = latest_start(on, requirements.minimum_months)
        flags.append(Case(When(in_role_since__lte=cutoff, then=Value(1)), default=Value(0)))
    if requirements.requires_field_release:
        people = people.annotate(
            released=FilteredRelation(
                "user__field_trainings",
                condition=Q(user__field_trainings__status=FieldTrainingStatus.RELEASED),
            )
        )
        flags.append(_one_if_any(Count("released", filter=_released_by(on))))
    return people.annotate(
        met=_sum(flags),
        met_mask=_sum(flag * Value(1 << index) for index, flag in enumerate(flags)),
    )


def readiness_board(
    *, user, role: JobRole, on: datetime.date, filters: BoardFilters | None = None
) -> ReadinessBoard:
    """Every candidate for `role` on `on` that `user` may see and `filters` keep, ranked ready,
    one requirement away, further (then by percent, then by name)."""
    filters = filters or BoardFilters()
    requirements = role_requirements([role])[role.pk]
    labels = requirement_labels(requirements, on)
    shows_interest = can_view_career_interest(user=user)
    people = candidates(user=user, role=role, requirements=requirements, on=on)
    if filters.organisation_id is not None:
        people = people.filter(organisation_id=filters.organisation_id)
    if filters.job_role_id is not None:
        people = people.filter(job_role_id=filters.job_role_id)
    if filters.minimum_percent and labels:
        # percent(met, total) >= p exactly when met >= ceil(p * total / 100).
        people = people.filter(met__gte=-(-filters.minimum_percent * len(labels) // 100))
    fields = list(FIELDS)
    if shows_interest:
        people = people.annotate(
            interest=FilteredRelation(
                "user__career_interests", condition=Q(user__career_interests__role=role)
            )
        ).annotate(interested=_one_if_any(Count("interest")))
        if filters.interested_only:
            people = people.filter(interested=1)
        fields.append("interested")
    # Every candidate has the same number of requirements, so more met is a better band and a
    # higher percent: one descending sort on `met` ranks both.
    people = people.order_by("-met", "user__last_name", "user__first_name", "pk")
    return ReadinessBoard(
        role=role,
        requirements=requirements,
        labels=labels,
        on=on,
        filters=filters,
        shows_interest=shows_interest,
        values=list(people.values_list(*fields)),
    )

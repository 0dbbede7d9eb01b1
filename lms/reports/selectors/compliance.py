"""Credential compliance rate per organisation and job role, on the last day of the range.

Of the people in the headcount that day, those whose job role requires credentials, and of
those, the ones holding every credential their role requires, valid that day. The rules are the
compliance board's and the readiness board's own, not a third copy:

- what a role requires: `certificates.selectors.compliance.required_types_by_role` (active
  credential types at the "required" level; one query);
- what "valid on a day" means: `certificates.selectors.readiness_board.valid_credentials`, the
  SQL form of `certificates.readiness.valid_on` (in force, issued by then, not replaced by a
  renewal, not expired), which a property test keeps in step with the per-person
  `qualification_gaps` the compliance board uses.

Three grouped queries besides the requirements: the headcount, those whose role requires
something, and those of them missing nothing (an anti-join: no required type without a valid
credential)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from certificates.models import Credential, RequirementLevel, RoleCredential
from certificates.selectors.compliance import required_types_by_role
from certificates.selectors.readiness_board import valid_credentials

from .common import NO_JOB_ROLE, ReportFilters, Scope, counted_staff


@dataclass(frozen=True)
class ComplianceLine:
    organisation_id: int
    organisation: str
    job_role_id: int | None
    job_role: str
    staff: int
    requiring: int  # staff whose job role requires at least one credential
    compliant: int  # of those, holding every required credential valid on the day

    @property
    def rate(self) -> float | None:
        """Percent compliant of those whose role requires credentials (None: nobody does)."""
        return round(100 * self.compliant / self.requiring, 1) if self.requiring else None


@dataclass(frozen=True)
class ComplianceReport:
    lines: list[ComplianceLine]  # by organisation, then job role
    by_organisation: list[ComplianceLine]  # one per organisation, every role together

    @property
    def total(self) -> ComplianceLine:
        return _sum(self.lines, 0, "All organisations")


def missing_required_credential(on) -> Exists:
    """A staff record (the outer query) whose job role requires a credential type of which
    its person holds no credential valid on `on`."""
    valid = Credential.objects.filter(
        valid_credentials("", on),
        holder_id=OuterRef(OuterRef("user_id")),
        credential_type_id=OuterRef("credential_type_id"),
    )
    return Exists(
        RoleCredential.objects.filter(
            role_id=OuterRef("job_role_id"),
            level=RequirementLevel.REQUIRED,
            credential_type__active=True,
        ).exclude(Exists(valid))
    )


def credential_compliance(
    *, scope: Scope, filters: ReportFilters, job_roles: dict[int, str]
) -> ComplianceReport:
    on = filters.date_to
    people = counted_staff(filters, scope.record_ids(filters.organisation_id), on=on)
    roles_requiring = list(required_types_by_role())
    requiring = people.filter(job_role_id__in=roles_requiring)

    def grouped(queryset) -> dict[tuple[int, int | None], int]:
        rows = queryset.values("organisation_id", "job_role_id").annotate(n=Count("pk")).order_by()
        return {(row["organisation_id"], row["job_role_id"]): row["n"] for row in rows}

    staff = grouped(people)
    needing = grouped(requiring)
    holding = grouped(requiring.exclude(missing_required_credential(on)))
    keys = sorted(
        staff,
        key=lambda key: (
            scope.name(key[0]).casefold(),
            key[0],
            job_roles.get(key[1], NO_JOB_ROLE).casefold() if key[1] else "~",
            key[1] or 0,
        ),
    )
    lines = [
        ComplianceLine(
            organisation_id=org,
            organisation=scope.name(org),
            job_role_id=role,
            job_role=job_roles.get(role, NO_JOB_ROLE) if role else NO_JOB_ROLE,
            staff=staff[(org, role)],
            requiring=needing.get((org, role), 0),
            compliant=holding.get((org, role), 0),
        )
        for org, role in keys
    ]
    by_organisation = []
    for line in lines:
        if not by_organisation or by_organisation[-1][0] != line.organisation_id:
            by_organisation.append((line.organisation_id, []))
        by_organisation[-1][1].append(line)
    return ComplianceReport(
        lines=lines,
        by_organisation=[
            _sum(group, org_id, scope.name(org_id)) for org_id, group in by_organisation
        ],
    )


def _sum(lines, organisation_id: int, organisation: str) -> ComplianceLine:
    return ComplianceLine(
        organisation_id=organisation_id,
        organisation=organisation,
        job_role_id=None,
        job_role="All job roles",
        staff=sum(line.staff for line in lines),
        requiring=sum(line.requiring for line in lines),
        compliant=sum(line.compliant for line in lines),
    )

"""Funding sources of the demo city, for the program reports' "per funding source" figures.

Most of Alder Bay's civilian workforce is paid from the general fund; a few programs are not:

- the violence-intervention partner (Bay Peace Collaborative) runs on a state CVI grant, and
  its hospital-based specialists on a federal victim-services (VOCA) grant;
- transit ambassadors are paid from a federal transit grant;
- Harbor Light Outreach is funded by a private foundation;
- in the Office of Community Safety, behavioral health clinicians are paid from a state mental
  health grant; Cedar Crisis Partners' peer specialists from a state opioid-settlement grant;
- the Police Records Unit's civilian crash investigators from a federal traffic-safety grant.

Applied with two kinds of bulk UPDATE (no per-person writes), only where nothing was chosen yet
(an organisation still on the default general fund, a position with no funding source of its
own), so running the seed again changes nothing and never undoes an administrator's choice.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from certificates.models import JobRole
from lms.accounts.models import FundingSource, Organisation, StaffProfile

ORGANISATION_FUNDING = {
    "bay-peace-collaborative": FundingSource.STATE_GRANT,
    "transit-safety": FundingSource.FEDERAL_GRANT,
    "harbor-light-outreach": FundingSource.PRIVATE,
}
# (organisation slug, catalog role id) -> the funding source of those positions
POSITION_FUNDING = {
    ("bay-peace-collaborative", "hvip_specialist"): FundingSource.FEDERAL_GRANT,
    ("office-of-community-safety", "bh_clinician"): FundingSource.STATE_GRANT,
    ("cedar-crisis-partners", "peer_specialist"): FundingSource.STATE_GRANT,
    ("police-records-unit", "civ_traffic_investigator"): FundingSource.FEDERAL_GRANT,
}


@dataclass(frozen=True)
class FundingSummary:
    organisations: int
    positions: int

    def lines(self) -> list[str]:
        return [
            f"Funding: {self.organisations} organisations and {self.positions} positions tagged "
            "with a funding source other than the general fund."
        ]


def tag_funding(
    *,
    organisations: Mapping[str, Organisation],
    job_roles: Mapping[str, JobRole],
    stdout: TextIO | None = None,
) -> FundingSummary:
    """Tag the demo organisations and positions above (those present in this city)."""
    for slug, source in ORGANISATION_FUNDING.items():
        if slug in organisations:
            Organisation.objects.filter(
                pk=organisations[slug].pk, funding_source=FundingSource.GENERAL_FUND
            ).update(funding_source=source)
    for (slug, role_id), source in POSITION_FUNDING.items():
        if slug in organisations and role_id in job_roles:
            StaffProfile.objects.filter(
                organisation_id=organisations[slug].pk,
                job_role_id=job_roles[role_id].pk,
                funding_source="",
            ).update(funding_source=source)
    ids = [org.pk for org in organisations.values()]
    summary = FundingSummary(
        organisations=Organisation.objects.filter(pk__in=ids)
        .exclude(funding_source=FundingSource.GENERAL_FUND)
        .count(),
        positions=StaffProfile.objects.filter(organisation_id__in=ids)
        .exclude(funding_source="")
        .count(),
    )
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary

"""Where funding sources are set: an organisation's in the admin, a position's on the staff
page (with the job role), and the demo's tags."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from lms.accounts.models import FundingSource, Organisation, StaffProfile
from lms.accounts.services import staff_change_job_role
from lms.audit.models import AuditAction, AuditEvent
from lms.demo.catalog import load_catalog
from lms.demo.funding import tag_funding
from lms.demo.seed import seed_job_roles, seed_organisations
from tests.factories import StaffProfileFactory


def test_an_administrator_edits_an_organisations_funding_source(city, client_for):
    client = client_for("admin")
    url = f"/cms/organisations/edit/{city.sharing_cbo.pk}/"
    form = client.get(url)
    assert form.status_code == 200
    assert b'name="funding_source"' in form.content
    data = {
        "name": city.sharing_cbo.name,
        "slug": city.sharing_cbo.slug,
        "kind": city.sharing_cbo.kind,
        "contract_reference": city.sharing_cbo.contract_reference,
        "data_sharing": city.sharing_cbo.data_sharing,
        "funding_source": FundingSource.STATE_GRANT,
        "time_zone": city.sharing_cbo.time_zone,
        "description": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    city.sharing_cbo.refresh_from_db()
    assert city.sharing_cbo.funding_source == FundingSource.STATE_GRANT


def test_the_position_funding_source_is_set_with_the_job_role(city, client_for):
    client = client_for("admin")
    page = client.get(f"/people/{city.learner.pk}/")
    assert b'name="funding_source"' in page.content
    assert b"General fund" in page.content
    assert b"(the organisation's)" in page.content
    response = client.post(
        f"/people/{city.learner.pk}/job-role/",
        {
            "job_role": city.learner.job_role_id,
            "effective_on": "2026-01-05",
            "funding_source": FundingSource.FEDERAL_GRANT,
        },
    )
    assert response.status_code == 302
    city.learner.refresh_from_db()
    assert city.learner.funding_source == FundingSource.FEDERAL_GRANT
    assert city.learner.position_funding_source == FundingSource.FEDERAL_GRANT
    event = AuditEvent.objects.filter(action=AuditAction.ROLES_CHANGED).latest("id")
    assert event.data["funding_before"] == ""
    assert event.data["funding_after"] == FundingSource.FEDERAL_GRANT
    # Back to the organisation's.
    client.post(
        f"/people/{city.learner.pk}/job-role/",
        {"job_role": city.learner.job_role_id, "effective_on": "2026-01-05", "funding_source": ""},
    )
    city.learner.refresh_from_db()
    assert city.learner.funding_source == ""


def test_an_unknown_funding_source_changes_nothing(city, client_for):
    client = client_for("admin")
    response = client.post(
        f"/people/{city.learner.pk}/job-role/",
        {"job_role": city.learner.job_role_id, "effective_on": "2026-01-05", "funding_source": "x"},
    )
    assert response.status_code == 302
    city.learner.refresh_from_db()
    assert city.learner.funding_source == ""
    with pytest.raises(ValidationError):
        staff_change_job_role(
            actor=city.user("admin"),
            profile=city.learner,
            job_role=city.learner.job_role,
            on=datetime.date(2026, 1, 5),
            funding_source="lottery",
        )
    assert StaffProfile.objects.get(pk=city.learner.pk).funding_source == ""


def test_leaving_the_funding_source_out_keeps_it(city):
    admin = city.user("admin")
    staff_change_job_role(
        actor=admin,
        profile=city.learner,
        job_role=city.learner.job_role,
        on=datetime.date(2026, 1, 5),
        funding_source=FundingSource.PRIVATE,
    )
    staff_change_job_role(
        actor=admin,
        profile=city.learner,
        job_role=city.learner.job_role,
        on=datetime.date(2026, 2, 5),
    )
    city.learner.refresh_from_db()
    assert city.learner.funding_source == FundingSource.PRIVATE


def test_the_demo_tags_organisations_and_positions_once(db):
    catalog = load_catalog()
    organisations, _ = seed_organisations(catalog)
    job_roles, _ = seed_job_roles(catalog)
    hvip = StaffProfileFactory(
        organisation=organisations["bay-peace-collaborative"], job_role=job_roles["hvip_specialist"]
    )
    outreach = StaffProfileFactory(
        organisation=organisations["bay-peace-collaborative"],
        job_role=job_roles["violence_interrupter"],
    )
    chosen = StaffProfileFactory(
        organisation=organisations["office-of-community-safety"],
        job_role=job_roles["bh_clinician"],
        funding_source=FundingSource.PRIVATE,  # an administrator's choice stands
    )
    first = tag_funding(organisations=organisations, job_roles=job_roles)
    second = tag_funding(organisations=organisations, job_roles=job_roles)
    assert first == second
    assert first.organisations == 3
    funding = dict(Organisation.objects.values_list("slug", "funding_source"))
    assert funding["bay-peace-collaborative"] == FundingSource.STATE_GRANT
    assert funding["transit-safety"] == FundingSource.FEDERAL_GRANT
    assert funding["harbor-light-outreach"] == FundingSource.PRIVATE
    assert funding["office-of-community-safety"] == FundingSource.GENERAL_FUND
    hvip.refresh_from_db()
    outreach.refresh_from_db()
    chosen.refresh_from_db()
    assert hvip.funding_source == FundingSource.FEDERAL_GRANT
    assert outreach.position_funding_source == FundingSource.STATE_GRANT
    assert chosen.funding_source == FundingSource.PRIVATE

"""My career, the role catalogue, role pages with the pathway map, and the interest flag:
the read models, the interest service, the pages through the client, privacy of interest flags,
the map's escaping and layout, and constant query counts."""

import datetime
import itertools
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certificates.expiry import add_months
from certificates.models import (
    CareerInterest,
    CredentialKind,
    CredentialRequirement,
    JobRole,
    PathwayKind,
    RequirementKind,
    RequirementLevel,
)
from certificates.pathway_map import WIDTH, map_layout, pathway_map_svg, wrap
from certificates.readiness import Band
from certificates.selectors import careers as selectors
from certificates.selectors.careers import MapEdge, months_between
from certificates.services.careers import career_interest_set
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.certificates import (
    CredentialTypeFactory,
    JobRoleFactory,
    pathway,
    record_external,
    require,
    verify,
)
from tests.factories.courses import assign, program_page

DAY = datetime.timedelta(days=1)
INTERESTED = "I\u2019m interested"  # the button


def held(*, holder, credential_type, issued_on, expires_on, hr):
    """A verified external credential."""
    credential = record_external(
        holder=holder, credential_type=credential_type, issued_on=issued_on, expires_on=expires_on
    )
    verify(credential=credential, actor=hr)
    return credential


@pytest.fixture
def career(city, today):
    """The learner, 8 months a community responder; a progressive move to senior responder
    (12 months in role, a crisis certificate earned through an academy, CPR), a lateral move to
    911 telecommunicator, and a crisis team lead two steps on."""
    current = city.learner.job_role
    current.department = "Office of Community Safety"
    current.pay_grade = "CS-05"
    current.save()
    city.learner.job_role_since = add_months(today, -8)
    city.learner.save()
    senior = JobRoleFactory(
        name="Senior community responder",
        onet_soc_code="21-1094.00",
        department="Office of Community Safety",
        pay_grade="CS-07",
        minimum_months_in_role=12,
        education_notes="Associate degree or two years' equivalent experience",
    )
    lateral = JobRoleFactory(name="911 telecommunicator", onet_soc_code="43-5031.00")
    lead = JobRoleFactory(name="Crisis team lead")
    pathway(current, senior, PathwayKind.PROGRESSIVE, notes="After a year on shift")
    pathway(current, lateral, PathwayKind.LATERAL, notes="Training in dispatch protocols")
    pathway(senior, lead, PathwayKind.PROGRESSIVE)
    academy = program_page("Crisis intervention academy")
    crisis = CredentialTypeFactory(
        name="Crisis intervention certificate", slug="crisis-cert", kind=CredentialKind.EARNED
    )
    CredentialRequirement.objects.create(
        credential_type=crisis, kind=RequirementKind.PROGRAM, program=academy
    )
    cpr = CredentialTypeFactory(name="CPR/BLS provider", slug="cpr-bls")
    require(senior, crisis, cpr)
    require(senior, CredentialTypeFactory(name="Spanish (DELE B2)", slug="dele"), level="preferred")
    return {
        "current": current,
        "senior": senior,
        "lateral": lateral,
        "lead": lead,
        "academy": academy,
        "crisis": crisis,
        "cpr": cpr,
    }


# --- Pure parts --------------------------------------------------------------------------------


def test_months_between_counts_whole_months_like_the_rules():
    d = datetime.date
    assert months_between(d(2025, 1, 31), d(2025, 2, 28)) == 1  # clamped month end
    assert months_between(d(2025, 1, 15), d(2025, 2, 14)) == 0
    assert months_between(d(2025, 1, 15), d(2026, 1, 15)) == 12
    assert months_between(d(2026, 1, 15), d(2025, 1, 15)) == 0


def test_wrap_cuts_at_words_and_ends_long_names_with_an_ellipsis():
    assert wrap("911 telecommunicator") == ["911 telecommunicator"]
    lines = wrap("Senior community responder and crisis intervention team lead", width=20)
    assert len(lines) == 2
    assert lines[0] == "Senior community"
    assert lines[1].endswith("…")
    assert all(len(line) <= 20 for line in lines)
    assert wrap("x" * 50, width=20) == ["x" * 20, "x" * 19 + "…"]


def _crosses(a, b) -> bool:
    """Whether two axis-parallel polylines cross (touching at a shared end is allowed)."""
    for (ax1, ay1), (ax2, ay2) in zip(a.points, a.points[1:], strict=False):
        for (bx1, by1), (bx2, by2) in zip(b.points, b.points[1:], strict=False):
            a_vertical, b_vertical = ax1 == ax2, bx1 == bx2
            if a_vertical == b_vertical:
                continue
            v = (
                (ax1, min(ay1, ay2), max(ay1, ay2))
                if a_vertical
                else (bx1, min(by1, by2), max(by1, by2))
            )
            h = (
                (by1, min(bx1, bx2), max(bx1, bx2))
                if a_vertical
                else (ay1, min(ax1, ax2), max(ax1, ax2))
            )
            if h[1] < v[0] < h[2] and v[1] < h[0] < v[2]:
                return True
    return False


@pytest.mark.parametrize(("count_in", "count_out"), [(0, 0), (1, 0), (0, 1), (2, 3), (20, 20)])
def test_map_layout_stacks_boxes_and_nests_lines_without_crossings(count_in, count_out):
    layout = map_layout(count_in, count_out)
    boxes = [*layout.boxes_in, layout.centre, *layout.boxes_out]
    for upper, lower in itertools.pairwise(boxes):
        assert upper.y + upper.height < lower.y  # one column, no overlaps
    assert boxes[-1].y + boxes[-1].height <= layout.height
    assert len(layout.lines_in) == count_in
    assert len(layout.lines_out) == count_out
    for lines in (layout.lines_in, layout.lines_out):
        for i, a in enumerate(lines):
            for b in lines[i + 1 :]:
                assert not _crosses(a, b)
        for line in lines:  # every line meets the middle box on its side
            assert layout.centre.y < (line.y2 if line in layout.lines_in else line.y1)
            assert (line.y2 if line in layout.lines_in else line.y1) < (
                layout.centre.y + layout.centre.height
            )
    for line in layout.lines_in:
        assert 0 < line.trunk < layout.centre.x
    for line in layout.lines_out:
        assert layout.centre.x + layout.centre.width < line.trunk < WIDTH


def test_map_svg_escapes_names_and_labels_kinds_in_words():
    role = JobRole(pk=1, name="<script>alert(1)</script>")
    svg = pathway_map_svg(
        role,
        [MapEdge(2, 'Dispatcher "night" & <b>', PathwayKind.LATERAL)],
        [MapEdge(3, "Lead</text><script>x()</script>", PathwayKind.PROGRESSIVE)],
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Dispatcher &quot;night&quot; &amp; &lt;b&gt;" in svg
    assert 'role="img"' in svg
    assert 'aria-labelledby="pathway-map-title pathway-map-desc"' in svg
    assert "<title" in svg
    assert "Lateral move to this role" in svg
    assert "Progressive move from here" in svg
    assert 'stroke-dasharray="6 4"' in svg  # the lateral line
    assert 'href="/careers/roles/2/"' in svg
    assert f'viewBox="0 0 {WIDTH} ' in svg


# --- My career -----------------------------------------------------------------------------------


def test_my_career_next_roles_readiness_gaps_and_programs(city, career, today):
    assign(actor=city.user("supervisor"), profile=city.learner, program=career["academy"])
    data = selectors.my_career(user=city.user("learner"), on=today)
    assert data.role == career["current"]
    assert data.months_in_role == 8
    assert [n.role.name for n in data.next_roles] == [
        "Senior community responder",  # progressive first
        "911 telecommunicator",
    ]
    senior = data.next_roles[0].fit
    assert senior.readiness.band == Band.FURTHER
    assert senior.readiness.total == 3  # two credentials and the time in role
    assert senior.readiness.percent == 0
    gaps = {gap.label: gap for gap in senior.gaps}
    crisis = gaps["Crisis intervention certificate"]
    assert crisis.actions[0].text == "Complete the program Crisis intervention academy"
    assert crisis.actions[0].url == f"/learn/programs/{career['academy'].pk}/"
    cpr = gaps["CPR/BLS provider"]
    assert cpr.actions[0].text == "Record it with evidence"
    assert cpr.actions[0].url == "/credentials/new/"
    reached = add_months(city.learner.in_role_since, 12)
    assert gaps["1 year in a current role"].actions[0].text == (
        f"Keep going: you reach it on {reached:%-d %b %Y}"
    )
    assert [f.role.name for f in data.further_roles] == ["Crisis team lead"]
    assert data.further_roles[0].via[0].from_role == career["senior"]
    lateral = data.next_roles[1].fit
    assert lateral.readiness.band == Band.READY
    assert lateral.readiness.ready_on == today


def test_an_unassigned_program_says_to_ask_the_supervisor(city, career, today):
    data = selectors.my_career(user=city.user("learner"), on=today)
    crisis = next(g for g in data.next_roles[0].fit.gaps if g.label.startswith("Crisis"))
    assert crisis.actions[0].url == ""
    assert "ask your supervisor" in crisis.actions[0].note


def test_ready_on_a_date_and_a_credential_that_expires_before_it(city, career, today):
    """Only time in role is missing: ready on the day it is reached, unless a credential
    expires before that day (then it counts as missing, and renewing it is the next action)."""
    learner, hr = city.user("learner"), city.user("hr")
    reached = add_months(city.learner.in_role_since, 12)
    crisis_pass = program_page("Crisis refresher")
    career["crisis"].kind = CredentialKind.EXTERNAL  # held as recorded for the test
    career["crisis"].save()
    held(
        holder=learner,
        credential_type=career["crisis"],
        issued_on=today - 10 * DAY,
        expires_on=today + 900 * DAY,
        hr=hr,
    )
    cpr = career["cpr"]
    cpr.refresher_program = crisis_pass
    cpr.save()
    held(
        holder=learner,
        credential_type=cpr,
        issued_on=today - 300 * DAY,
        expires_on=reached - 5 * DAY,  # lapses five days before the time in role is reached
        hr=hr,
    )
    fit = selectors.my_career(user=learner, on=today).next_roles[0].fit
    assert [item.label for item in fit.readiness.missing] == ["1 year in a current role"]
    assert fit.readiness.ready_on is None
    later = [gap for gap in fit.gaps if gap.later]
    assert [gap.label for gap in later] == ["CPR/BLS provider"]
    assert "before this date" in later[0].detail
    assert [a.text for a in later[0].actions] == [
        "Complete the refresher Crisis refresher",
        "Record the renewed certificate with evidence",
    ]

    page = sign_in_get(city, "learner", "/careers/")
    assert "Not ready." in page
    assert "Time in role alone will not close the gap" in page
    assert "lapses before you are ready" in page

    # Asked about a day after the expiry, CPR is missing then too.
    after = reached + DAY
    fit = selectors.my_career(user=learner, on=after).next_roles[0].fit
    assert [item.label for item in fit.readiness.missing] == ["CPR/BLS provider"]
    page = sign_in_get(city, "learner", f"/careers/?on={after.isoformat()}")
    assert f"Readiness on {after:%A %-d %B %Y}" in page

    # Renewed in time: ready on the day the year is reached.
    held(
        holder=learner,
        credential_type=cpr,
        issued_on=today - DAY,
        expires_on=today + 700 * DAY,
        hr=hr,
    )
    fit = selectors.my_career(user=learner, on=today).next_roles[0].fit
    assert fit.readiness.ready_on == reached
    assert not [gap for gap in fit.gaps if gap.later]
    page = sign_in_get(city, "learner", "/careers/")
    assert f"Ready on {reached:%-d %b %Y}" in page


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sign_in_get(city, role: str, url: str) -> str:
    response = signed_in(city.user(role)).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_pending_credential_and_field_release_gaps(city, career, today):
    career["senior"].requires_field_release = True
    career["senior"].save()
    pending = record_external(
        holder=city.user("learner"), credential_type=career["cpr"], issued_on=today - DAY
    )
    fit = selectors.my_career(user=city.user("learner"), on=today).next_roles[0].fit
    gaps = {gap.label: gap for gap in fit.gaps}
    assert gaps["CPR/BLS provider"].actions[0].text == "Awaiting verification by HR"
    assert gaps["CPR/BLS provider"].actions[0].url == f"/credentials/{pending.public_id}/"
    release = gaps["Released from field training"]
    assert release.detail == "not yet released"
    assert release.actions[0].url == "/field/mine/"


def test_my_career_page_shows_role_time_next_roles_and_links(city, career, client_for):
    body = client_for("learner").get("/careers/").content.decode()
    assert career["current"].name in body
    assert "CS-05" in body
    assert 'href="https://www.onetonline.org/link/summary/21-1094.00"' in body
    assert "8 months" in body
    assert "Next roles (2)" in body
    assert "Progressive move" in body
    assert "Lateral move" in body
    assert "After a year on shift" in body
    assert "0 of 3 requirements met (0%)" in body
    assert "✗ Missing" in body  # a word, not colour alone
    assert "Complete the program Crisis intervention academy" in body
    assert "Spanish (DELE B2) (not held)" in body  # preferred, not counted
    assert "Associate degree" in body
    assert "Two steps on (1)" in body
    assert "Crisis team lead" in body
    assert f'href="/careers/roles/{career["lead"].pk}/"' in body
    assert body.count(INTERESTED) == 2
    assert "Ready now." in body  # the lateral move


def test_my_career_for_people_without_a_role_or_a_profile(city, career):
    city.learner.job_role = None
    city.learner.save()
    body = signed_in(city.user("learner")).get("/careers/").content.decode()
    assert "No job role is recorded for you yet" in body
    assert 'href="/careers/roles/"' in body
    nobody = UserFactory()
    response = signed_in(nobody).get("/careers/")
    assert response.status_code == 200
    assert "no staff record" in response.content.decode()
    role_page = signed_in(nobody).get(f"/careers/roles/{career['senior'].pk}/")
    assert role_page.status_code == 200
    assert INTERESTED not in role_page.content.decode()


def test_career_pages_need_sign_in(career, client):
    for url in ("/careers/", "/careers/roles/", f"/careers/roles/{career['senior'].pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(f"/careers/interest/{career['senior'].pk}/", {"interested": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not CareerInterest.objects.exists()


# --- Catalogue and role pages ------------------------------------------------------------------


def test_roles_catalogue_counts_and_links(city, career, client_for):
    rows = {row.role.name: row for row in selectors.roles_catalogue()}
    senior = rows["Senior community responder"]
    assert (senior.pathways_in, senior.pathways_out, senior.required) == (1, 1, 2)
    assert rows[career["current"].name].pathways_out == 2
    body = client_for("supervisor").get("/careers/roles/").content.decode()
    assert 'href="https://www.onetonline.org/link/summary/43-5031.00"' in body
    assert "CS-07" in body
    assert f'href="/careers/roles/{career["senior"].pk}/"' in body


def test_role_page_shows_requirements_map_list_and_my_readiness(city, career, client_for):
    body = client_for("learner").get(f"/careers/roles/{career['senior'].pk}/").content.decode()
    assert "At least 12 months" in body
    assert "Crisis intervention certificate" in body
    assert "Credentials preferred" in body
    assert "Associate degree" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert "Your readiness" in body
    assert "0 of 3 requirements met (0%)" in body
    assert INTERESTED in body
    own = client_for("learner").get(f"/careers/roles/{career['current'].pk}/").content.decode()
    assert "This is your current role." in own
    assert INTERESTED not in own


def _edges(fragment: str) -> set[tuple[str, str, str]]:
    return set(
        re.findall(
            r'data-direction="(in|out)" data-role="(\d+)" data-kind="(\w+)"',
            fragment,
        )
    )


def test_the_list_after_the_map_has_the_same_pathways(city, career, client_for):
    extra = JobRoleFactory(name="Peer support specialist")
    pathway(extra, career["senior"], PathwayKind.LATERAL)
    body = client_for("hr").get(f"/careers/roles/{career['senior'].pk}/").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    lists = body[body.index("</svg>") :]
    assert _edges(svg) == _edges(lists)
    assert _edges(svg) == {
        ("in", str(career["current"].pk), "progressive"),
        ("in", str(extra.pk), "lateral"),
        ("out", str(career["lead"].pk), "progressive"),
    }


def test_a_role_named_like_a_script_is_escaped_everywhere(city, career, client_for):
    evil = JobRoleFactory(name="<script>alert(1)</script>", department="<b>Dept</b>")
    pathway(evil, career["senior"], PathwayKind.PROGRESSIVE, notes="<img src=x onerror=alert(2)>")
    pathway(career["current"], evil, PathwayKind.LATERAL, notes="<i>n</i>")
    client = client_for("learner")
    for url in (
        "/careers/",
        "/careers/roles/",
        f"/careers/roles/{evil.pk}/",
        f"/careers/roles/{career['senior'].pk}/",
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body, url
        assert "<img src=x" not in body, url
        assert "<b>Dept" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


def test_unknown_role_is_404(client_for):
    assert client_for("learner").get("/careers/roles/999999/").status_code == 404


# --- The interest flag -------------------------------------------------------------------------


def test_interest_service_is_idempotent_audited_and_refuses_own_role(city, career):
    learner = city.user("learner")
    before = AuditEvent.objects.count()
    assert career_interest_set(user=learner, role=career["senior"], interested=True)
    assert not career_interest_set(user=learner, role=career["senior"], interested=True)
    assert CareerInterest.objects.filter(user=learner).count() == 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == AuditAction.CAREER_INTEREST
    assert event.actor == learner
    assert event.target == f"job_role:{career['senior'].pk}"
    assert event.data == {"role": "Senior community responder", "interested": True}
    assert AuditEvent.objects.count() == before + 1
    assert career_interest_set(user=learner, role=career["senior"], interested=False)
    assert not career_interest_set(user=learner, role=career["senior"], interested=False)
    assert not CareerInterest.objects.filter(user=learner).exists()
    assert AuditEvent.objects.count() == before + 2
    with pytest.raises(ValidationError, match="your current role"):
        career_interest_set(user=learner, role=career["current"], interested=True)
    assert not CareerInterest.objects.filter(user=learner).exists()
    with pytest.raises(PermissionDenied):
        career_interest_set(user=UserFactory(), role=career["senior"], interested=True)


def test_interest_view_toggles_and_redirects_back(city, career, client_for):
    client = client_for("learner")
    url = f"/careers/interest/{career['senior'].pk}/"
    response = client.post(url, {"interested": "1", "next": "/careers/"})
    assert response.status_code == 302
    assert response["Location"] == "/careers/"
    body = client.get("/careers/").content.decode()
    assert "You said Senior community responder interests you" in body
    assert "Roles you said interest you (1)" in body
    assert "✓ You said this role interests you" in body
    response = client.post(url, {"interested": "1"})  # twice: still one
    assert response["Location"] == f"/careers/roles/{career['senior'].pk}/"
    assert CareerInterest.objects.filter(user=city.user("learner")).count() == 1
    response = client.post(url, {"interested": "0", "next": "https://evil.example/"})
    assert response["Location"] == f"/careers/roles/{career['senior'].pk}/"
    assert not CareerInterest.objects.exists()
    body = client.get("/careers/roles/").content.decode()
    assert "✓ interests you" not in body


def test_interest_view_refusals(city, career, client_for):
    client = client_for("learner")
    url = f"/careers/interest/{career['senior'].pk}/"
    assert client.get(url).status_code == 405
    bad = client.post(url, {"interested": "yes"})
    assert bad.status_code == 400
    assert "interested = 1 or 0" in bad.content.decode()
    assert client.post(url, {}).status_code == 400
    assert client.post("/careers/interest/999999/", {"interested": "1"}).status_code == 404
    own = client.post(f"/careers/interest/{career['current'].pk}/", {"interested": "1"})
    assert own.status_code == 302
    assert "This is your current role" in client.get(own["Location"]).content.decode()
    assert not CareerInterest.objects.exists()
    no_profile = Client()
    no_profile.force_login(UserFactory())
    assert no_profile.post(url, {"interested": "1"}).status_code == 403


def test_interest_view_needs_csrf(city, career):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.user("learner"))
    response = client.post(f"/careers/interest/{career['senior'].pk}/", {"interested": "1"})
    assert response.status_code == 403
    assert not CareerInterest.objects.exists()


def test_nobody_else_sees_someones_interest_on_these_pages(city, career, client_for):
    learner = city.user("learner")
    career_interest_set(user=learner, role=career["senior"], interested=True)
    career_interest_set(user=learner, role=career["lateral"], interested=True)
    colleague = StaffProfileFactory(organisation=city.department, job_role=career["current"])
    clients = {
        "supervisor": client_for("supervisor"),
        "hr": client_for("hr"),
        "cbo_learner": client_for("cbo_learner"),
        "colleague": signed_in(colleague.user),
    }
    urls = [
        "/careers/",
        "/careers/roles/",
        *(f"/careers/roles/{career[key].pk}/" for key in ("senior", "lateral", "current")),
    ]
    for who, client in clients.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            body = response.content.decode()
            assert learner.display_name not in body, (who, url)
            assert learner.email not in body, (who, url)
            assert "You said this role interests you" not in body, (who, url)
            assert "✓ interests you" not in body, (who, url)
            assert "Roles you said interest you (0)" in body or url != "/careers/", (who, url)
    # Supervisors and HR see the same personal page, for themselves.
    own = clients["supervisor"].get("/careers/").content.decode()
    assert city.supervisor.job_role.name in own


# --- Query budgets -------------------------------------------------------------------------------


def _grow(city, career, today, n: int) -> None:
    """`n` more next roles, each requiring a credential (half earned through a program, half
    external and held), with pathways on from each, and preferred types."""
    hr = city.user("hr")
    for i in range(n):
        role = JobRoleFactory(name=f"Role {n}-{i}", minimum_months_in_role=i % 3 * 6)
        pathway(career["current"], role, PathwayKind.LATERAL if i % 2 else PathwayKind.PROGRESSIVE)
        pathway(role, JobRoleFactory(name=f"Onward {n}-{i}"))
        pathway(JobRoleFactory(name=f"Feeder {n}-{i}"), career["senior"], PathwayKind.LATERAL)
        if i % 2:
            kind = CredentialTypeFactory(kind=CredentialKind.EARNED)
            program = program_page()
            CredentialRequirement.objects.create(
                credential_type=kind, kind=RequirementKind.PROGRAM, program=program
            )
            assign(actor=city.user("supervisor"), profile=city.learner, program=program)
        else:
            kind = CredentialTypeFactory(refresher_program=program_page())
            held(
                holder=city.user("learner"),
                credential_type=kind,
                issued_on=today - 400 * DAY,
                expires_on=today - DAY,
                hr=hr,
            )
        require(role, kind, career["cpr"])
        require(role, CredentialTypeFactory(), level=RequirementLevel.PREFERRED)
        CareerInterest.objects.create(
            user=city.user("learner"), role=role, created_at=datetime.datetime.now(tz=datetime.UTC)
        )


@pytest.mark.parametrize(
    "url",
    ["/careers/", "/careers/roles/", "senior"],
)
def test_pages_run_constant_queries(
    city, career, today, client_for, django_assert_max_num_queries, url
):
    client = client_for("learner")
    url = f"/careers/roles/{career['senior'].pk}/" if url == "senior" else url
    _grow(city, career, today, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(city, career, today, 20)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    if url == "/careers/":
        assert "Next roles (25)" in response.content.decode()


def test_my_career_selector_queries_are_bounded(city, career, today, django_assert_max_num_queries):
    _grow(city, career, today, 20)
    learner = city.user("learner")
    with django_assert_max_num_queries(12):
        data = selectors.my_career(user=learner, on=today)
    assert len(data.next_roles) == 22


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-05", "31/12/2026"])
def test_dates_outside_the_calendar_or_badly_written_fall_back_to_today(
    city, career, client_for, day
):
    client = client_for("learner")
    for url in ("/careers/", f"/careers/roles/{career['senior'].pk}/", "/credentials/"):
        response = client.get(url, {"on": day})
        assert response.status_code == 200, url
        assert "Give the date as YYYY-MM-DD" in response.content.decode(), url


def test_a_refused_interest_sends_the_next_click_back_to_the_role_page(city, career, client_for):
    client = client_for("learner")
    url = f"/careers/interest/{career['senior'].pk}/"
    assert client.post(url, {"interested": "maybe", "next": url}).status_code == 400
    again = client.post(url, {"interested": "1", "next": url})
    assert again["Location"] == f"/careers/roles/{career['senior'].pk}/"

"""The compliance board's page (`compliance_summary`): every count and the first rows of each
list as `compliance_board` (which the CSV still uses) gives them, in a constant number of
queries; it was the load test's slowest page at 10,000 staff."""

import datetime

import pytest

from certificates import selectors
from tests.factories import StaffProfileFactory
from tests.factories.certificates import CredentialTypeFactory, record_external, require, verify

DAY = datetime.timedelta(days=1)


def _held(*, holder, credential_type, issued_on, expires_on, hr, verified=True):
    credential = record_external(
        holder=holder, credential_type=credential_type, issued_on=issued_on, expires_on=expires_on
    )
    if verified is not None:
        verify(
            credential=credential,
            actor=hr,
            verified=verified,
            reason="" if verified else "The card is illegible.",
        )
    return credential


@pytest.fixture
def crowd(city, today):
    """People of the learner's job role (it requires CPR and naloxone) with CPR in every state
    the board sorts: expiring within 30/60/90 days, in the window, in grace, long expired,
    awaiting verification, rejected, an older lapsed instance beside a current one; and the
    sharing CBO's learner in grace."""
    hr = city.user("hr")
    cpr = CredentialTypeFactory(name="CPR/BLS provider", slug="cpr-bls", window_days=60)
    naloxone = CredentialTypeFactory(name="Naloxone administration", slug="naloxone")
    require(city.learner.job_role, cpr, naloxone)
    offsets = [10, 25, 45, 59, 75, 89, 120, 400, -3, -20, -200]
    for n, days in enumerate(offsets):
        profile = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
        _held(
            holder=profile.user,
            credential_type=cpr,
            issued_on=today - 300 * DAY,
            expires_on=today + days * DAY,
            hr=hr,
        )
        if n % 3 == 0:
            _held(
                holder=profile.user,
                credential_type=naloxone,
                issued_on=today - 30 * DAY,
                expires_on=today + 700 * DAY,
                hr=hr,
            )
    pending = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
    _held(
        holder=pending.user,
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 700 * DAY,
        hr=hr,
        verified=None,
    )
    rejected = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
    _held(
        holder=rejected.user,
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 700 * DAY,
        hr=hr,
        verified=False,
    )
    twice = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
    for issued, expires in ((-900, -100), (-50, 15)):
        _held(
            holder=twice.user,
            credential_type=cpr,
            issued_on=today + issued * DAY,
            expires_on=today + expires * DAY,
            hr=hr,
        )
    _held(
        holder=city.user("cbo_learner"),
        credential_type=cpr,
        issued_on=today - 300 * DAY,
        expires_on=today - 5 * DAY,
        hr=hr,
    )
    return cpr


def _shape(board, limit):
    """Each bucket's count and its first `limit` rows as what the page prints of them."""
    return [
        (
            bucket.key,
            bucket.count,
            [
                (
                    row.profile.pk,
                    row.profile.user.display_name,
                    None if row.card is None else row.card.credential.pk,
                    None if row.card is None else (row.card.label, row.card.days_text),
                    tuple(
                        (gap.name, gap.reason, gap.credential and gap.credential.public_id)
                        for gap in row.gaps
                    ),
                )
                for row in bucket.rows[:limit]
            ],
        )
        for bucket in board.buckets
    ]


@pytest.mark.parametrize("role", ["hr", "supervisor"])
@pytest.mark.parametrize("limit", [2, 100])
def test_summary_matches_the_full_board(city, crowd, role, limit):
    user = city.user(role)
    full = selectors.compliance_board(user=user)
    page = selectors.compliance_summary(user=user, limit=limit)
    assert page.people == full.people
    assert page.largest == full.largest
    assert _shape(page, limit) == _shape(full, limit)
    assert all(len(bucket.rows) <= limit for bucket in page.buckets)
    counts = {bucket.key: bucket.count for bucket in page.buckets}
    # The crowd really lands in every bucket (so the comparison above compares something).
    assert all(counts[key] > 0 for key in counts), counts
    if limit == 2:
        assert any(bucket.count > len(bucket.rows) for bucket in page.buckets)


def test_summary_follows_the_filters(city, crowd):
    hr = city.user("hr")
    for scope in (
        {"organisation_id": city.sharing_cbo.pk},
        {"job_role_id": city.learner.job_role_id},
        {"organisation_id": city.department.pk, "job_role_id": city.learner.job_role_id},
    ):
        full = selectors.compliance_board(user=hr, **scope)
        page = selectors.compliance_summary(user=hr, limit=100, **scope)
        assert _shape(page, 100) == _shape(full, 100), scope


def test_summary_on_a_later_day_moves_people_between_buckets(city, crowd, today):
    hr = city.user("hr")
    later = datetime.datetime.combine(today + 40 * DAY, datetime.time(12), tzinfo=datetime.UTC)
    full = selectors.compliance_board(user=hr, now=later)
    page = selectors.compliance_summary(user=hr, now=later, limit=100)
    assert _shape(page, 100) == _shape(full, 100)
    assert _shape(page, 100) != _shape(selectors.compliance_summary(user=hr, limit=100), 100)


def test_page_shows_counts_of_everyone_and_a_hundred_rows(
    city, crowd, today, client_for, django_assert_max_num_queries
):
    client = client_for("hr")
    with django_assert_max_num_queries(11):
        page = client.get("/credentials/compliance/").content.decode()
    full = selectors.compliance_board(user=city.user("hr"))
    for bucket in full.buckets:
        assert f"{bucket.label} ({bucket.count})" in page
    hr = city.user("hr")
    for n in range(30):  # more people: the same number of queries
        profile = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
        _held(
            holder=profile.user,
            credential_type=crowd,
            issued_on=today - 300 * DAY,
            expires_on=today + (n % 9) * DAY,
            hr=hr,
        )
    with django_assert_max_num_queries(11):
        page = client.get("/credentials/compliance/").content.decode()
    assert "Expiring within 30 days (" in page
    full = selectors.compliance_board(user=hr)
    assert f"Expiring within 30 days ({full.bucket('expiring_30').count})" in page

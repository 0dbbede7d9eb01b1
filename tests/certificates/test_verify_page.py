"""The public verification page `/verify/<public_id>/`: each status in words, unknown, malformed,
pending and rejected ids as a friendly 404, only the fields a certificate shows, escaping, the
rate limit, headers, and one query."""

import datetime
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from certificates.services import lifecycle
from certificates.views import verify as verify_view
from tests.factories.certificates import CredentialTypeFactory, record_external, verify

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _process_cache(settings):
    # Production keeps the counters in Redis; an in-process cache here, so the query budget
    # counts the page's own database queries.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "verify-page-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def held(city, *, slug, issued_on, expires_on, validity_months=24, **type_fields):
    """A verified external credential of a type of its own."""
    credential_type = CredentialTypeFactory(
        slug=slug, validity_months=validity_months, **type_fields
    )
    credential = record_external(
        holder=city.user("learner"),
        credential_type=credential_type,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    verify(credential=credential, actor=city.user("hr"))
    credential.refresh_from_db()
    return credential


def status_word(html: str) -> str:
    match = re.search(r'<h1 data-status="(\w+)">([^<]+)</h1>', html)
    assert match, html
    return match.group(2)


def page(public_id, client=None):
    return (client or Client()).get(f"/verify/{public_id}/")


def test_each_status_in_words(city, today):
    hr = city.user("hr")
    active = held(city, slug="active", issued_on=today - 10 * DAY, expires_on=today + 400 * DAY)
    window = held(city, slug="window", issued_on=today - 600 * DAY, expires_on=today + 30 * DAY)
    grace = held(city, slug="grace", issued_on=today - 700 * DAY, expires_on=today - 5 * DAY)
    expired = held(city, slug="expired", issued_on=today - 900 * DAY, expires_on=today - 100 * DAY)
    forever = held(
        city, slug="forever", issued_on=today - 50 * DAY, expires_on=None, validity_months=None
    )
    suspended = held(
        city, slug="suspended", issued_on=today - 10 * DAY, expires_on=today + 99 * DAY
    )
    lifecycle.credential_suspend(
        actor=hr, credential=suspended, reason="Under review", request_key=uuid.uuid4()
    )
    revoked = held(city, slug="revoked", issued_on=today - 10 * DAY, expires_on=today + 99 * DAY)
    lifecycle.credential_revoke(
        actor=hr, credential=revoked, reason="Fraudulent", request_key=uuid.uuid4()
    )
    expected = {
        active: ("Valid", f"until {(today + 400 * DAY):%-d %B %Y}"),
        window: ("Expiring", "is due for renewal"),
        grace: ("Expired", "is no longer valid"),
        expired: ("Expired", "is no longer valid"),
        forever: ("Valid", "it does not expire"),
        suspended: ("Suspended", "not valid while suspended"),
        revoked: ("Revoked", "has been revoked"),
    }
    for credential, (word, sentence) in expected.items():
        response = page(credential.public_id)
        assert response.status_code == 200
        html = response.content.decode()
        assert status_word(html) == word, credential.credential_type.slug
        assert sentence in html


def test_a_renewed_certificate_points_to_its_renewal(city, today):
    old = held(city, slug="cpr", issued_on=today - 700 * DAY, expires_on=today + 20 * DAY)
    renewal = record_external(
        holder=city.user("learner"),
        credential_type=old.credential_type,
        issued_on=today - 3 * DAY,
        expires_on=today + 727 * DAY,
    )
    html = page(old.public_id).content.decode()
    assert status_word(html) == "Expiring"  # the renewal awaits verification: not shown
    assert str(renewal.public_id) not in html
    verify(credential=renewal, actor=city.user("hr"))

    html = page(old.public_id).content.decode()
    assert status_word(html) == "Renewed"
    assert "continues through the newer certificate" in html
    assert f'href="/verify/{renewal.public_id}/"' in html
    assert 'status status--active">Valid<' in html  # the renewal's own status
    assert status_word(page(renewal.public_id).content.decode()) == "Valid"


def test_status_is_on_the_organisations_today(city):
    # The last day of validity in Denver is already the next day in UTC.
    credential = held(
        city,
        slug="cpr",
        issued_on=datetime.date(2026, 1, 10),
        expires_on=datetime.date(2026, 3, 10),
        window_days=30,
    )
    late_evening = datetime.datetime(2026, 3, 11, 4, 0, tzinfo=datetime.UTC)  # 21:00 in Denver
    verified = verify_view.verification_for(credential.public_id, now=late_evening)
    assert verified.on == datetime.date(2026, 3, 10)
    assert verified.answer.word == "Expiring"
    assert verified.answer.valid
    next_morning = late_evening + datetime.timedelta(hours=8)
    assert verify_view.verification_for(credential.public_id, now=next_morning).answer.word == (
        "Expired"
    )


@pytest.mark.parametrize(
    "public_id",
    [
        "0b9d6a4e-2f7c-4d1a-9e3b-5c8f1a2d7e64",  # well formed, never issued
        "not-a-credential",
        "12345",
        "x" * 500,
        "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    ],
)
def test_unknown_and_malformed_ids_are_a_friendly_404(city, public_id):
    response = page(public_id)
    assert response.status_code == 404
    html = response.content.decode()
    assert "No credential with this id" in html
    assert "<img src=x" not in html
    assert response["X-Robots-Tag"].startswith("noindex")


def test_an_id_with_a_slash_gets_the_sites_friendly_404(city):
    response = Client().get("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert "<script>alert" not in html


def test_pending_and_rejected_credentials_are_unknown(city, today):
    pending = record_external(
        holder=city.user("learner"), credential_type=CredentialTypeFactory(slug="pending")
    )
    rejected = record_external(
        holder=city.user("learner"), credential_type=CredentialTypeFactory(slug="rejected")
    )
    verify(credential=rejected, actor=city.user("hr"), verified=False, reason="Not their card")
    for credential in (pending, rejected):
        response = page(credential.public_id)
        assert response.status_code == 404
        html = response.content.decode()
        assert "No credential with this id" in html
        assert credential.title not in html


def test_only_what_a_certificate_shows(city, today):
    learner = city.learner
    credential = held(
        city,
        slug="cpr",
        name="CPR/BLS provider",
        issuer="American Heart Association",
        issued_on=today - 10 * DAY,
        expires_on=today + 400 * DAY,
    )
    html = page(credential.public_id).content.decode()
    assert learner.user.get_full_name() in html
    assert "CPR/BLS provider" in html
    assert "American Heart Association" in html
    assert f"{credential.issued_on:%-d %B %Y}" in html
    assert f"{credential.expires_on:%-d %B %Y}" in html
    assert learner.user.email not in html
    assert learner.employee_id not in html
    assert credential.certificate_number not in html
    assert city.department.name not in html


def test_hostile_text_is_escaped(city, today):
    learner = city.user("learner")
    learner.first_name = '<img src="/etc/passwd"/>'
    learner.last_name = "<script>alert(1)</script>"
    learner.save(update_fields=["first_name", "last_name"])
    credential = held(
        city,
        slug="hostile",
        name='Naloxone <b onmouseover="x()">',
        issued_on=today - DAY,
        expires_on=today + 400 * DAY,
    )
    html = page(credential.public_id).content.decode()
    assert "&lt;img src=&quot;/etc/passwd&quot;/&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<b onmouseover" not in html


def test_no_sign_in_no_session_no_caching(city, client_for, today):
    credential = held(city, slug="cpr", issued_on=today - DAY, expires_on=today + 400 * DAY)
    response = page(credential.public_id)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not response.cookies  # nothing of a session or CSRF token
    # A signed-in person sees the same page.
    signed_in = page(credential.public_id, client_for("hr"))
    assert status_word(signed_in.content.decode()) == "Valid"


def test_one_query(city, today, django_assert_max_num_queries):
    old = held(city, slug="cpr", issued_on=today - 700 * DAY, expires_on=today + 20 * DAY)
    renewal = record_external(
        holder=city.user("learner"),
        credential_type=old.credential_type,
        issued_on=today - 3 * DAY,
        expires_on=today + 727 * DAY,
    )
    verify(credential=renewal, actor=city.user("hr"))
    client = Client()
    for public_id in (old.public_id, renewal.public_id):
        with django_assert_max_num_queries(1):
            assert client.get(f"/verify/{public_id}/").status_code == 200
    # An unknown id: the page's one query, then Wagtail's redirect middleware looks up its
    # redirects for every 404 of the site (two more); a malformed id skips the page's query.
    with django_assert_max_num_queries(3):
        assert client.get(f"/verify/{uuid.uuid4()}/").status_code == 404
    with django_assert_max_num_queries(2):
        assert client.get("/verify/malformed/").status_code == 404


def test_rate_limited_per_client_address(city, today, monkeypatch):
    monkeypatch.setattr(verify_view, "RATE_LIMIT", 3)
    credential = held(city, slug="cpr", issued_on=today - DAY, expires_on=today + 400 * DAY)
    walker = Client(REMOTE_ADDR="203.0.113.9")
    # Unknown ids count too: walking ids is what the limit is for.
    assert page(uuid.uuid4(), walker).status_code == 404
    assert page(credential.public_id, walker).status_code == 200
    assert page(credential.public_id, walker).status_code == 200
    refused = page(credential.public_id, walker)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= verify_view.RATE_WINDOW_SECONDS
    assert "Too many verifications" in refused.content.decode()
    assert refused["Cache-Control"] == "no-store"
    # A forwarded-for header is not believed; another address is counted on its own.
    spoofed = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert page(credential.public_id, spoofed).status_code == 429
    assert page(credential.public_id, Client(REMOTE_ADDR="198.51.100.7")).status_code == 200

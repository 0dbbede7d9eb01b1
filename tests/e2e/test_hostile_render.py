"""Browser check of the XSS corpus (tests/hostile/xss_payloads.txt): records carrying every
payload are rendered in Chromium at phone size, with `window.__xss` installed before any page
script, `alert`/`confirm`/`prompt` dialogs caught, and the console watched. No payload may run,
and there may be no Content-Security-Policy violation (a CSP report means markup was injected).
The server-side counterpart, field by field and rendering by rendering, is
tests/hostile/test_xss_fields.py."""

import dataclasses
import datetime
import uuid

import pytest
from playwright.sync_api import Page, expect

from courses.models import ObservationReport
from courses.services import field as field_services
from tests.e2e.test_sign_in import HOME, expect_no_sideways_scroll, submit_password
from tests.factories.certificates import CredentialTypeFactory, record_external, verify
from tests.factories.field import ratings_for, shift, start
from tests.hostile.corpus import chunks, load_payloads

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TYPED = [p for p in load_payloads() if "\0" not in p]
WATCH = """
window.__xssHits = [];
window.__xss = (n) => { window.__xssHits.push(String(n)); };
"""


def _watch(page: Page) -> dict:
    seen = {"dialogs": [], "csp": [], "errors": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            seen["csp"].append(text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.add_init_script(WATCH)
    return seen


def _records(city):
    """A DOR and a shift whose every text field carries the corpus, and a rejected credential
    whose reason carries it too, all written through the services."""
    training = start(trainee=city.learner, supervisor=city.user("supervisor"), fto=city.user("fto"))
    notes = chunks(TYPED, 5000)
    ride = shift(training, unit=TYPED[0][:60])
    ride.notes = notes[0]
    ride.save(update_fields=["notes"])
    narratives = chunks(TYPED, 3000)
    ratings = [
        dataclasses.replace(rating, narrative=narratives[n % len(narratives)])
        for n, rating in enumerate(ratings_for(training))
    ]
    dor = field_services.report_submit(
        fto=training.primary_fto,
        training=training,
        ride_along=ride,
        ratings=ratings,
        most_satisfactory=notes[0],
        least_satisfactory=notes[1],
        comments=notes[2] if len(notes) > 2 else "",
        request_key=uuid.uuid4(),
    )
    today = city.department.today()
    credential = record_external(
        holder=city.user("learner"),
        credential_type=CredentialTypeFactory(),
        issued_on=today - datetime.timedelta(days=5),
        expires_on=today + datetime.timedelta(days=300),
    )
    verify(
        credential=credential, actor=city.user("hr"), verified=False, reason=chunks(TYPED, 2000)[0]
    )
    return training, dor, credential


def test_no_payload_runs_in_the_pages_that_show_typed_text(page: Page, e2e_city, shoot):
    training, dor, credential = _records(e2e_city)
    assert ObservationReport.objects.filter(pk=dor.pk).exists()
    seen = _watch(page)
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    for url in (
        f"/field/{training.pk}/",
        f"/field/reports/{dor.pk}/",
        f"/credentials/{credential.public_id}/",
    ):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        # Hover and focus every element a payload might have put a handler on.
        page.mouse.move(10, 300)
        page.keyboard.press("Tab")
        hits = page.evaluate("window.__xssHits")
        assert hits == [], (url, hits)
        injected = page.evaluate(
            """() => [...document.querySelectorAll('main script, main iframe, main svg image,'
                + ' main object, main embed, main base, main meta, main [onerror],'
                + ' main [onload]')]
                .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert injected == [], (url, injected)
        expect_no_sideways_scroll(page)
    page.goto(f"/field/reports/{dor.pk}/")
    expect(page.locator("main")).to_contain_text("<script>__xss(1)</script>")
    shoot(page, "hostile-dor", sizes=(("phone", {"width": 375, "height": 812}),))
    assert seen["dialogs"] == []
    assert seen["csp"] == [], seen["csp"][:3]
    assert seen["errors"] == [], seen["errors"][:3]

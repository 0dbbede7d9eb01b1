"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against `live_server`.

Run with `make e2e`. The tests use the transactional database behind `live_server`, with
serialized rollback so the role groups created by the data migration survive the flush between
tests.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("RELAY_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    # from a thread with a running loop (the factories, pytest-django's flush) unless told.
    # Set here rather than at import so the unit suite, which collects this file, keeps the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) at phone size, pointed at the live server."""
    cache.clear()  # allauth's rate limits and used-TOTP-code markers live in the cache
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def e2e_city(transactional_db, live_server, city):
    """The shared `city`, committed to the database the live server thread reads.

    `city` asks for `db`; with `transactional_db` (and `live_server`) in the same request,
    pytest-django runs the test as a TransactionTestCase, so the rows are really committed.
    """
    return city


@pytest.fixture
def shoot():
    """`shoot(page, "learner-home")` saves full-page screenshots at phone and desktop sizes."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page: Page, name: str, *, sizes=(("phone", PHONE), ("desktop", DESKTOP))) -> None:
        original = page.viewport_size
        for label, size in sizes:
            page.set_viewport_size(size)
            page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        page.set_viewport_size(original)

    return take

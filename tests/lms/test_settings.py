import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_runs_in_wal_mode_with_immediate_transactions(transactional_db, settings):
    from django.conf import settings as live

    options = live.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_login_failures_are_rate_limited(city):
    from django.test import Client

    client = Client()
    pages = [
        client.post(
            "/accounts/login/", {"login": "learner@relay.test", "password": "wrong"}
        ).content.decode()
        for _ in range(7)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    from tests.factories.accounts import PASSWORD

    blocked = client.post("/accounts/login/", {"login": "learner@relay.test", "password": PASSWORD})
    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.content.decode()

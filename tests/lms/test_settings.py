import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "DJANGO_SECRET_KEY": "x" * 20 + "k3y-for-the-deploy-check-only-0123456789abcdef",
            "DJANGO_ALLOWED_HOSTS": "relay.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "lms.settings.production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


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

"""Production settings pass Django's deploy check, run as a deployment runs it.

Each check is a fresh `manage.py` process with DJANGO_SETTINGS_MODULE=lms.settings.production and
only the environment a server gives (nothing inherited from the test settings).
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_ISSUES = "System check identified no issues (0 silenced)."


def _secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _environment(tmp_path, **overrides):
    """What a deployment sets; no DJANGO_*, DATABASE_URL or other Relay variable leaks in."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "DJANGO_SECRET_KEY": _secret_key(),
            "DJANGO_ALLOWED_HOSTS": "relay.example.org",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://relay.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'relay.sqlite3'}",
            "RELAY_SITE_URL": "https://relay.example.org",
            "EMAIL_URL": "smtp+tls://relay:mail-password@smtp.example.org:587",
            "DEFAULT_FROM_EMAIL": "Relay <relay@example.org>",
            "RELAY_PRIVATE_ROOT": str(tmp_path / "private"),
            "RELAY_MEDIA_ROOT": str(tmp_path / "media"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _run(args, env):
    return subprocess.run(  # noqa: S603 - fixed arguments: this interpreter and our manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _deploy_check(env):
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


@pytest.mark.parametrize(
    "deployment",
    [
        pytest.param({}, id="sqlite-file"),
        # Never connected to: the deploy check reads settings only. PostgreSQL and Redis switch
        # the cache, the session store's cache and the task backend to their production choices.
        pytest.param(
            {
                "DATABASE_URL": "postgres://relay:db-password@127.0.0.1:5432/relay",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
            },
            id="postgresql-redis",
        ),
    ],
)
def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path, deployment):
    result = _deploy_check(_environment(tmp_path, **deployment))

    assert result.returncode == 0, result.stdout + result.stderr
    assert NO_ISSUES in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "?: (security." not in result.stdout + result.stderr


def test_the_deploy_check_reports_a_weakened_production_setting(tmp_path):
    """The check above really fails on a warning: switching off the HTTPS redirect is one."""
    result = _deploy_check(_environment(tmp_path, DJANGO_SECURE_SSL_REDIRECT="false"))

    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_ignores_a_debug_flag_in_the_environment(tmp_path):
    result = _run(
        ["-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)"],
        _environment(tmp_path, DJANGO_DEBUG="true"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False"


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(_secret_key(49), id="49-characters"),
        pytest.param("ab" * 30, id="too-few-different-characters"),
        pytest.param("django-insecure-" + _secret_key(50), id="generated-development-key"),
    ],
)
def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path, secret_key):
    result = _run(
        ["-c", "import django; django.setup()"],
        _environment(tmp_path, DJANGO_SECRET_KEY=secret_key),
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr

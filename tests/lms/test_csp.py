"""The content security policy: no inline script anywhere Relay renders its own pages.

Two halves: the header a sample of pages is served with (and the markup of those pages), and a
scan of every template Relay ships for inline script, inline event handlers and inline styles,
which the policy would block in the browser.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
# The project's templates and every first-party app's templates folder (not .venv's).
TEMPLATE_DIRS = sorted(
    path
    for path in ROOT.glob("**/templates")
    if path.is_dir() and ".venv" not in path.parts and "node_modules" not in path.parts
)

TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b[^<>]*>")
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
# Data blocks the browser never runs (`json_script`), so the policy does not apply to them.
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']?application/(?:ld\+)?json""", re.IGNORECASE)


def inline_code(markup):
    """(line, what, excerpt) for every piece of markup a CSP without 'unsafe-inline' blocks."""
    found = []
    for match in TAG.finditer(markup):
        tag, name = match.group(0), match.group(1).lower()
        line = markup.count("\n", 0, match.start()) + 1
        excerpt = " ".join(tag.split())[:100]
        if name == "script" and not re.search(r"\ssrc\s*=", tag) and not DATA_SCRIPT.search(tag):
            found.append((line, "inline <script>", excerpt))
        if name == "style":
            found.append((line, "inline <style>", excerpt))
        if HANDLER.search(tag):
            found.append((line, "inline event handler", excerpt))
        if STYLE_ATTRIBUTE.search(tag):
            found.append((line, "style attribute", excerpt))
        if SCRIPT_URL.search(tag):
            found.append((line, "javascript: URL", excerpt))
    return found


def directives(header):
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict_policy(response):
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy header"
    policy = directives(header)
    script_src = policy.get("script-src") or policy.get("default-src")
    assert script_src, header
    assert "'unsafe-inline'" not in script_src, header
    assert "'unsafe-eval'" not in script_src, header
    assert set(script_src) <= {"'self'"} | {s for s in script_src if s.startswith("'nonce-")}
    style_src = policy.get("style-src") or policy.get("default-src") or []
    assert "'unsafe-inline'" not in style_src, header
    assert policy.get("object-src") == ["'none'"], header
    assert policy.get("frame-ancestors") == ["'none'"], header
    assert policy.get("base-uri") in (["'self'"], ["'none'"]), header
    assert policy.get("form-action") == ["'self'"], header
    assert policy.get("default-src") == ["'self'"], header


# --- the header ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param(None, "/accounts/login/", id="anonymous-sign-in"),
        pytest.param(None, "/verify/not-a-credential/", id="public-verify"),
        pytest.param(None, "/no-such-page/", id="anonymous-404"),
        pytest.param("learner", "/", id="learner-home"),
        pytest.param("fto", "/", id="fto-home"),
        pytest.param("hr", "/people/", id="hr-people"),
    ],
)
def test_relay_pages_are_served_with_a_policy_without_inline_script(city, client_for, role, path):
    client = client_for(role) if role else Client()

    response = client.get(path)

    assert response.status_code in (200, 404), path
    assert_strict_policy(response)
    assert inline_code(response.content.decode()) == []


def test_the_django_admin_runs_under_the_same_policy(city, client_for):
    """Django 5.2's admin loads its scripts from files; Relay's admin pages render none inline."""
    from lms.accounts.models import Organisation, StaffProfile, User

    client = client_for("admin")
    paths = ["/django-admin/"]
    for model, pk in [
        (User, city.learner.user.pk),
        (Organisation, city.department.pk),
        (StaffProfile, city.learner.pk),
    ]:
        base = f"/django-admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths += [base, f"{base}{pk}/change/", f"{base}add/"]

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert inline_code(response.content.decode()) == [], path


def test_the_wagtail_admin_is_the_only_path_left_without_the_policy():
    """Wagtail 8's admin writes inline scripts of its own: the filter and scheduling widgets'
    date pickers (`initDateChooser(...)` / `initDateTimeChooser(...)` in a bare <script>, seen on
    /cms/pages/, /cms/users/ and the page editor), for authors and administrators signed in with
    MFA. Nothing else may be excluded."""
    assert settings.CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"] == ["/cms/"]


def test_the_scan_finds_each_kind_of_inline_code():
    """The scanner itself, on markup with one of each (and the things it must let through)."""
    markup = "\n".join(
        [
            "<script>alert(1)</script>",
            '<script src="/static/js/x.js"></script>',
            '<script id="d" type="application/json">{"a": 1}</script>',
            '<button type="button"\n  onclick="go()">Go</button>',
            '<p style="color: red">red</p>',
            "<style>p { color: red }</style>",
            '<a href="javascript:go()">go</a>',
            '{% include "x.html" with onet=url %}',
            '<p class="{% if a %}on{% endif %}" data-style="x">fine</p>',
        ]
    )

    found = [(line, what) for line, what, _ in inline_code(markup)]

    assert found == [
        (1, "inline <script>"),
        (4, "inline event handler"),
        (6, "style attribute"),
        (7, "inline <style>"),
        (8, "javascript: URL"),
    ]


# --- the templates ------------------------------------------------------------------------------


def test_there_are_templates_to_scan():
    names = {path.relative_to(ROOT).as_posix() for path in TEMPLATE_DIRS}

    assert "templates" in names
    assert len(list((ROOT / "templates").rglob("*.html"))) > 50


def test_no_template_has_inline_script_handlers_or_styles():
    problems = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in {".html", ".svg", ".txt"} or not path.is_file():
                continue
            for line, what, excerpt in inline_code(path.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}: {excerpt}")

    assert problems == [], "\n".join(problems)

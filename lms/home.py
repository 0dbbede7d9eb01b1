"""The home page's per-person panels, rendered once and kept until what they show changes.

Building the learner's training panels and record card (an ORM read model over Wagtail pages,
then the templates) costs far more than the SQL behind them. So the rendered HTML is cached per
person with a *fingerprint*: one query that returns, as rows, every value those panels show or
depend on:

- the staff profile, organisation (name, kind, time zone), job role, supervisor and field
  training officers (the record card);
- the open assignments with their program page (title, path, live), the program's child pages
  with the module columns the cards use (title, path, live, type, minutes, required), and the
  prerequisites of those modules;
- every module progress row of the person (status, last activity) with its module's title;
- the open acknowledgement requests with their protocol version (title, version, summary);
- the unread notifications as count, sum, min and max of their ids (notifications are never
  edited; they are created, with new ids, or all marked read, so these change with every
  change to the set);

plus, computed here, the date that decides due and overdue (today in the organisation's time
zone), the person's roles, the active time zone and language, and the templates' source. The
cached HTML is used only when the fingerprint stored with it equals the current one, value for
value (compared, not hashed). Any write that changes what the panels show (a service, a page
publish, unpublish or move in the admin, an edit in the Django admin) changes one of these
values, so no write path has to remember to invalidate anything.

The CSRF token in the notifications form is per session, so the cached HTML holds a marker that
is replaced with the request's own token each time.

For a person whose home has no panels about other people (most people: learners), everything
else on the page is theirs too, so the *whole page* is kept the same way (`home_page`): keyed
by the same fingerprint plus what the page frame shows (their name and email, the permissions
the menu follows, the page templates), rendered afresh whenever a message is waiting.
"""

import datetime
import hashlib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from courses.selectors import learner_home
from lms.accounts.backends import granted_permissions
from lms.accounts.roles import roles_of
from lms.accounts.selectors import HomeData, home_for
from lms.assets import asset
from lms.navigation import MENU_TEMPLATE

TRAINING_TEMPLATE = "courses/includes/learner_panels.html"
RECORD_TEMPLATE = "accounts/includes/record_card.html"
# The page around the panels, for `home_page`, and the static files it links (their URLs carry
# a hash of their content, so a deploy that changes one changes the page).
PAGE_TEMPLATES = ("home.html", "base.html", "includes/messages.html", MENU_TEMPLATE)
PAGE_ASSETS = ("css/relay.css", "img/relay-mark.svg")
# Raise when the meaning of the cached HTML changes in a way the fingerprint cannot see.
VERSION = 1
CACHE_SECONDS = 24 * 60 * 60
# Unguessable, so no text a person wrote can contain it; the same in every process that shares
# the cache (derived from the secret key).
CSRF_MARKER = salted_hmac("relay.home.csrf-marker", "marker").hexdigest()

# Every column is cast to text: the parts of a UNION must agree on types (PostgreSQL). No ORDER
# BY (it costs more than the rest): the same data comes back in the same order, and rows in
# another order could only make a miss, never a stale hit.
FINGERPRINT_SQL = """
SELECT 'profile', CAST(sp.id AS TEXT), sp.employee_id, CAST(sp.hire_date AS TEXT), sp.status,
       o.name, o.kind, o.time_zone
  FROM accounts_staffprofile sp
  JOIN accounts_organisation o ON o.id = sp.organisation_id
 WHERE sp.user_id = %(user)s
UNION ALL
SELECT 'job_role', CAST(j.id AS TEXT), j.name, NULL, NULL, NULL, NULL, NULL
  FROM accounts_staffprofile sp
  JOIN certificates_jobrole j ON j.id = sp.job_role_id
 WHERE sp.user_id = %(user)s
UNION ALL
SELECT 'supervisor', CAST(u.id AS TEXT), u.first_name, u.last_name, u.email, NULL, NULL, NULL
  FROM accounts_staffprofile sp
  JOIN accounts_user u ON u.id = sp.supervisor_id
 WHERE sp.user_id = %(user)s
UNION ALL
SELECT 'fto', CAST(u.id AS TEXT), u.first_name, u.last_name, u.email, NULL, NULL, NULL
  FROM accounts_staffprofile sp
  JOIN accounts_staffprofile_field_training_officers f ON f.staffprofile_id = sp.id
  JOIN accounts_user u ON u.id = f.user_id
 WHERE sp.user_id = %(user)s
UNION ALL
SELECT 'assignment', CAST(a.id AS TEXT), CAST(a.program_id AS TEXT), CAST(a.due_on AS TEXT),
       CAST(a.completed_at AS TEXT), p.title, p.path, CAST(p.live AS TEXT)
  FROM courses_assignment a
  JOIN wagtailcore_page p ON p.id = a.program_id
 WHERE a.user_id = %(user)s AND a.ended_at IS NULL
UNION ALL
SELECT 'module', CAST(m.id AS TEXT), m.path, m.title, CAST(m.live AS TEXT), mp.training_type,
       CAST(mp.estimated_minutes AS TEXT), CAST(mp.required AS TEXT)
  FROM courses_assignment a
  JOIN wagtailcore_page p ON p.id = a.program_id
  JOIN wagtailcore_page m ON m.depth = p.depth + 1 AND m.path LIKE p.path || '%%'
  LEFT JOIN courses_modulepage mp ON mp.page_ptr_id = m.id
 WHERE a.user_id = %(user)s AND a.ended_at IS NULL
UNION ALL
SELECT 'prerequisite', CAST(pr.from_modulepage_id AS TEXT), CAST(pr.to_modulepage_id AS TEXT),
       NULL, NULL, NULL, NULL, NULL
  FROM courses_assignment a
  JOIN wagtailcore_page p ON p.id = a.program_id
  JOIN wagtailcore_page m ON m.depth = p.depth + 1 AND m.path LIKE p.path || '%%'
  JOIN courses_modulepage_prerequisites pr ON pr.from_modulepage_id = m.id
 WHERE a.user_id = %(user)s AND a.ended_at IS NULL
UNION ALL
SELECT 'progress', CAST(g.id AS TEXT), CAST(g.module_id AS TEXT), g.status,
       CAST(g.last_activity_at AS TEXT), m.title, NULL, NULL
  FROM courses_moduleprogress g
  JOIN wagtailcore_page m ON m.id = g.module_id
 WHERE g.user_id = %(user)s
UNION ALL
SELECT 'request', CAST(r.id AS TEXT), CAST(r.due_on AS TEXT), CAST(v.id AS TEXT),
       CAST(v.protocol_id AS TEXT), v.title, CAST(v.version AS TEXT), v.change_summary
  FROM courses_acknowledgementrequest r
  JOIN courses_protocolversion v ON v.id = r.protocol_version_id
 WHERE r.user_id = %(user)s AND r.completed_at IS NULL
UNION ALL
SELECT 'notifications', CAST(COUNT(*) AS TEXT), CAST(SUM(n.id) AS TEXT),
       CAST(MIN(n.id) AS TEXT), CAST(MAX(n.id) AS TEXT), NULL, NULL, NULL
  FROM accounts_notification n
 WHERE n.user_id = %(user)s AND n.read_at IS NULL
"""


@dataclass(frozen=True)
class Fingerprint:
    values: tuple
    on: datetime.date


@lru_cache(maxsize=8)
def _sources_digest(*templates) -> str:
    return hashlib.sha256("\0".join(t.source for t in templates).encode()).hexdigest()


def _templates_digest() -> str:
    """The source of the cached templates, so a deploy that changes them changes every key.

    Computed once per loaded template (the cached loader hands out the same objects until
    templates are reloaded).
    """
    return _sources_digest(
        *(get_template(name).template for name in (TRAINING_TEMPLATE, RECORD_TEMPLATE))
    )


def home_fingerprint(*, user, now: datetime.datetime | None = None) -> Fingerprint:
    """One query: everything the cached panels show, and the person's today.

    The values themselves are the key (compared, not hashed): no two states can collide.
    """
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL, {"user": user.pk})
        rows = tuple(cursor.fetchall())
    zone = next((row[7] for row in rows if row[0] == "profile"), None)
    now = now or timezone.now()
    # As Organisation.today() and today_for(): the site's date for people without a profile.
    on = (
        timezone.localdate(now, timezone=zoneinfo.ZoneInfo(zone))
        if zone
        else timezone.localdate(now)
    )
    values = (
        VERSION,
        _templates_digest(),
        on,
        tuple(role.value for role in roles_of(user)),
        timezone.get_current_timezone_name(),
        translation.get_language(),
        rows,
    )
    return Fingerprint(values=values, on=on)


def _cache_key(user) -> str:
    return f"relay:home-panels:{user.pk}"


def _page_key(user) -> str:
    return f"relay:home-page:{user.pk}"


def _render(*, user, on: datetime.date, home: HomeData | None) -> dict[str, str]:
    context = {
        "training": learner_home(user=user, on=on),
        "home": home or home_for(user=user),
        "csrf_token": CSRF_MARKER,
    }
    return {
        "training": get_template(TRAINING_TEMPLATE).render(context),
        "record": get_template(RECORD_TEMPLATE).render(context),
    }


def _panels(request, fingerprint: Fingerprint, home: HomeData | None) -> dict[str, str]:
    """The panels' HTML with the CSRF marker in it: cached, or rendered and then cached."""
    user = request.user
    cached = cache.get(_cache_key(user))
    if cached is not None and cached[0] == fingerprint.values:
        return cached[1]
    panels = _render(user=user, on=fingerprint.on, home=home)
    if home_fingerprint(user=user).values == fingerprint.values:
        cache.set(_cache_key(user), (fingerprint.values, panels), CACHE_SECONDS)
    return panels


def _with_token(html: str, csrf_token: str) -> SafeString:
    # The templates escaped everything a person wrote; only the marker is replaced.
    return mark_safe(html.replace(CSRF_MARKER, csrf_token))  # noqa: S308 - the marker becomes Django's CSRF token  # nosec B308


def home_panels(request, *, csrf_token: str, home: HomeData | None = None) -> dict[str, SafeString]:
    """The training panels and record card of the signed-in person, as HTML, with the
    request's `csrf_token` in their forms. `home` is the person's `home_for`, if the caller
    already has it.

    Rendered on a miss, then stored only if the fingerprint taken after rendering still matches
    the one taken before (a write in between could otherwise store newer HTML under an older
    key).
    """
    fingerprint = home_fingerprint(user=request.user)
    panels = _panels(request, fingerprint, home)
    return {name: _with_token(html, csrf_token) for name, html in panels.items()}


def home_page(
    request, *, csrf_token: str, render_page: Callable[[dict[str, SafeString], str], str]
) -> SafeString:
    """The whole home page of a person without panels about other people, with the request's
    `csrf_token`: kept with the panels' fingerprint and what the page frame shows, so a
    repeated visit renders no template. `render_page(panels, csrf_token)` renders it.

    Never kept while a message waits to be shown (messages are shown once), nor for a
    superuser (whose menu is everything, not a list of permissions).
    """
    user = request.user
    fingerprint = home_fingerprint(user=user)
    granted = granted_permissions(user)
    if len(messages.get_messages(request)) or not isinstance(granted, set):
        panels = _panels(request, fingerprint, None)
        tokened = {name: _with_token(html, csrf_token) for name, html in panels.items()}
        return mark_safe(render_page(tokened, csrf_token))  # noqa: S308 - rendered by templates  # nosec B308
    frame = (
        fingerprint.values,
        _sources_digest(*(get_template(name).template for name in PAGE_TEMPLATES)),
        tuple(asset(path) for path in PAGE_ASSETS),
        user.first_name,
        user.last_name,
        user.email,
        tuple(sorted(granted)),
    )
    cached = cache.get(_page_key(user))
    if cached is not None and cached[0] == frame:
        return _with_token(cached[1], csrf_token)
    panels = {name: mark_safe(html) for name, html in _panels(request, fingerprint, None).items()}  # noqa: S308 - rendered by templates  # nosec B308
    html = render_page(panels, CSRF_MARKER)
    if home_fingerprint(user=user).values == fingerprint.values:
        cache.set(_page_key(user), (frame, html), CACHE_SECONDS)
    return _with_token(html, csrf_token)

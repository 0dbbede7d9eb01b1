"""xAPI statements in the Wagtail admin: administrators read them; nobody adds, edits or deletes
them (Wagtail sends a refusal back to the dashboard); other admin users are sent back too; people
without the admin are sent to sign in."""

import datetime

from django.urls import reverse

from tests.test_authorization_matrix import DENIED, LOGIN, OK, REDIRECT, Row, roles

READ = Row(roles(DENIED, anonymous=LOGIN, author=REDIRECT, hr=REDIRECT, admin=OK))
REFUSED = Row(roles(DENIED, anonymous=LOGIN, author=REDIRECT, hr=REDIRECT, admin=REDIRECT))

ROWS: dict[str, Row] = {
    "xapi-statements:index": READ,
    "xapi-statements:index_results": READ,
    "xapi-statements:inspect": READ,
    "xapi-statements:add": REFUSED,
    "xapi-statements:edit": REFUSED,
    "xapi-statements:delete": REFUSED,
    "xapi-statements:history": REFUSED,
    "xapi-statements:history_results": REFUSED,
    "xapi-statements:usage": REFUSED,
}


def paths(city) -> dict[str, str]:
    """A statement about the department's learner."""
    from lms.xapi import statements as xs
    from lms.xapi.services import statement_record

    statement = statement_record(
        source="matrix:1",
        actor=city.user("learner"),
        verb=xs.COMPLETED,
        object=xs.activity(
            iri="http://testserver/xapi/activities/module/1",
            name="Matrix module",
            type_iri=xs.ActivityType.MODULE,
        ),
        timestamp=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    return {
        f"xapi-statements:{name}": reverse(f"xapi-statements:{name}", args=[statement.pk])
        for name in ("inspect", "edit", "delete", "history", "history_results", "usage")
    }

"""The demo's xAPI statements: its training history is seeded in bulk, past the services that
record statements, so the seed ends with the backfill (the same statements, created once)."""

import datetime
from typing import TextIO

from lms.xapi.backfill import statements_backfill


def seed_xapi(*, stdout: TextIO | None = None, now: datetime.datetime | None = None) -> int:
    """Create the statements of the seeded history that has none yet; returns how many."""
    report = statements_backfill(now=now)
    if stdout is not None:
        for line in report.lines():
            stdout.write(line + "\n")
    return report.total

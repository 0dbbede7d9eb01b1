"""Whether a person is qualified for their job role, for their supervisor and HR.

The credentials a role requires live downstream (`certificates`), which registers its check here
when it loads, so this app never imports it. Without a registered check nobody has gaps."""

import datetime
from collections.abc import Callable

# A check takes a staff profile and a day and returns the gaps: objects with `name`, `reason`
# and, where one is held, `credential` (with `public_id`).
Check = Callable[..., list]
_check: Check | None = None


def register(check: Check) -> None:
    global _check
    _check = check


def qualification_gaps(profile, on: datetime.date) -> list:
    return [] if _check is None else _check(profile, on)

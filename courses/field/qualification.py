"""Whether an FTO is qualified to take trainees and sign, and with what.

Qualifying credentials live downstream (the `certificates` app), which registers its check here
when it loads, so the curriculum never imports it. Without a registered check, holding the FTO
role is the qualification."""

from collections.abc import Callable

ROLE_QUALIFICATION = "Field training officer role"

# A check takes the FTO and returns the name of what qualifies them, or None if nothing does.
Check = Callable[..., str | None]
_check: Check | None = None


def register(check: Check) -> None:
    global _check
    _check = check


def fto_qualification(user) -> str | None:
    """The qualifying credential (or the role) an FTO signs under today; None when lapsed."""
    if _check is None:
        return ROLE_QUALIFICATION
    return _check(user)

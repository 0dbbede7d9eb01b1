"""The curriculum's assignment rules for the people an import hired, reinstated or moved.

They run through the `staff_hired` and `staff_moved` domain signals that the UI's services send
(the curriculum's receivers apply the rules person by person). An import with few such people
sends them inside its own transaction, as the UI does. A larger one (the first load of an
organisation: thousands of hires) would keep the page waiting for minutes, so it queues them
after the commit, `TASK_SIZE` people per task; the rules are idempotent, so a task run again
changes nothing.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from ..models import StaffProfile, StaffStatus
from ..signals import staff_hired, staff_moved

INLINE_LIMIT = 100  # people whose rules run inside the import's transaction
TASK_SIZE = 200  # people per queued task beyond that
HIRED, MOVED = "hired", "moved"


@dataclass(frozen=True)
class RuleChange:
    profile: StaffProfile
    kind: str  # HIRED (a hire or a reinstatement) or MOVED
    on: datetime.date  # the date it takes effect

    def as_json(self) -> list:
        return [self.profile.pk, self.kind, self.on.isoformat()]


def rules_announce(changes: Sequence[RuleChange]) -> None:
    """Send each person's domain signal (people separated since are skipped)."""
    for change in changes:
        if change.profile.status == StaffStatus.SEPARATED:
            continue
        signal = staff_hired if change.kind == HIRED else staff_moved
        signal.send(sender=StaffProfile, profile=change.profile, on=change.on)


def rules_apply_queued(changes: Sequence[Sequence]) -> int:
    """The queued task's work: `changes` as `RuleChange.as_json` wrote them. Returns how many
    people were announced."""
    profiles = StaffProfile.objects.select_related("user", "organisation").in_bulk(
        [pk for pk, _kind, _on in changes]
    )
    found = [
        RuleChange(profile=profiles[pk], kind=kind, on=datetime.date.fromisoformat(on))
        for pk, kind, on in changes
        if pk in profiles
    ]
    with transaction.atomic():
        rules_announce(found)
    return len(found)

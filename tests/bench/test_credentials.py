"""`credential_sweep` at a small size: the generator builds a fixed set once, every reminder
kind occurs, and each timed sweep starts from the same state. Behaviour only; nothing is
timed."""

import pytest

from bench.context import BenchContext
from bench.credentials import (
    NOW,
    SweepRun,
    bench_credentials,
    credential_sweep_scenario,
    ensure_credentials,
)
from bench.scenarios import ON_REQUEST
from certificates.models import Reminder, ReminderKind
from lms.accounts.models import Notification

pytestmark = pytest.mark.django_db

COUNT = 300


def test_the_generator_is_fixed_and_built_once(city):
    assert ensure_credentials(count=COUNT) == COUNT
    first = list(bench_credentials().order_by("public_id").values_list("public_id", "expires_on"))

    assert ensure_credentials(count=COUNT) == 0
    assert bench_credentials().count() == COUNT
    assert len(set(bench_credentials().values_list("holder", flat=True))) > 5

    ensure_credentials(count=COUNT - 1)  # a different size is rebuilt from scratch
    ensure_credentials(count=COUNT)
    again = list(bench_credentials().order_by("public_id").values_list("public_id", "expires_on"))
    assert again == first


def test_the_sweep_scenario_finds_every_kind_and_repeats_from_the_same_state(city, mailoutbox):
    run = credential_sweep_scenario(BenchContext(size=12), count=COUNT)

    assert "credential_sweep" in ON_REQUEST
    assert isinstance(run, SweepRun)
    assert run.max_repeat == 1
    assert Reminder.objects.count() == 0  # reset for the timed call
    assert mailoutbox  # the email sample was sent in set-up
    assert run().status_code == 200
    found = {kind: run.extra[kind] for kind in ReminderKind.values}
    assert all(found.values()), found
    assert Reminder.objects.filter(notified_at__isnull=True).count() == 0
    notifications = Notification.objects.filter(created_at=NOW).count()
    reminders = Reminder.objects.count()

    assert run().status_code == 200  # resets first, so the same work is done again

    assert Reminder.objects.count() == reminders == run.extra["reminders"]
    assert Notification.objects.filter(created_at=NOW).count() == notifications
    assert len(run.extra["sweep_seconds"]) == 2
    assert run.extra["sweep_queries"] < 25

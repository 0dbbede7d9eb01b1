"""The daily reminder sweep: what is found on which day, nothing sent twice (also after a
crash), preferences, supervisors, refresher assignments and a fixed query budget."""

import datetime
import uuid

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from certificates.models import Credential, Reminder, ReminderKind, ReminderPreference
from certificates.services import lifecycle, reminders
from certificates.services.reminder_email import reminder_emails_send
from certificates.services.reminders import credential_sweep
from certificates.tasks import credential_sweep_daily, next_run_after, schedule_daily_sweep
from courses.models import Assignment
from lms.accounts.models import Notification
from tests.factories import program_page
from tests.factories.certificates import CredentialTypeFactory, record_external, verify

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)
ISSUED = datetime.date(2025, 1, 10)
K = ReminderKind


def at(day: datetime.date, hour: int = 15) -> datetime.datetime:
    """A moment on `day` in UTC (15:00 UTC is the same day in Denver)."""
    return datetime.datetime.combine(day, datetime.time(hour), datetime.UTC)


def held(city, *, expires_in: int, holder: str = "learner", verified: bool = True, **type_fields):
    """A verified external credential of a type of its own, expiring `expires_in` days after
    DAY."""
    credential_type = CredentialTypeFactory(**type_fields)
    credential = record_external(
        holder=city.user(holder),
        credential_type=credential_type,
        issued_on=ISSUED,
        expires_on=DAY + datetime.timedelta(days=expires_in),
    )
    if verified:
        verify(credential=credential, actor=city.user("hr"))
    credential.refresh_from_db()
    return credential


def kinds(credential: Credential) -> list[str]:
    return sorted(credential.reminders.values_list("kind", flat=True))


def notifications(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("message", flat=True)
    )


@pytest.mark.parametrize(
    ("expires_in", "window_days", "expected"),
    [
        (120, 90, []),
        (91, 90, []),
        (90, 90, [K.DAYS_90, K.WINDOW_OPEN]),
        (95, 120, [K.WINDOW_OPEN]),
        (88, 60, [K.DAYS_90]),
        (60, 90, [K.DAYS_60, K.WINDOW_OPEN]),
        (45, 90, [K.DAYS_60, K.WINDOW_OPEN]),
        (30, 90, [K.DAYS_30, K.WINDOW_OPEN]),
        (7, 90, [K.DAYS_7, K.WINDOW_OPEN]),
        (0, 90, [K.DAYS_7, K.WINDOW_OPEN]),
        (-1, 90, [K.LAPSED, K.WINDOW_OPEN]),  # in its 30-day grace period
        (-45, 90, [K.LAPSED]),
        (-61, 90, []),  # lapsed long before the sweep first saw it
    ],
)
def test_each_kind_is_found_on_its_day(city, expires_in, window_days, expected):
    credential = held(city, expires_in=expires_in, window_days=window_days, grace_days=30)

    result = credential_sweep(now=at(DAY))

    assert kinds(credential) == sorted(expected)
    assert result.total == len(expected)
    assert all(r.created_on == DAY for r in credential.reminders.all())
    assert all(r.expires_on == credential.expires_on for r in credential.reminders.all())


def test_holder_and_supervisor_are_notified_in_app(city):
    held(city, expires_in=30, window_days=20, name="Naloxone administration")

    result = credential_sweep(now=at(DAY))

    assert result.reminders[K.DAYS_30] == 1
    assert notifications(city.user("learner")) == [
        "Your Naloxone administration expires in 30 days or less, on 01 Jul 2026."
    ]
    learner = city.user("learner").display_name
    assert notifications(city.user("supervisor")) == [
        f"{learner}: Naloxone administration expires in 30 days or less, on 01 Jul 2026."
    ]
    assert Reminder.objects.get().notified_at == at(DAY)


def test_running_twice_in_a_day_or_the_next_day_sends_nothing_twice(city):
    for days in (90, 60, 30, 7, -1):
        held(city, expires_in=days)
    first = credential_sweep(now=at(DAY, 13))
    sent = Notification.objects.count()

    again = credential_sweep(now=at(DAY, 20))
    next_day = credential_sweep(now=at(DAY + datetime.timedelta(days=1)))

    assert first.total == 10
    assert sent == 20
    assert again.total == next_day.total == 0
    assert Notification.objects.count() == sent
    assert Reminder.objects.count() == 10


def test_a_crash_after_finding_is_completed_by_the_next_run_without_duplicates(city, monkeypatch):
    held(city, expires_in=30)
    held(city, expires_in=-2)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(reminders, "_notify_batch", crash)
    with pytest.raises(RuntimeError):
        credential_sweep(now=at(DAY))
    assert Reminder.objects.filter(notified_at__isnull=True).count() == 4
    assert Notification.objects.count() == 0

    monkeypatch.undo()
    result = credential_sweep(now=at(DAY))
    credential_sweep(now=at(DAY))

    assert result.total == 4
    assert Reminder.objects.filter(notified_at__isnull=True).count() == 0
    assert Notification.objects.count() == 8


def test_a_crash_inside_a_batch_rolls_the_whole_batch_back(city, monkeypatch):
    held(city, expires_in=30, refresher_program=program_page("CPR refresher"))

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reminders, "_assign_refreshers", crash)
    with pytest.raises(RuntimeError):
        credential_sweep(now=at(DAY))
    assert Notification.objects.count() == 0  # the batch's notifications were rolled back
    assert Reminder.objects.filter(notified_at__isnull=True).count() == 2

    monkeypatch.undo()
    credential_sweep(now=at(DAY))

    assert Notification.objects.filter(user=city.user("learner")).count() == 2
    assert Assignment.objects.filter(user=city.user("learner")).count() == 1


def test_a_sweep_in_several_batches_notifies_each_reminder_once(city):
    for days in (90, 60, 30, 7, -1):
        held(city, expires_in=days)

    result = credential_sweep(now=at(DAY), batch_size=3)

    assert result.batches == 4
    assert Notification.objects.filter(user=city.user("learner")).count() == 10


def test_a_missed_week_sends_the_current_band_once_not_every_band(city):
    credential = held(city, expires_in=95, window_days=90)
    assert credential_sweep(now=at(DAY)).total == 0

    # Days go by without a sweep: 95 days left becomes 28.
    credential_sweep(now=at(DAY + datetime.timedelta(days=67)))
    credential_sweep(now=at(DAY + datetime.timedelta(days=68)))

    assert kinds(credential) == [K.DAYS_30, K.WINDOW_OPEN]
    # Then the 7-day band, once.
    credential_sweep(now=at(DAY + datetime.timedelta(days=90)))
    credential_sweep(now=at(DAY + datetime.timedelta(days=93)))
    assert kinds(credential) == [K.DAYS_30, K.DAYS_7, K.WINDOW_OPEN]


def test_lapsed_is_sent_once_per_expiry(city):
    credential = held(city, expires_in=-1)
    for offset in range(4):
        credential_sweep(now=at(DAY + datetime.timedelta(days=offset)))

    assert credential.reminders.filter(kind=K.LAPSED).count() == 1
    lapsed = [m for m in notifications(city.user("learner")) if "expired on" in m]
    assert len(lapsed) == 1


def test_an_extension_starts_a_new_cycle(city):
    credential = held(city, expires_in=7)
    credential_sweep(now=at(DAY))
    lifecycle.credential_extend(
        actor=city.user("hr"),
        credential=credential,
        expires_on=DAY + datetime.timedelta(days=50),
        reason="Course cancelled by the provider.",
        request_key=uuid.uuid4(),
    )

    credential_sweep(now=at(DAY + datetime.timedelta(days=1)))

    assert sorted(credential.reminders.values_list("kind", "expires_on")) == sorted(
        [
            (K.DAYS_7, DAY + datetime.timedelta(days=7)),
            (K.WINDOW_OPEN, DAY + datetime.timedelta(days=7)),
            (K.DAYS_60, DAY + datetime.timedelta(days=50)),
            (K.WINDOW_OPEN, DAY + datetime.timedelta(days=50)),
        ]
    )


def test_suspended_revoked_renewed_pending_and_rejected_credentials_get_nothing(city):
    hr = city.user("hr")
    suspended = held(city, expires_in=30)
    lifecycle.credential_suspend(
        actor=hr, credential=suspended, reason="Under review.", request_key=uuid.uuid4()
    )
    revoked = held(city, expires_in=30)
    lifecycle.credential_revoke(
        actor=hr, credential=revoked, reason="Issued in error.", request_key=uuid.uuid4()
    )
    renewed = held(city, expires_in=30)
    renewal = record_external(
        holder=city.user("learner"),
        credential_type=renewed.credential_type,
        issued_on=ISSUED + datetime.timedelta(days=300),
        expires_on=DAY + datetime.timedelta(days=700),
    )
    verify(credential=renewal, actor=hr)
    held(city, expires_in=30, verified=False)  # pending
    rejected = held(city, expires_in=30, verified=False)
    verify(credential=rejected, actor=hr, verified=False, reason="Illegible certificate.")

    result = credential_sweep(now=at(DAY))

    assert result.total == 0
    assert Reminder.objects.count() == 0
    assert Notification.objects.count() == 0


def test_email_goes_to_holder_and_supervisor_once(
    city, mailoutbox, django_capture_on_commit_callbacks
):
    held(city, expires_in=30, window_days=20, name="Mental Health First Aid")

    with django_capture_on_commit_callbacks(execute=True):
        result = credential_sweep(now=at(DAY))
    reminder_emails_send(created_since=DAY)

    assert result.emails_queued
    assert sorted(m.to[0] for m in mailoutbox) == ["learner@relay.test", "supervisor@relay.test"]
    to_holder = next(m for m in mailoutbox if m.to == ["learner@relay.test"])
    assert to_holder.subject == "[Relay] Mental Health First Aid: expires on 1 Jul 2026"
    assert "expires on 1 July 2026, in 30 days" in to_holder.body
    assert Reminder.objects.get().emailed_at is not None


def test_email_off_gets_in_app_only(city, mailoutbox, django_capture_on_commit_callbacks):
    ReminderPreference.objects.create(user=city.user("learner"), by_email=False)
    held(city, expires_in=30, window_days=20)

    with django_capture_on_commit_callbacks(execute=True):
        credential_sweep(now=at(DAY))

    assert [m.to for m in mailoutbox] == [["supervisor@relay.test"]]
    assert len(notifications(city.user("learner"))) == 1


def test_nobody_wanting_email_sends_none(city, mailoutbox, django_capture_on_commit_callbacks):
    for role in ("learner", "supervisor"):
        ReminderPreference.objects.create(user=city.user(role), by_email=False)
    held(city, expires_in=30, window_days=20)

    with django_capture_on_commit_callbacks(execute=True):
        result = credential_sweep(now=at(DAY))

    assert not result.emails_queued
    assert mailoutbox == []
    assert len(notifications(city.user("supervisor"))) == 1


def test_a_failed_send_is_retried_and_not_marked(city, mailoutbox, monkeypatch):
    held(city, expires_in=30, window_days=20)
    credential_sweep(now=at(DAY))

    def refuse(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert reminder_emails_send(created_since=DAY) == 0
    assert Reminder.objects.get().emailed_at is None

    monkeypatch.undo()
    assert reminder_emails_send(created_since=DAY) == 1
    assert reminder_emails_send(created_since=DAY) == 0
    assert len(mailoutbox) == 2


def test_the_refresher_program_is_assigned_once_when_the_window_opens(city):
    refresher = program_page("CPR refresher")
    credential = held(city, expires_in=80, window_days=90, refresher_program=refresher)

    for offset in range(3):
        credential_sweep(now=at(DAY + datetime.timedelta(days=offset)))

    assignment = Assignment.objects.get(user=city.user("learner"))
    assert assignment.program_id == refresher.pk
    assert assignment.due_on == credential.expires_on
    assert assignment.assigned_on == DAY
    assert assignment.assigned_by is None
    assert notifications(city.user("learner"))[0].endswith(
        "Renewal training assigned: CPR refresher."
    )


def test_an_open_assignment_is_kept_and_last_cycles_completed_one_is_ended(city):
    refresher = program_page("CPR refresher")
    other = program_page("EMT refresher")
    learner = city.user("learner")
    held(city, expires_in=80, refresher_program=refresher)
    held(city, expires_in=80, refresher_program=other)
    open_one = Assignment.objects.create(
        user=learner,
        program=refresher,
        program_title=refresher.title,
        source="supervisor",
        assigned_on=DAY - datetime.timedelta(days=30),
        due_on=DAY,
        created_at=at(DAY - datetime.timedelta(days=30)),
    )
    # Completed in the last cycle, never ended (setting completion directly: set-up only).
    done = Assignment.objects.create(
        user=learner,
        program=other,
        program_title=other.title,
        source="rule",
        assigned_on=ISSUED,
        due_on=ISSUED + datetime.timedelta(days=30),
        created_at=at(ISSUED),
        completed_at=at(ISSUED + datetime.timedelta(days=5)),
    )

    result = credential_sweep(now=at(DAY))

    assert result.assignments == 1
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert open_one.ended_at is None
    assert done.ended_at == at(DAY)
    assert done.end_reason == reminders.RENEWAL_END_REASON
    assert Assignment.objects.open().filter(user=learner, program=other).get().completed_at is None


def test_today_is_the_organisations_date(city):
    city.sharing_cbo.time_zone = "Pacific/Auckland"
    city.sharing_cbo.save(update_fields=["time_zone"])
    # 15:00 UTC on 1 June is 2 June in Auckland: 90 days left there, 91 in Denver.
    expires = DAY + datetime.timedelta(days=91)
    auckland = held(city, expires_in=91, holder="cbo_learner", window_days=30)
    denver = held(city, expires_in=91, window_days=30)

    credential_sweep(now=at(DAY))

    assert auckland.expires_on == denver.expires_on == expires
    assert kinds(auckland) == [K.DAYS_90]
    assert kinds(denver) == []


@pytest.mark.parametrize("count", [5, 50])
def test_the_sweep_has_a_fixed_query_budget(city, count, django_assert_max_num_queries):
    refresher = program_page("CPR refresher")
    offsets = [90, 60, 30, 7, -1]
    for n in range(count):
        held(
            city,
            expires_in=offsets[n % len(offsets)],
            holder=("learner", "cbo_learner", "fto")[n % 3],
            refresher_program=refresher if n % 2 else None,
        )

    # Time zones, 1 insert per zone, counts, one batch of 6 and an empty one (each with its
    # savepoint in the test transaction), the email check; the advisory lock on PostgreSQL.
    with django_assert_max_num_queries(18):
        result = credential_sweep(now=at(DAY))

    assert result.total == count * 2


def test_the_daily_task_runs_the_sweep(city):
    held(city, expires_in=30)

    with freeze_time(at(DAY)):
        result = credential_sweep_daily.call()

    assert result["total"] == 2


def test_the_daily_task_is_scheduled_once(city, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    now = at(DAY, 7)
    first = schedule_daily_sweep(now=now)
    second = schedule_daily_sweep(now=now)

    assert first is not None
    assert second is None
    queued = DBTaskResult.objects.get()
    assert queued.run_after == datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC)
    assert next_run_after(at(DAY, 5)) == datetime.datetime(2026, 6, 1, 6, 0, tzinfo=datetime.UTC)


def test_the_command_sweeps_a_given_day(city, capsys):
    held(city, expires_in=30)

    call_command("credential_sweep", "--date", DAY.isoformat())

    out = capsys.readouterr().out
    assert "days_30      1" in out
    assert "2 reminder(s), 4 notification(s)" in out


def test_the_command_queues_the_daily_task_once(city, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    call_command("credential_sweep", "--schedule")
    call_command("credential_sweep", "--schedule")

    out = capsys.readouterr().out
    assert "Daily sweep queued for" in out
    assert "already queued" in out

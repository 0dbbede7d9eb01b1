import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates.services.reminders import credential_sweep
from certificates.tasks import next_run_after, schedule_daily_sweep


class Command(BaseCommand):
    help = (
        "Send the credential reminders due today (window open, 90/60/30/7 days left, lapsed) "
        "and assign refresher programs, or with --schedule make sure the daily sweep task is "
        "queued. Safe to run repeatedly: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="sweep as of this day (YYYY-MM-DD; taken at 12:00 UTC) instead of now",
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the daily sweep task (next 06:00 UTC) unless one is already queued",
        )

    def handle(self, *args, date=None, schedule=False, **options):
        if schedule:
            if date is not None:
                raise CommandError("--schedule and --date do not go together.")
            result = schedule_daily_sweep()
            if result is None:
                self.stdout.write(
                    "The daily sweep is already queued (or the task backend cannot defer)."
                )
            else:
                self.stdout.write(
                    f"Daily sweep queued for {next_run_after(timezone.now()):%Y-%m-%d %H:%M} UTC."
                )
            return
        now = (
            datetime.datetime.combine(date, datetime.time(12), datetime.UTC)
            if date is not None
            else timezone.now()
        )
        result = credential_sweep(now=now)
        for kind, count in result.reminders.items():
            self.stdout.write(f"{kind:<12} {count}")
        self.stdout.write(
            f"{result.total} reminder(s), {result.notifications} notification(s), "
            f"{result.assignments} refresher assignment(s)"
            + (", emails queued." if result.emails_queued else ".")
        )

import datetime

from django.core.management.base import BaseCommand, CommandError

from lms.accounts.privacy.retention import retention_sweep


class Command(BaseCommand):
    help = (
        "Pseudonymise separated staff past RELAY_RETENTION_PSEUDONYMISE_MONTHS (docs/retention.md)."
        " Training, certification and sign-off records are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list who is due.")
        parser.add_argument("--today", help="The day to sweep as (YYYY-MM-DD); default: today.")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today takes a date as YYYY-MM-DD.") from None
        result = retention_sweep(today=today, dry_run=options["dry_run"])
        verb = "due for pseudonymisation" if result.dry_run else "pseudonymised"
        self.stdout.write(
            f"{result.today}: {len(result.pseudonymised)} person(s) separated on or before "
            f"{result.cutoff} {verb}."
        )
        for user_id in result.pseudonymised:
            self.stdout.write(f"  user {user_id}")
        if result.records_past_retention:
            self.stdout.write(
                f"{result.records_past_retention} separated person(s) are past the records "
                "retention period: review them as docs/retention.md describes."
            )

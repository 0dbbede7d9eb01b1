from django.core.management.base import BaseCommand, CommandError

from lms.xapi.backfill import DEFAULT_BATCH, statements_backfill


class Command(BaseCommand):
    help = (
        "Create the xAPI statements of recorded learning events that have none yet (history "
        "loaded in bulk, or recorded before xAPI). Safe to run again: it creates only what is "
        "missing, with the ids the services would have given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH, help="records read per query"
        )

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        report = statements_backfill(batch_size=batch_size)
        for line in report.lines():
            self.stdout.write(line)

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lms.xapi.forwarding import statements_forward
from lms.xapi.selectors import forwarding_summary, lrs_configured
from lms.xapi.services import statements_retry_failed


class Command(BaseCommand):
    help = (
        "Send the xAPI statements that are due to the Learning Record Store now (the same sweep "
        "the task runs; worth a cron entry every few minutes as a safety net), then print the "
        "counts by forwarding state."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="first give statements the store refused another go (once the cause is fixed)",
        )
        parser.add_argument(
            "--max-batches", type=int, default=1000, help="stop after this many batches"
        )

    def handle(self, *args, retry_failed=False, max_batches=1000, **options):
        if not lrs_configured():
            raise CommandError("No Learning Record Store is configured (XAPI_LRS_ENDPOINT).")
        if retry_failed:
            count = statements_retry_failed()
            self.stdout.write(f"{count} refused statements are pending again.")
        report = statements_forward(max_batches=max_batches)
        summary = forwarding_summary(now=timezone.now())
        self.stdout.write(
            f"Sent {report.delivered} in {report.batches} batches; {report.retrying} to retry, "
            f"{report.refused} refused. Now: {summary.sent} sent, {summary.pending} pending, "
            f"{summary.failed} refused."
        )

from django.core.management.base import BaseCommand, CommandError

from lms.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Re-verify the hash chain of the audit log. Exits non-zero on any break."

    def handle(self, *args, **options):
        breaks = list(audit_verify_chain())
        for item in breaks:
            self.stderr.write(f"event {item.event_id}: {item.reason}")
        if breaks:
            raise CommandError(f"{len(breaks)} break(s) in the audit chain.")
        self.stdout.write(self.style.SUCCESS("Audit chain intact."))

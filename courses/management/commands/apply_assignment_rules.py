from django.core.management.base import BaseCommand

from courses.services.assignment import assignment_rules_run_all
from courses.services.protocol import protocol_versions_sync


class Command(BaseCommand):
    help = (
        "Assign every program that staff members' job roles call for, and record protocol "
        "versions published without the admin (e.g. scheduled). Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        created = assignment_rules_run_all()
        versions = protocol_versions_sync()
        self.stdout.write(
            f"{created} assignment(s) created, {versions} protocol version(s) recorded."
        )

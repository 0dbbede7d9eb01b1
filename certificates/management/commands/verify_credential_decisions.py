from django.core.management.base import BaseCommand, CommandError

from certificates.models import CredentialDecision
from certificates.services.decisions import decisions_verify_chain


class Command(BaseCommand):
    help = (
        "Re-verify the hash chain of credential decisions (issue, verification, suspension, "
        "revocation, extension, renewal). Exits non-zero on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        problems = 0
        for problem in decisions_verify_chain(batch_size=batch_size):
            problems += 1
            row = (
                CredentialDecision.objects.filter(sequence=problem.sequence)
                .values("kind", "credential_id")
                .first()
            )
            where = f" ({row['kind']}, credential {row['credential_id']})" if row else ""
            self.stderr.write(f"decision #{problem.sequence}{where}: {problem.reason}")
        checked = CredentialDecision.objects.count()
        if problems:
            raise CommandError(
                f"{problems} problem(s) in the credential decision chain ({checked} checked)."
            )
        self.stdout.write(self.style.SUCCESS(f"{checked} decisions checked, chain intact."))

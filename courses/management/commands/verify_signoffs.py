from django.core.management.base import BaseCommand, CommandError

from courses.models import Signoff, SignoffKind
from courses.services.signoff import ChainProblem, signoff_verify_chain

# What each kind of signature signed, to name the record in a problem line.
SUBJECTS = {
    SignoffKind.TASK: "task observation",
    SignoffKind.REPORT: "observation report",
    SignoffKind.REPORT_ACKNOWLEDGEMENT: "observation report",
    SignoffKind.PHASE_EXTENSION: "phase extension",
    SignoffKind.PHASE_RECOMMENDATION: "field training",
    SignoffKind.PHASE_APPROVAL: "field training",
    SignoffKind.RELEASE: "field training",
}


class Command(BaseCommand):
    help = (
        "Re-verify the hash chain of field training sign-offs and re-read every signed record. "
        "Exits non-zero on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="signatures (and the records they signed) read per query (default 2000)",
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        problems = 0
        for problem in signoff_verify_chain(batch_size=batch_size):
            problems += 1
            self.stderr.write(describe(problem))
        checked = Signoff.objects.count()
        if problems:
            raise CommandError(
                f"{problems} problem(s) in the sign-off chain ({checked} signatures checked)."
            )
        self.stdout.write(self.style.SUCCESS(f"{checked} signatures checked, chain intact."))


def describe(problem: ChainProblem) -> str:
    """One line naming the signature (sequence, kind, its id and the record it signed, when it
    still exists) and the problem."""
    row = (
        Signoff.objects.filter(sequence=problem.sequence).values("id", "kind", "subject_id").first()
    )
    if row is None:
        return f"sign-off #{problem.sequence}: {problem.reason}"
    kind = row["kind"]
    label = dict(SignoffKind.choices).get(kind, kind)
    return (
        f"sign-off #{problem.sequence} ({label}, signature {row['id']}, "
        f"{SUBJECTS.get(kind, 'record')} {row['subject_id']}): {problem.reason}"
    )

"""`manage.py seed_demo [--size N] [--no-curriculum]`: load the demo city (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.demo.people import DEFAULT_SIZE
from lms.demo.seed import seed_city


class Command(BaseCommand):
    help = (
        "Load the demo City of Alder Bay: organisations, job roles, the demo logins, "
        f"generated staff ({DEFAULT_SIZE} unless --size), the curriculum and the staff's "
        "training history. Running it again creates only what is missing. Demo data only: "
        "every account's password is relay-demo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            type=int,
            default=None,
            help=(
                f"How many staff to generate besides the demo logins (default {DEFAULT_SIZE}). "
                "The same N always gives the same people."
            ),
        )
        parser.add_argument(
            "--no-curriculum",
            action="store_true",
            help="Load the city and its people only: no curriculum, assignments or history.",
        )

    def handle(
        self, *args: Any, size: int | None, no_curriculum: bool, verbosity: int, **options: Any
    ) -> None:
        if size is not None and size < 0:
            raise CommandError("--size must be zero or more.")
        seed_city(
            size,
            stdout=self.stdout if verbosity >= 1 else None,
            curriculum=not no_curriculum,
        )

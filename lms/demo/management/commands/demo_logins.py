"""`manage.py demo_logins`: the demo accounts, their password and TOTP secret."""

from typing import Any

from django.core.management.base import BaseCommand

from lms.demo.people import DEMO_PASSWORD
from lms.demo.seed import demo_login_rows


class Command(BaseCommand):
    help = "Print the demo logins (email, role, organisation, password, TOTP secret)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_login_rows()
        header = ("Email", "Name", "Role", "Organisation", "Password", "TOTP secret")
        table = [header] + [
            (row.email, row.name, row.role, row.organisation, row.password, row.totp_secret)
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for n, line in enumerate(table):
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(
            "DEMO DATA ONLY: fictional people; every account's password is "
            f"{DEMO_PASSWORD!r}. Never load the demo into a real database."
        )
        self.stdout.write(
            "Accounts with a TOTP secret must enter a code: add the secret to an authenticator app."
        )
        if not all(row.seeded for row in rows):
            self.stdout.write(
                self.style.WARNING("Some demo logins do not exist yet: run `manage.py seed_demo`.")
            )

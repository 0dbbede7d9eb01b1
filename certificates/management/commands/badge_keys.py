from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates.badges import keys
from certificates.models import SigningKey


class Command(BaseCommand):
    help = (
        "Manage the Ed25519 keys that sign Open Badges credentials: list them, rotate (add a new "
        "current key; older ones stay published so their credentials still verify) or retire a "
        "key (withdrawn from the JWK set; its credentials no longer verify)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="list every key (the default)")
        action.add_argument("--rotate", action="store_true", help="create a new current key")
        action.add_argument("--retire", metavar="KID", help="retire the key with this key id")

    def handle(self, *args, rotate=False, retire=None, **options):
        if rotate:
            key = keys.key_rotate()
            self.stdout.write(self.style.SUCCESS(f"New current key {key.kid}."))
        elif retire:
            try:
                key = keys.key_retire(kid=retire)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(self.style.SUCCESS(f"Retired key {key.kid}."))
        current = keys.active_keys()[:1]
        for key in SigningKey.objects.order_by("-created_at", "-pk"):
            if key.retired_at:
                state = f"retired {key.retired_at:%Y-%m-%d %H:%M} UTC"
            else:
                state = "current" if key in current else "published"
            self.stdout.write(f"{key.kid}  {key.algorithm}  {key.created_at:%Y-%m-%d}  {state}")

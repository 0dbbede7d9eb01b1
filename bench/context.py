"""What a scenario is given: the data set's size and signed-in clients for the demo logins."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.test import Client


class BenchmarkError(RuntimeError):
    """A scenario cannot be measured (unknown name, missing login, a response other than 200)."""


@dataclass(frozen=True)
class BenchContext:
    size: int

    def user(self, email: str):
        try:
            return get_user_model().objects.get(email=email)
        except get_user_model().DoesNotExist:
            raise BenchmarkError(
                f"No user {email} in the bench database: was it seeded with seed_demo?"
            ) from None

    def client(self, *, as_user: str | None = None) -> Client:
        """An anonymous client, or one signed in as the demo login `as_user`.

        `force_login` skips the password and TOTP steps; the MFA middleware still runs and only
        lets privileged people through because the demo gives them an authenticator.
        """
        client = Client()
        if as_user is not None:
            client.force_login(self.user(as_user))
        return client

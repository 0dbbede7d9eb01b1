"""Laptop settings: `make demo` runs with these."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed development key, used only when none is given; production refuses to start without one.
SECRET_KEY = SECRET_KEY or "relay-dev-only-not-secret"

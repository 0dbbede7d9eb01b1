"""Settings for gunicorn in the PostgreSQL restart script: the test settings (plain static
files, the database cache) with sign-in rate limits off, so that the failed sign-ins the
script writes are all answered by the form rather than 429."""

from lms.settings.test import *  # noqa: F403

ACCOUNT_RATE_LIMITS = False

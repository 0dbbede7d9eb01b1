"""Settings for `python -m bench`: the test settings, plus the bare baseline page.

The runner puts the bench database into DATABASE_URL before Django starts, so `base.py` reads
it through django-environ like every other environment value.
"""

from pathlib import Path

from lms.settings.test import *  # noqa: F403
from lms.settings.test import ALLOWED_HOSTS, TEMPLATES

BENCH_DIR = Path(__file__).resolve().parent

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# A copy, so the imported settings modules keep their own list.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BENCH_DIR / "templates"]}]
# The cache backend is not what is measured: keep it in process.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

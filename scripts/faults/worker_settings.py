"""Settings for the worker-kill fault script: the test settings, but with the real database task
backend (so `manage.py db_worker` runs the tasks), and mail and files in the run's folder."""

import os
from pathlib import Path

from lms.settings.test import *  # noqa: F403

_RUN = Path(os.environ.get("RELAY_FAULT_DIR", "var/faults/worker_kill"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
EMAIL_BACKEND = "scripts.faults.mail.OneFilePerMessageBackend"
EMAIL_FILE_PATH = str(_RUN / "mail")
PRIVATE_STORAGE_ROOT = _RUN / "private"
MEDIA_ROOT = _RUN / "media"

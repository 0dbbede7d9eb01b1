"""An email backend for the fault scripts: each message in its own file, written whole and
closed before `send_messages` returns (a worker killed mid-batch loses no written message),
after a short delay standing in for the mail server's round trip."""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

DELAY_SECONDS = 0.05


class OneFilePerMessageBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            time.sleep(DELAY_SECONDS)
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)

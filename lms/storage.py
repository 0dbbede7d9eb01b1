"""Storage for private uploads (credential and CE evidence): outside the public media path,
never given a URL, read only through permission-checked views."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under `PRIVATE_STORAGE_ROOT`, read from settings on every use (so tests can point
    it at a temporary folder). `url()` is refused: there is no public address."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


def private_file_response(fieldfile, *, filename: str, content_type: str):
    """A private file as a download: its stored type, never sniffed, never cached."""
    from django.http import FileResponse

    response = FileResponse(
        fieldfile.open("rb"),
        as_attachment=True,
        filename=filename or "evidence",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

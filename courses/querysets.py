"""Reusable filters for curriculum records."""

import datetime

from django.db import models
from django.utils import timezone


class AssignmentQuerySet(models.QuerySet):
    def open(self) -> "AssignmentQuerySet":
        return self.filter(ended_at__isnull=True)

    def incomplete(self) -> "AssignmentQuerySet":
        return self.open().filter(completed_at__isnull=True)

    def overdue(self, *, on: datetime.date | None = None) -> "AssignmentQuerySet":
        on = on or timezone.localdate()
        return self.incomplete().filter(due_on__lt=on)


class ModuleProgressQuerySet(models.QuerySet):
    def completed(self) -> "ModuleProgressQuerySet":
        return self.filter(status="completed")

"""What people did: assignments, progress, attempts, acknowledgements. Records point at pages
with PROTECT and keep the revision they were taken against (STYLE.md §3)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from courses.querysets import AssignmentQuerySet, ModuleProgressQuerySet


class AssignmentSource(models.TextChoices):
    RULE = "rule", "Job-role rule"
    SUPERVISOR = "supervisor", "Assigned by a supervisor"
    RENEWAL = "renewal", "Credential renewal"


class Assignment(models.Model):
    """A program assigned to a person. Unassigning ends it; history is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    program = models.ForeignKey(
        "courses.TrainingProgramPage", on_delete=models.PROTECT, related_name="assignments"
    )
    program_title = models.CharField(max_length=255)
    source = models.CharField(max_length=20, choices=AssignmentSource.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_on = models.DateField()
    due_on = models.DateField()
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField(max_length=500, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program"],
                condition=Q(ended_at__isnull=True),
                name="one_open_assignment_per_program",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("assigned_on")),
                name="assignment_due_after_assigned",
            ),
        ]
        permissions = [
            ("assign_programs", "Can assign and unassign programs to their people"),
            ("view_team_progress", "Can see the training progress of their people"),
            ("reset_progress", "Can reset a failed module with a reason"),
        ]

    def __str__(self) -> str:
        return f"{self.program_title} for {self.user}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ModuleProgress(models.Model):
    """One person's progress through one module."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="module_progress"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.PROTECT, related_name="progress"
    )
    status = models.CharField(
        max_length=20, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED
    )
    sections_viewed = models.JSONField(default=list, blank=True)
    last_section = models.PositiveIntegerField(default=0)
    seconds_on_task = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_source = models.CharField(max_length=40, blank=True)
    completion_evidence = models.JSONField(default=dict, blank=True)
    # Snapshot at completion, so later edits of the page never rewrite the transcript.
    completed_title = models.CharField(max_length=255, blank=True)
    completed_training_type = models.CharField(max_length=20, blank=True)
    completed_ce_hours = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    completed_minutes = models.PositiveIntegerField(default=0)

    objects = ModuleProgressQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_progress_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.module_id} {self.status} for {self.user_id}"

    @property
    def minutes_on_task(self) -> int:
        return round(self.seconds_on_task / 60)

    @property
    def completed_hours(self) -> Decimal:
        return (Decimal(self.completed_minutes) / 60).quantize(Decimal("0.1"))


class QuizAttempt(models.Model):
    """A graded attempt, stored with the answers and the page revision it was taken against."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    pass_mark = models.PositiveIntegerField()
    passed = models.BooleanField()
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "number"], name="unique_quiz_attempt_number"
            )
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} on {self.module_id} by {self.user_id}"


class ProgressReset(models.Model):
    """A supervisor's decision to give a failed learner another go."""

    progress = models.ForeignKey(ModuleProgress, on_delete=models.PROTECT, related_name="resets")
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    previous_status = models.CharField(max_length=20, choices=ProgressStatus.choices)
    attempts_before = models.PositiveIntegerField()
    reset_at = models.DateTimeField()

    class Meta:
        ordering = ["-reset_at"]

    def __str__(self) -> str:
        return f"Reset of {self.progress_id} by {self.reset_by_id}"


class ProtocolVersion(models.Model):
    """A published version of a protocol, recorded when its version number rises."""

    protocol = models.ForeignKey(
        "courses.ProtocolPage", on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField()
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=255)
    change_summary = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["protocol_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "version"], name="unique_protocol_version")
        ]
        permissions = [
            ("view_protocol_compliance", "Can see who is on the current protocol version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ProtocolAcknowledgement(models.Model):
    """A person attests to one exact version (and revision) of a protocol."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "protocol_version"], name="one_acknowledgement_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.protocol_version_id}"


class AcknowledgementRequest(models.Model):
    """The re-acknowledgement assignment created for each affected person by a new version."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgement_requests"
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="requests"
    )
    due_on = models.DateField()
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "protocol_version"], name="one_request_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} to acknowledge {self.protocol_version_id} by {self.due_on}"

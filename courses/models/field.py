"""Field training: task books (authored pages) and what trainees and their FTOs did on shift
(records). Sign-offs are the hash-chained `Signoff` rows; everything else here is what they
sign."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from courses.blocks import RICH_TEXT_FEATURES, EvaluationCategoryBlock, PhaseBlock

from .pages import TrainingType


class TaskBookPage(Page):
    """A position task book: phases of tasks with performance standards, and the Daily
    Observation Report's evaluation categories and rating scale. It lives under a field module;
    trainees keep the revision they were assigned."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)
    job_roles = ParentalManyToManyField(
        "certificates.JobRole",
        blank=True,
        related_name="task_books",
        help_text="Trainees in these roles are given this task book.",
    )
    phases = StreamField([("phase", PhaseBlock())], use_json_field=True)
    evaluation_categories = StreamField(
        [("category", EvaluationCategoryBlock())],
        use_json_field=True,
        help_text="Rated on every Daily Observation Report.",
    )
    scale_minimum = models.PositiveSmallIntegerField(default=1)
    scale_maximum = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    scale_acceptable = models.PositiveSmallIntegerField(
        default=4, help_text="The rating that means acceptable performance."
    )
    narrative_at_or_below = models.PositiveSmallIntegerField(
        default=2, help_text="Ratings at or below this need a written narrative."
    )
    narrative_at_or_above = models.PositiveSmallIntegerField(
        default=6, help_text="Ratings at or above this need a written narrative."
    )
    evaluator_requirement = models.CharField(
        max_length=255,
        default="An assigned field training officer.",
        help_text="Who may evaluate and sign tasks, as shown on the task book.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("job_roles"),
        FieldPanel("evaluator_requirement"),
        HelpPanel(
            content=(
                "Trainees keep the version they were assigned. Publishing a change affects "
                "trainees assigned from then on."
            )
        ),
        FieldPanel("phases"),
        MultiFieldPanel(
            [
                FieldPanel("evaluation_categories"),
                FieldPanel("scale_minimum"),
                FieldPanel("scale_maximum"),
                FieldPanel("scale_acceptable"),
                FieldPanel("narrative_at_or_below"),
                FieldPanel("narrative_at_or_above"),
            ],
            heading="Daily Observation Report",
        ),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    max_count_per_parent = 1

    @classmethod
    def can_create_at(cls, parent) -> bool:
        """Only under a module of training type "field"."""
        return super().can_create_at(parent) and (
            getattr(parent.specific, "training_type", None) == TrainingType.FIELD
        )

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if not (self.scale_minimum < self.scale_acceptable < self.scale_maximum):
            raise ValidationError(
                {"scale_acceptable": "Acceptable must lie strictly between the lowest and highest."}
            )
        if not (
            self.scale_minimum <= self.narrative_at_or_below < self.narrative_at_or_above
            and self.narrative_at_or_above <= self.scale_maximum
        ):
            raise ValidationError(
                {"narrative_at_or_above": "The narrative thresholds must lie on the scale."}
            )

    def serve(self, request, *args, **kwargs):
        return redirect("courses:module", pk=self.get_parent().pk)

    def serve_preview(self, request, mode_name):
        from courses.field.content import task_book_spec

        return TemplateResponse(
            request,
            "courses/field/task_book_preview.html",
            {"page": self, "spec": task_book_spec(self)},
        )


class CallType(models.Model):
    """A kind of call handled on a ride-along (configurable by administrators)."""

    name = models.CharField(max_length=80, unique=True)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


# --- Records ---------------------------------------------------------------------------------


class FieldTrainingStatus(models.TextChoices):
    ACTIVE = "active", "In field training"
    RELEASED = "released", "Released to solo duty"
    WITHDRAWN = "withdrawn", "Withdrawn"


class FieldTraining(models.Model):
    """A trainee's task book, their FTOs and where they are in it. The task book's content at
    assignment is snapshotted in `spec` (see `courses.field.engine.TaskBookSpec`)."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_trainings"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="field_trainings"
    )
    task_book = models.ForeignKey(TaskBookPage, on_delete=models.PROTECT, related_name="trainees")
    module = models.ForeignKey(
        "courses.ModulePage", on_delete=models.PROTECT, related_name="field_trainings"
    )
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=255)
    spec = models.JSONField()
    primary_fto = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_trainees"
    )
    secondary_fto = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secondary_trainees",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField()
    phase_index = models.PositiveSmallIntegerField(default=0)
    phase_started_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=FieldTrainingStatus.choices, default=FieldTrainingStatus.ACTIVE
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "task_book"],
                condition=Q(status="active"),
                name="one_active_task_book_per_trainee",
            ),
            models.CheckConstraint(
                condition=~Q(primary_fto=models.F("trainee"))
                & ~Q(secondary_fto=models.F("trainee")),
                name="trainee_is_not_own_fto",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.trainee_id}"

    def is_fto(self, user) -> bool:
        return user.pk is not None and user.pk in (self.primary_fto_id, self.secondary_fto_id)


class PhaseExtension(models.Model):
    """Extra days for a phase, granted by a supervisor with a reason (signed)."""

    training = models.ForeignKey(FieldTraining, on_delete=models.PROTECT, related_name="extensions")
    phase_index = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.days} more days in phase {self.phase_index + 1} of {self.training_id}"


class RideAlong(models.Model):
    """One shift a trainee worked with an FTO."""

    training = models.ForeignKey(
        FieldTraining, on_delete=models.PROTECT, related_name="ride_alongs"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    fto = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ride_alongs_as_fto"
    )
    shift_date = models.DateField(help_text="The start date in the organisation's time zone.")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    unit = models.CharField(max_length=60)
    call_types = models.ManyToManyField(CallType, blank=True, related_name="ride_alongs")
    phase_index = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    request_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=models.F("started_at")), name="ride_along_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Shift {self.shift_date} of {self.trainee_id}"

    @property
    def hours(self):
        from courses.field.engine import hours

        return hours(self.started_at, self.ended_at)


class ObservationReport(models.Model):
    """A Daily Observation Report on one shift, signed by the FTO. Never edited: a correction is
    a new report that supersedes it."""

    training = models.ForeignKey(FieldTraining, on_delete=models.PROTECT, related_name="reports")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    fto = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports_written"
    )
    ride_along = models.ForeignKey(RideAlong, on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveIntegerField(help_text="The trainee's DOR number, from 1.")
    shift_date = models.DateField()
    phase_index = models.PositiveSmallIntegerField()
    phase_name = models.CharField(max_length=120)
    most_satisfactory = models.TextField()
    least_satisfactory = models.TextField()
    comments = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    request_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-shift_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ride_along"],
                condition=Q(supersedes__isnull=True),
                name="one_original_report_per_shift",
            ),
            models.UniqueConstraint(fields=["training", "number"], name="unique_report_number"),
        ]

    def __str__(self) -> str:
        return f"DOR {self.number} of {self.trainee_id} ({self.shift_date})"


class ObservationRating(models.Model):
    """One category's rating on a DOR (or "not observed"), with flags, remedial minutes and
    the narrative."""

    report = models.ForeignKey(ObservationReport, on_delete=models.PROTECT, related_name="ratings")
    position = models.PositiveSmallIntegerField()
    category_id = models.CharField(max_length=64)
    category_name = models.CharField(max_length=120)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    not_observed = models.BooleanField(default=False)
    not_responding = models.BooleanField(default=False)
    remedial_minutes = models.PositiveIntegerField(default=0)
    narrative = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "category_id"], name="one_rating_per_category"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, not_observed=True)
                | Q(rating__isnull=False, not_observed=False),
                name="rated_or_not_observed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_name}: {self.rating or 'not observed'}"


class ObservationContext(models.TextChoices):
    RIDE_ALONG = "ride_along", "Ride-along call"
    INCIDENT = "incident", "Incident"
    EXERCISE = "exercise", "Exercise or drill"
    SCENARIO = "scenario", "Scenario"


class TaskObservation(models.Model):
    """An FTO observed the trainee perform a task, satisfactorily or not (signed)."""

    training = models.ForeignKey(
        FieldTraining, on_delete=models.PROTECT, related_name="observations"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    fto = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_observations"
    )
    task_id = models.CharField(max_length=64)
    task_number = models.CharField(max_length=20)
    task_title = models.CharField(max_length=255)
    phase_index = models.PositiveSmallIntegerField()
    observed_on = models.DateField()
    context = models.CharField(max_length=20, choices=ObservationContext.choices)
    satisfactory = models.BooleanField()
    ride_along = models.ForeignKey(
        RideAlong, on_delete=models.PROTECT, null=True, blank=True, related_name="observations"
    )
    notes = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    request_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-observed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.task_number} on {self.observed_on} for {self.trainee_id}"


# --- Sign-offs: append-only and hash-chained (STYLE.md §5) -----------------------------------


class SignoffKind(models.TextChoices):
    TASK = "task", "Task performance"
    REPORT = "report", "Daily Observation Report"
    REPORT_ACKNOWLEDGEMENT = "report_ack", "Trainee acknowledgement of a DOR"
    PHASE_RECOMMENDATION = "phase_rec", "End-of-phase recommendation"
    PHASE_APPROVAL = "phase_approval", "End-of-phase approval"
    PHASE_EXTENSION = "phase_extension", "Phase extension"
    RELEASE = "release", "Final release"


class Signoff(models.Model):
    """One signature. `payload` is the canonical content signed (the subject as it was, with
    its phase and statement); `content_hash` covers payload and signer, `record_hash` chains
    it to the signature before it. Rows are only inserted, by `courses.services.signoff`."""

    sequence = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=20, choices=SignoffKind.choices)
    training = models.ForeignKey(FieldTraining, on_delete=models.PROTECT, related_name="signoffs")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(help_text="The report, observation or training.")
    phase_index = models.PositiveSmallIntegerField(null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs"
    )
    signer_name = models.CharField(max_length=200)
    signer_role = models.CharField(max_length=200, help_text="The capacity they signed in.")
    qualifying_credential = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    statement_version = models.PositiveSmallIntegerField()
    statement = models.TextField()
    comment = models.TextField(blank=True)
    reauthenticated_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    request_key = models.UUIDField(unique=True)
    payload = models.JSONField()
    content_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        permissions = [
            ("verify_signoff_chain", "Can verify the sign-off chain"),
            ("approve_field_phases", "Can approve field training phases and release trainees"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=Q(kind__in=["task", "report", "report_ack"]),
                name="one_signature_per_record",
            ),
            models.UniqueConstraint(
                fields=["training", "phase_index"],
                condition=Q(kind="phase_approval"),
                name="one_approval_per_phase",
            ),
            models.UniqueConstraint(
                fields=["training"], condition=Q(kind="release"), name="one_release_per_training"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_kind_display()} by {self.signer_name}"


class SignoffChainHead(models.Model):
    """The chain's last link (one row). Appends lock it, so the chain never forks, and the
    verifier can tell that records were removed from the end."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Sign-off chain at #{self.last_sequence}"

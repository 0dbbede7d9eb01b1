"""Credential types: reference data HR edits in the admin, with how each is earned, how long it
lasts, when renewal opens and what renewal takes."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

from certificates.expiry import Rule


class CredentialKind(models.TextChoices):
    EARNED = "earned", "Earned in Relay"
    EXTERNAL = "external", "External (recorded with evidence)"


class ExpiryRule(models.TextChoices):
    FROM_COMPLETION = Rule.FROM_COMPLETION.value, "From the completion date"
    FROM_PREVIOUS_EXPIRY = Rule.FROM_PREVIOUS_EXPIRY.value, "From the previous expiry date"
    FIXED_DATE = Rule.FIXED_DATE.value, "On a fixed calendar date"


class CredentialType(ClusterableModel):
    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    issuer = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=CredentialKind.choices)
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Leave empty for a credential that never expires.",
    )
    window_days = models.PositiveSmallIntegerField(
        "recertification window (days before expiry)", default=90
    )
    expiry_rule = models.CharField(
        max_length=30, choices=ExpiryRule.choices, default=ExpiryRule.FROM_COMPLETION
    )
    fixed_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    fixed_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    minimum_active_months = models.PositiveSmallIntegerField(
        default=0, help_text="Fixed-date rule: the least time a new credential stays active."
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after expiry during which renewal still counts as renewal."
    )
    refresher_program = models.ForeignKey(
        "courses.TrainingProgramPage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renews_credentials",
        help_text="Completing this program in the renewal window renews the credential.",
    )
    renewal_ce_hours = models.DecimalField(
        "continuing-education hours per cycle", max_digits=6, decimal_places=2, default=0
    )
    renewal_field_observations = models.PositiveSmallIntegerField(
        default=0, help_text="Satisfactory field observations needed in the cycle to renew."
    )
    qualifies_fto = models.BooleanField(
        "qualifies a field training officer",
        default=False,
        help_text="An FTO needs a valid credential of a type like this to take trainees and sign.",
    )
    active = models.BooleanField(default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("issuer"),
        FieldPanel("description"),
        FieldPanel("kind"),
        InlinePanel(
            "requirements",
            heading="Earned when (every requirement met)",
            label="Requirement",
        ),
        MultiFieldPanel(
            [
                FieldPanel("validity_months"),
                FieldPanel("expiry_rule"),
                FieldPanel("fixed_month"),
                FieldPanel("fixed_day"),
                FieldPanel("minimum_active_months"),
                FieldPanel("window_days"),
                FieldPanel("grace_days"),
            ],
            heading="Expiry",
        ),
        MultiFieldPanel(
            [
                FieldPanel("refresher_program"),
                FieldPanel("renewal_ce_hours"),
                FieldPanel("renewal_field_observations"),
            ],
            heading="Renewal requirement",
        ),
        FieldPanel("qualifies_fto"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_compliance", "Can see credential compliance"),
            ("manage_credentials", "Can suspend, revoke and extend credentials"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(expiry_rule="fixed_date")
                | Q(fixed_month__isnull=False, fixed_day__isnull=False),
                name="fixed_date_rule_has_a_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.expiry_rule == ExpiryRule.FIXED_DATE and not (self.fixed_month and self.fixed_day):
            raise ValidationError({"fixed_month": "A fixed-date rule needs the month and the day."})
        if self.validity_months is None and (self.renewal_ce_hours or self.refresher_program_id):
            raise ValidationError(
                {"validity_months": "A credential with a renewal requirement needs a validity."}
            )

    @property
    def renewal_summary(self) -> str:
        parts = []
        if self.refresher_program_id:
            parts.append("the refresher program")
        if self.renewal_ce_hours:
            parts.append(f"{self.renewal_ce_hours.normalize()} continuing-education hours")
        if self.renewal_field_observations:
            parts.append(f"{self.renewal_field_observations} field observations")
        if not parts:
            return "Record the renewed certificate" if self.kind == CredentialKind.EXTERNAL else ""
        return " and ".join(parts)


class RequirementKind(models.TextChoices):
    PROGRAM = "program", "Program completed"
    TASK_BOOK = "task_book", "Task book released"
    SCENARIO = "scenario", "Scenario passed"


class CredentialRequirement(models.Model):
    """What earns a credential: every requirement of its type met (data, not code)."""

    credential_type = ParentalKey(
        CredentialType, on_delete=models.CASCADE, related_name="requirements"
    )
    kind = models.CharField(max_length=20, choices=RequirementKind.choices)
    program = models.ForeignKey(
        "courses.TrainingProgramPage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task_book = models.ForeignKey(
        "courses.TaskBookPage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scenario = models.ForeignKey(
        "scenarios.ScenarioPage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="program",
                    program__isnull=False,
                    task_book__isnull=True,
                    scenario__isnull=True,
                )
                | Q(
                    kind="task_book",
                    task_book__isnull=False,
                    program__isnull=True,
                    scenario__isnull=True,
                )
                | Q(
                    kind="scenario",
                    scenario__isnull=False,
                    program__isnull=True,
                    task_book__isnull=True,
                ),
                name="requirement_names_one_page_of_its_kind",
            )
        ]

    def __str__(self) -> str:
        target = self.program or self.task_book or self.scenario
        return f"{self.get_kind_display()}: {target}"

    panels = [
        FieldPanel("kind"),
        FieldPanel("program"),
        FieldPanel("task_book"),
        FieldPanel("scenario"),
    ]

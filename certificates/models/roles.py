"""The role catalogue that staff profiles point at, what each role requires, and the career
pathways between roles (reference data HR edits in the admin)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

onet_soc_validator = RegexValidator(
    r"^\d{2}-\d{4}\.\d{2}$", "Use the O*NET-SOC form 00-0000.00, e.g. 21-1094.00."
)


class JobRole(ClusterableModel):
    """A city job role (community responder, 911 telecommunicator, ...) with what it takes to
    hold it: the credential types it requires and prefers, a minimum time in one's current role
    and, where it applies, a released field training."""

    name = models.CharField(max_length=120, unique=True)
    onet_soc_code = models.CharField(
        "O*NET-SOC code", max_length=10, blank=True, validators=[onet_soc_validator]
    )
    soc_verified = models.BooleanField(
        "code verified against O*NET",
        default=False,
        help_text="Unticked where the code is a best-fit mapping rather than an O*NET listing.",
    )
    department = models.CharField(
        max_length=160, blank=True, help_text="The city department that hires into this role."
    )
    pay_grade = models.CharField(max_length=40, blank=True, help_text="For example CS-07.")
    description = models.TextField(blank=True)
    minimum_months_in_role = models.PositiveSmallIntegerField(
        "minimum time in a current role (months)",
        default=0,
        validators=[MaxValueValidator(240)],
        help_text="How long a candidate must have held their current role before moving here.",
    )
    requires_field_release = models.BooleanField(
        "field training released",
        default=False,
        help_text="Candidates must have been released from a field training program.",
    )
    education_notes = models.TextField(
        "education or licence notes",
        blank=True,
        help_text="Shown to candidates and HR; checked by HR at interview, not by Relay.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("onet_soc_code"),
                FieldPanel("soc_verified"),
                FieldPanel("department"),
                FieldPanel("pay_grade"),
                FieldPanel("description"),
            ],
            heading="Role",
        ),
        MultiFieldPanel(
            [
                FieldPanel("minimum_months_in_role"),
                FieldPanel("requires_field_release"),
                FieldPanel("education_notes"),
            ],
            heading="Requirements",
        ),
        InlinePanel(
            "credential_requirements",
            heading="Credentials required or preferred",
            label="Credential",
        ),
        InlinePanel(
            "pathways_out",
            heading="Pathways from this role",
            label="Pathway",
        ),
    ]

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_readiness", "Can see who is ready for which city role"),
            ("view_career_interest", "Can see who is interested in a role"),
        ]

    def __str__(self) -> str:
        return self.name


class RequirementLevel(models.TextChoices):
    REQUIRED = "required", "Required"
    PREFERRED = "preferred", "Preferred"


class RoleCredential(models.Model):
    """A credential type a role requires (holders of the role must hold it validly, and so must
    candidates) or prefers (shown, never counted against readiness)."""

    role = ParentalKey(JobRole, on_delete=models.CASCADE, related_name="credential_requirements")
    credential_type = models.ForeignKey(
        "certificates.CredentialType", on_delete=models.PROTECT, related_name="role_requirements"
    )
    level = models.CharField(
        max_length=20, choices=RequirementLevel.choices, default=RequirementLevel.REQUIRED
    )

    panels = [FieldPanel("credential_type"), FieldPanel("level")]

    class Meta:
        ordering = ["level", "credential_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "credential_type"], name="one_requirement_per_role_and_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role_id}: {self.credential_type_id} ({self.level})"

    def clean(self) -> None:
        credential_type = getattr(self, "credential_type", None)
        if credential_type is not None and not credential_type.active:
            raise ValidationError(
                {"credential_type": f"“{credential_type}” is retired; choose an active type."}
            )


class PathwayKind(models.TextChoices):
    LATERAL = "lateral", "Lateral"
    PROGRESSIVE = "progressive", "Progressive"


class Pathway(models.Model):
    """An edge of the career map: from a role, a person may move to another role, sideways
    (lateral) or up (progressive). Progressive edges never form a cycle; no role leads to
    itself (see `certificates.pathways.pathway_problems`)."""

    from_role = ParentalKey(JobRole, on_delete=models.CASCADE, related_name="pathways_out")
    to_role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="pathways_in")
    kind = models.CharField(max_length=20, choices=PathwayKind.choices)
    notes = models.TextField(blank=True)

    panels = [FieldPanel("to_role"), FieldPanel("kind"), FieldPanel("notes")]

    class Meta:
        ordering = ["from_role__name", "kind", "to_role__name"]
        constraints = [
            models.UniqueConstraint(fields=["from_role", "to_role"], name="one_pathway_per_pair"),
            models.CheckConstraint(
                condition=~Q(from_role=F("to_role")), name="pathway_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_role_id} → {self.to_role_id} ({self.kind})"

    def clean(self) -> None:
        if self.from_role_id is not None and self.from_role_id == self.to_role_id:
            raise ValidationError({"to_role": "A pathway cannot lead from a role to itself."})


class CareerInterest(models.Model):
    """A person's opt-in: "I am interested in this role". Seen by them and by HR only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="career_interests"
    )
    role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="interested")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_interest_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} interested in {self.role_id}"

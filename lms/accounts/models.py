"""People and organisations."""

import datetime
import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .querysets import InvitationQuerySet, StaffProfileQuerySet
from .roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Identified by email; there is no username."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", "City department"
    CONTRACTED = "contracted", "Contracted community organisation"


class DataSharing(models.TextChoices):
    """What a contracted organisation lets city HR see of its people."""

    NONE = "none", "Nothing beyond headcount"
    FULL = "full", "People and their training records"


class FundingSource(models.TextChoices):
    """Who pays for an organisation's work or for one position, as grant reports ask."""

    GENERAL_FUND = "general_fund", "General fund"
    STATE_GRANT = "state_grant", "State grant"
    FEDERAL_GRANT = "federal_grant", "Federal grant"
    PRIVATE = "private", "Private funding"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use e.g. America/Denver).")


class Organisation(models.Model):
    """A city department or a contracted community-based organisation."""

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    contract_reference = models.CharField(
        max_length=60, blank=True, help_text="Required for contracted organisations."
    )
    data_sharing = models.CharField(
        max_length=10,
        choices=DataSharing.choices,
        default=DataSharing.NONE,
        help_text="Contracted organisations only: what city HR may see of their people.",
    )
    time_zone = models.CharField(
        max_length=60, default="America/Denver", validators=[validate_time_zone]
    )
    description = models.TextField(blank=True)
    funding_source = models.CharField(
        max_length=20,
        choices=FundingSource.choices,
        default=FundingSource.GENERAL_FUND,
        help_text="Who pays for this organisation's positions, unless a position says otherwise.",
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="contracted") | ~Q(contract_reference=""),
                name="contracted_organisation_has_contract_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == OrganisationKind.CONTRACTED and not self.contract_reference:
            raise ValidationError(
                {"contract_reference": "A contracted organisation needs its contract reference."}
            )

    @property
    def is_contracted(self) -> bool:
        return self.kind == OrganisationKind.CONTRACTED

    @property
    def shares_people_with_city(self) -> bool:
        """City departments always do; a contracted organisation only when it agreed to."""
        return not self.is_contracted or self.data_sharing == DataSharing.FULL

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self, now=None):
        """The calendar date in this organisation's time zone at `now` (default: now)."""
        return timezone.localdate(now or timezone.now(), timezone=self.zone)


class StaffStatus(models.TextChoices):
    TRAINEE = "trainee", "Trainee"
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    SEPARATED = "separated", "Separated"


class StaffProfile(models.Model):
    """A person's employment with one organisation. Never deleted: separation is a status."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="staff_profile")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    employee_id = models.CharField(max_length=40)
    job_role = models.ForeignKey(
        "certificates.JobRole",
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    hire_date = models.DateField()
    job_role_since = models.DateField(
        null=True,
        blank=True,
        help_text="When the person moved into their current job role; empty: since hire.",
    )
    status = models.CharField(
        max_length=20, choices=StaffStatus.choices, default=StaffStatus.TRAINEE
    )
    separated_on = models.DateField(null=True, blank=True)
    supervisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="supervised_profiles",
        null=True,
        blank=True,
    )
    field_training_officers = models.ManyToManyField(
        User, related_name="trainee_profiles", blank=True
    )
    funding_source = models.CharField(
        max_length=20,
        choices=FundingSource.choices,
        blank=True,
        help_text="Who pays for this position; empty: the organisation's funding source.",
    )

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "employee_id"], name="unique_employee_id_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(status="separated", separated_on__isnull=False)
                | (~Q(status="separated") & Q(separated_on__isnull=True)),
                name="separated_staff_have_separation_date",
            ),
        ]
        permissions = [
            ("view_organisation_staff", "Can see the staff of their own organisation"),
            ("view_city_staff", "Can see staff city-wide, as data-sharing settings allow"),
            ("view_all_staff", "Can see every organisation's staff"),
            ("invite_staff", "Can invite people"),
            ("manage_roles", "Can change people's roles"),
            ("sign_off_trainees", "Can sign off their own trainees"),
            ("verify_credentials", "Can verify external credentials"),
            ("import_staff", "Can import staff from the HR system"),
            ("view_program_reports", "Can see program reports"),
            ("use_api", "Can hold personal API tokens"),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.organisation})"

    @property
    def position_funding_source(self) -> str:
        """The funding source of this position: its own, else its organisation's."""
        return self.funding_source or self.organisation.funding_source

    @property
    def in_role_since(self) -> datetime.date:
        """The first day in the current job role (the hire date unless they moved since)."""
        return self.job_role_since or self.hire_date

    def clean(self) -> None:
        if self.supervisor_id and self.supervisor_id == self.user_id:
            raise ValidationError({"supervisor": "Nobody supervises themselves."})


class Invitation(models.Model):
    """An invitation to join Relay. The emailed token is stored only as a hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    employee_id = models.CharField(max_length=40)
    job_role = models.ForeignKey(
        "certificates.JobRole", on_delete=models.PROTECT, null=True, blank=True
    )
    hire_date = models.DateField()
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEARNER)
    supervisor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def state(self, *, now=None) -> str:
        now = now or timezone.now()
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class Notification(models.Model):
    """An in-app message to one person (a new assignment, a protocol to re-acknowledge...)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message

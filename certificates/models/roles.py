"""The role catalogue that staff profiles and career pathways point at."""

from django.core.validators import RegexValidator
from django.db import models

onet_soc_validator = RegexValidator(
    r"^\d{2}-\d{4}\.\d{2}$", "Use the O*NET-SOC form 00-0000.00, e.g. 21-1094.00."
)


class JobRole(models.Model):
    """A city job role (community responder, 911 telecommunicator, ...)."""

    name = models.CharField(max_length=120, unique=True)
    onet_soc_code = models.CharField(
        "O*NET-SOC code", max_length=10, blank=True, validators=[onet_soc_validator]
    )
    soc_verified = models.BooleanField(
        "code verified against O*NET",
        default=False,
        help_text="Unticked where the code is a best-fit mapping rather than an O*NET listing.",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

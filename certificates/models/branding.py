"""How certificates look: the city's logo and colours, edited in the Wagtail admin
(Settings → Certificate branding)."""

from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #0b5563.")


@register_setting(icon="image")
class CertificateBranding(BaseGenericSetting):
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Printed at the top left of every certificate (PNG or JPEG).",
    )
    primary_colour = models.CharField(max_length=7, default="#0b5563", validators=[hex_colour])
    dark_colour = models.CharField(max_length=7, default="#083f49", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#f6c445", validators=[hex_colour])

    panels = [
        FieldPanel("logo"),
        FieldPanel("primary_colour"),
        FieldPanel("dark_colour"),
        FieldPanel("accent_colour"),
    ]

    class Meta:
        verbose_name = "certificate branding"

    def __str__(self) -> str:
        return "Certificate branding"

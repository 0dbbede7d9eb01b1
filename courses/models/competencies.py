"""The competency framework: one set of tags shared by modules, scenarios, task books and DORs."""

from django.db import models


class CompetencyCategory(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "competency categories"

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    category = models.ForeignKey(
        CompetencyCategory, on_delete=models.PROTECT, related_name="competencies"
    )
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["category__sort_order", "name"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="unique_competency_name")
        ]

    def __str__(self) -> str:
        return self.name

"""Branching scenarios: authored pages; attempts come with the player."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from courses.blocks import RICH_TEXT_FEATURES
from courses.models import TrainingType

from .blocks import StepBlock
from .content import engine_scenario
from .engine import best_path, validate
from .graph import render_svg, render_text_outline


class ScenarioPageForm(WagtailAdminPageForm):
    """Drafts may be incomplete; publishing is refused while the step graph has problems."""

    def clean(self):
        cleaned = super().clean()
        if "action-publish" not in self.data or self.errors:
            return cleaned
        scenario = engine_scenario(
            start=cleaned.get("start_step", ""),
            steps=cleaned.get("steps") or [],
            pass_threshold=cleaned.get("pass_threshold") or 0,
        )
        problems = validate(scenario)
        if problems:
            self.add_error(
                "steps",
                ["This scenario cannot be published yet:"] + [p.message for p in problems],
            )
        return cleaned


class ScenarioPage(Page):
    """A branching scenario played one step at a time; it belongs to a scenario module."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)
    start_step = models.CharField(max_length=40, help_text="The key of the first step.")
    steps = StreamField([("step", StepBlock())], blank=True, use_json_field=True)
    pass_threshold = models.PositiveIntegerField(
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of the best possible score; any critical error fails the run.",
    )
    attempts_allowed = models.PositiveIntegerField(
        default=3, help_text="Attempts a learner gets. 0 means unlimited."
    )

    base_form_class = ScenarioPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("start_step"),
                FieldPanel("pass_threshold"),
                FieldPanel("attempts_allowed"),
            ],
            heading="Play",
        ),
        HelpPanel(
            content=(
                "Each step has a key; each choice names the key of the step it leads to. "
                "Publishing is refused while a step cannot be reached, a choice leads nowhere, "
                "no ending can be reached or a loop has no way out. Preview draws the graph."
            )
        ),
        FieldPanel("steps"),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    max_count_per_parent = 1

    @classmethod
    def can_create_at(cls, parent) -> bool:
        """Only under a module of training type "scenario"."""
        return super().can_create_at(parent) and (
            getattr(parent.specific, "training_type", None) == TrainingType.SCENARIO
        )

    def serve(self, request, *args, **kwargs):
        return redirect("courses:module", pk=self.get_parent().pk)

    def serve_preview(self, request, mode_name):
        """Authors see the step graph drawn, with any problem named, and the outline."""
        scenario = self.engine()
        problems = validate(scenario)
        context = {"page": self, "scenario": scenario, "problems": problems}
        try:
            context["best"] = best_path(scenario) if not problems else ()
        except ValueError:
            context["best"] = ()
        context["svg"] = render_svg(scenario, problems=problems, highlight_path=context["best"])
        context["outline"] = render_text_outline(scenario)
        return TemplateResponse(request, "scenarios/scenario_preview.html", context)

    def engine(self):
        """The plain-data scenario the engine plays (from this object's content)."""
        return engine_scenario(
            start=self.start_step, steps=self.steps, pass_threshold=self.pass_threshold
        )


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"


class ScenarioAttempt(models.Model):
    """One play-through. The path lives here, on the server, so a reload, the back button or
    a second tab can neither fork nor skip it. Played against one stored revision."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenario_attempts"
    )
    scenario = models.ForeignKey(ScenarioPage, on_delete=models.PROTECT, related_name="attempts")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    current_step = models.CharField(max_length=40)
    path = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.IntegerField(null=True, blank=True)
    percent = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    critical_errors = models.PositiveIntegerField(default=0)
    reflection = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scenario", "number"], name="unique_scenario_attempt_number"
            ),
            models.UniqueConstraint(
                fields=["user", "scenario"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_scenario",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} at {self.scenario_id} by {self.user_id}"

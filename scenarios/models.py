"""Branching scenarios: authored pages; attempts come with the player."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

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


# --- Coaching, live role-play and completion requirements -------------------------------------


class CoachingVerdict(models.TextChoices):
    COMPETENT = "competent", "Competent"
    NEEDS_PRACTICE = "needs_practice", "Needs practice"


class CoachingReview(models.Model):
    """A coach's written feedback and verdict on one finished attempt. Never edited: the coach's
    name and role are snapshots, the feedback is cleaned by `sanitize_html` before storage."""

    attempt = models.OneToOneField(
        ScenarioAttempt, on_delete=models.PROTECT, related_name="coaching_review"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_reviews"
    )
    coach_name = models.CharField(max_length=200)
    coach_role = models.CharField(max_length=200)
    feedback = models.TextField()
    verdict = models.CharField(max_length=20, choices=CoachingVerdict.choices)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on attempt {self.attempt_id}"


class AttemptAllowance(models.Model):
    """Extra attempts at a scenario for one learner, beyond the page's `attempts_allowed`
    (granted when a coach marks an attempt "needs practice")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenario_allowances"
    )
    scenario = models.ForeignKey(
        ScenarioPage, on_delete=models.PROTECT, related_name="attempt_allowances"
    )
    extra = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    review = models.OneToOneField(
        CoachingReview,
        on_delete=models.PROTECT,
        related_name="allowance",
        null=True,
        blank=True,
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"+{self.extra} at {self.scenario_id} for {self.user_id}"


ROLEPLAY_LEVELS = {1: "Not yet", 2: "Developing", 3: "Competent", 4: "Exemplary"}


class RoleplayRubric(ClusterableModel):
    """A rubric for live role-play: criteria drawn from the competency framework, each rated on
    a four-level scale with a description per level."""

    name = models.CharField(max_length=160, unique=True)
    levels_description = models.TextField(
        blank=True,
        help_text="How assessors should read the scale: 1 Not yet, 2 Developing, 3 Competent, "
        "4 Exemplary.",
    )

    panels = [FieldPanel("name"), FieldPanel("levels_description"), InlinePanel("criteria")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RubricCriterion(Orderable):
    rubric = ParentalKey(RoleplayRubric, on_delete=models.CASCADE, related_name="criteria")
    competency = models.ForeignKey(
        "courses.Competency", on_delete=models.PROTECT, related_name="rubric_criteria"
    )
    level_1 = models.TextField("Level 1: not yet")
    level_2 = models.TextField("Level 2: developing")
    level_3 = models.TextField("Level 3: competent")
    level_4 = models.TextField("Level 4: exemplary")

    panels = [
        FieldPanel("competency"),
        FieldPanel("level_1"),
        FieldPanel("level_2"),
        FieldPanel("level_3"),
        FieldPanel("level_4"),
    ]

    def __str__(self) -> str:
        return str(self.competency)

    def level_descriptions(self) -> list[tuple[int, str, str]]:
        """(level, label, description) for levels 1 to 4."""
        texts = (self.level_1, self.level_2, self.level_3, self.level_4)
        return [
            (n, ROLEPLAY_LEVELS[n], text) for n, text in zip(ROLEPLAY_LEVELS, texts, strict=True)
        ]


class RoleplayOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    NOT_YET = "not_yet", "Not yet"


class RoleplayAssessment(models.Model):
    """An in-person scenario exercise as a trainer recorded it. The rubric as it stood is kept in
    `rubric_snapshot`; `ratings` maps criterion ids (as strings) to a level from 1 to 4."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roleplay_assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roleplays_assessed"
    )
    assessor_name = models.CharField(max_length=200)
    assessor_role = models.CharField(max_length=200)
    scenario = models.ForeignKey(
        ScenarioPage, on_delete=models.PROTECT, related_name="roleplay_assessments"
    )
    rubric = models.ForeignKey(RoleplayRubric, on_delete=models.PROTECT, related_name="+")
    rubric_snapshot = models.JSONField(default=dict)
    ratings = models.JSONField(default=dict)
    notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=RoleplayOutcome.choices)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Role-play at {self.scenario_id} for {self.trainee_id}: {self.outcome}"


class ScenarioRequirement(models.Model):
    """What completes a scenario module beyond (or instead of) passing the online scenario.
    A scenario without one completes on a passed online attempt."""

    scenario = models.OneToOneField(
        ScenarioPage, on_delete=models.CASCADE, related_name="requirement"
    )
    online_required = models.BooleanField(
        "Online scenario required",
        default=True,
        help_text="The learner must pass the online scenario.",
    )
    require_coach_competent = models.BooleanField(
        "Coach must mark competent",
        default=False,
        help_text="A coach must mark a passed online attempt competent.",
    )
    require_roleplay = models.BooleanField(
        "Live role-play required",
        default=False,
        help_text="A trainer must record a passed in-person role-play against the rubric.",
    )
    rubric = models.ForeignKey(
        RoleplayRubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
        help_text="The rubric live role-plays of this scenario are assessed against.",
    )

    panels = [
        FieldPanel("scenario"),
        FieldPanel("online_required"),
        FieldPanel("require_coach_competent"),
        FieldPanel("require_roleplay"),
        FieldPanel("rubric"),
    ]

    class Meta:
        verbose_name = "scenario requirement"

    def __str__(self) -> str:
        return f"Requirements of {self.scenario}"

    def clean(self) -> None:
        errors = {}
        if not self.online_required and not self.require_roleplay:
            errors["require_roleplay"] = (
                "Require the online scenario, a live role-play, or both: otherwise nothing "
                "completes the module."
            )
        if self.require_coach_competent and not self.online_required:
            errors["require_coach_competent"] = (
                "Coaches review online attempts: require the online scenario too."
            )
        if self.require_roleplay and self.rubric_id is None:
            errors["rubric"] = "Choose the rubric the live role-play is assessed against."
        if errors:
            raise ValidationError(errors)

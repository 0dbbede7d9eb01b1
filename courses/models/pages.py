"""Authored, versioned curriculum content (STYLE.md §3)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from courses.blocks import RICH_TEXT_FEATURES, QuestionBlock, SectionBlock


class TrainingType(models.TextChoices):
    """The four kinds of training the policy brief names."""

    SKILLS = "skills", "Skills"
    PROTOCOL = "protocol", "Protocol"
    SCENARIO = "scenario", "Scenario"
    FIELD = "field", "Field"


class CurriculumIndexPage(Page):
    """The root of the curriculum: programs and protocols live under it."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.TrainingProgramPage", "courses.ProtocolPage"]
    max_count = 1

    def serve(self, request, *args, **kwargs):
        return redirect("home")


class TrainingProgramPage(Page):
    """An academy or refresher: an ordered set of modules, assigned to people by job role."""

    description = RichTextField(blank=True, features=RICH_TEXT_FEATURES)
    audience_roles = ParentalManyToManyField(
        "certificates.JobRole",
        blank=True,
        related_name="programs",
        help_text="People hired into, or moving into, these roles are assigned the program.",
    )
    organisations = ParentalManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="programs",
        help_text="Organisations that use this program. Leave empty for every organisation.",
    )
    due_in_days = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days from assignment (hire or move date) until the program is due.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("audience_roles"), FieldPanel("organisations"), FieldPanel("due_in_days")],
            heading="Who takes it",
        ),
        HelpPanel(content="Modules are the child pages of a program, taken in their tree order."),
    ]
    parent_page_types = ["courses.CurriculumIndexPage"]
    subpage_types = ["courses.ModulePage"]

    def serve(self, request, *args, **kwargs):
        return redirect("courses:program", pk=self.pk)


class ModulePage(Page):
    """A unit of training of one of the four types."""

    training_type = models.CharField(max_length=20, choices=TrainingType.choices)
    summary = models.TextField(blank=True)
    learning_objectives = models.TextField(
        blank=True, help_text="One objective per line, each starting with a verb."
    )
    competencies = ParentalManyToManyField("courses.Competency", blank=True, related_name="modules")
    estimated_minutes = models.PositiveIntegerField(default=30)
    ce_hours = models.DecimalField(
        "continuing-education hours", max_digits=5, decimal_places=2, default=0
    )
    required = models.BooleanField(
        default=True, help_text="Required modules must be completed to complete the program."
    )
    prerequisites = ParentalManyToManyField(
        "courses.ModulePage",
        blank=True,
        related_name="unlocks",
        help_text="Modules to complete before this one opens.",
    )
    protocol = models.ForeignKey(
        "courses.ProtocolPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="modules",
        help_text="Protocol modules: the protocol whose current version must be acknowledged.",
    )
    body = StreamField([("section", SectionBlock())], blank=True, use_json_field=True)
    questions = StreamField(
        [("question", QuestionBlock())],
        blank=True,
        use_json_field=True,
        help_text="The graded knowledge check at the end of the module.",
    )
    pass_mark = models.PositiveIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )
    attempts_allowed = models.PositiveIntegerField(
        default=3, help_text="Graded attempts a learner gets. 0 means unlimited."
    )
    shuffle_questions = models.BooleanField(default=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("training_type"),
                FieldPanel("summary"),
                FieldPanel("learning_objectives"),
                FieldPanel("competencies"),
                FieldPanel("estimated_minutes"),
                FieldPanel("ce_hours"),
                FieldPanel("required"),
                FieldPanel("prerequisites"),
                FieldPanel("protocol"),
            ],
            heading="About the module",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("questions"),
                FieldPanel("pass_mark"),
                FieldPanel("attempts_allowed"),
                FieldPanel("shuffle_questions"),
            ],
            heading="Graded knowledge check",
        ),
    ]
    parent_page_types = ["courses.TrainingProgramPage"]
    # A scenario module holds its branching scenario (defined by the scenarios app); a field
    # module holds its task book.
    subpage_types = ["scenarios.ScenarioPage", "courses.TaskBookPage"]

    @property
    def objectives(self) -> list[str]:
        return [line.strip() for line in self.learning_objectives.splitlines() if line.strip()]

    @property
    def section_count(self) -> int:
        return len(self.body)

    @property
    def has_quiz(self) -> bool:
        return len(self.questions) > 0

    def clean(self):
        super().clean()
        if self.training_type == TrainingType.PROTOCOL and not self.protocol_id:
            raise ValidationError({"protocol": "A protocol module names its protocol."})

    def serve(self, request, *args, **kwargs):
        return redirect("courses:module", pk=self.pk)

    def serve_preview(self, request, mode_name):
        """Authors preview the draft in the learner's player, one page with every section."""
        return TemplateResponse(
            request, "courses/module_preview.html", {"module": self, "page": self}
        )


class ProtocolPage(Page):
    """An operating protocol. Raising `version` marks a material change that everyone in the
    audience must re-acknowledge; edits that keep the version are corrections."""

    summary = models.TextField(blank=True)
    audience_roles = ParentalManyToManyField(
        "certificates.JobRole", blank=True, related_name="protocols"
    )
    body = StreamField([("section", SectionBlock())], blank=True, use_json_field=True)
    version = models.PositiveIntegerField(
        default=1,
        help_text=(
            "Raise the version when a change is material: on publishing, everyone in the "
            "audience is asked to re-acknowledge it."
        ),
    )
    change_summary = models.TextField(
        blank=True, help_text="What changed in this version, in a sentence or two."
    )
    acknowledgement_statement = models.TextField(
        default="I have read and understood this protocol and will follow it.",
    )
    reacknowledge_within_days = models.PositiveIntegerField(default=14)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("audience_roles"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("version"),
                FieldPanel("change_summary"),
                FieldPanel("acknowledgement_statement"),
                FieldPanel("reacknowledge_within_days"),
            ],
            heading="Version and acknowledgement",
        ),
    ]
    parent_page_types = ["courses.CurriculumIndexPage"]
    subpage_types = []

    def serve(self, request, *args, **kwargs):
        return redirect("courses:protocol", pk=self.pk)

    def serve_preview(self, request, mode_name):
        return TemplateResponse(
            request, "courses/protocol_preview.html", {"protocol": self, "page": self}
        )

"""StreamField blocks for branching scenarios. Steps are addressed by author-chosen keys."""

from django.core.validators import RegexValidator
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from courses.blocks import RICH_TEXT_FEATURES

KEY_HELP = "A short key such as arrive or call-911; choices name the step they lead to by it."
key_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,39}$", "Use lower-case letters, digits, -.")


class ChoiceBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=200)
    next_step = blocks.CharBlock(
        max_length=40, required=False, help_text="The key of the step this choice leads to."
    )
    feedback = blocks.TextBlock(required=False, help_text="Shown to the learner after choosing.")
    score = blocks.IntegerBlock(default=0, min_value=-100, max_value=100)
    competencies = blocks.ListBlock(
        SnippetChooserBlock("courses.Competency"), required=False, default=[]
    )
    critical = blocks.BooleanBlock(
        required=False,
        help_text="A critical error (e.g. leaving a person alone after naloxone) fails the run.",
    )


class StepBlock(blocks.StructBlock):
    key = blocks.CharBlock(max_length=40, validators=[key_validator], help_text=KEY_HELP)
    title = blocks.CharBlock(max_length=120)
    narrative = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    image = ImageChooserBlock(required=False)
    audio = DocumentChooserBlock(required=False, help_text="An optional audio file (MP3, M4A).")
    terminal = blocks.BooleanBlock(required=False, help_text="An ending: no choices.")
    outcome = blocks.TextBlock(required=False, help_text="Endings: what happened, in summary.")
    choices = blocks.ListBlock(ChoiceBlock(), required=False, default=[])

    class Meta:
        icon = "list-ul"
        label_format = "{key}: {title}"

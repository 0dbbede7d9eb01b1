"""StreamField blocks for module and protocol content, and for quiz questions."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "hr"]


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("note", "Note"), ("warning", "Warning"), ("safety", "Safety")], default="note"
    )
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "courses/blocks/callout.html"


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (a document) or an embedded one."""

    title = blocks.CharBlock()
    file = DocumentChooserBlock(required=False, help_text="An uploaded video file (MP4, WebM).")
    embed = EmbedBlock(required=False, help_text="Or the address of a hosted video.")
    transcript = blocks.TextBlock(required=False, help_text="A text alternative for the video.")

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"

    def clean(self, value):
        cleaned = super().clean(value)
        if not cleaned.get("file") and not cleaned.get("embed"):
            raise blocks.StructBlockValidationError(
                block_errors={"file": ["Upload a video file or give an embed address."]}
            )
        return cleaned


class ResourceBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    document = DocumentChooserBlock()
    description = blocks.TextBlock(required=False)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/resource.html"


class CheckOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock()
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.TextBlock(required=False)


class KnowledgeCheckBlock(blocks.StructBlock):
    """A formative question inside a section, answered on the server and not graded."""

    question = blocks.TextBlock()
    options = blocks.ListBlock(CheckOptionBlock(), min_num=2)

    class Meta:
        icon = "help"
        template = "courses/blocks/knowledge_check.html"


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock()

    class Meta:
        icon = "openquote"
        template = "courses/blocks/reflection.html"


class SectionContentBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    image = ImageChooserBlock(template="courses/blocks/image.html")
    video = VideoBlock()
    callout = CalloutBlock()
    resource = ResourceBlock()
    knowledge_check = KnowledgeCheckBlock()
    reflection = ReflectionBlock()


class SectionBlock(blocks.StructBlock):
    """One screen of a lesson: the player shows one section at a time."""

    heading = blocks.CharBlock()
    content = SectionContentBlock()

    class Meta:
        icon = "doc-empty"


class QuizOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock()
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.TextBlock(required=False, help_text="Shown after the attempt is graded.")


class QuestionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[
            ("single", "Single choice"),
            ("multiple", "Multiple choice"),
            ("true_false", "True / false"),
        ],
        default="single",
    )
    prompt = blocks.TextBlock()
    options = blocks.ListBlock(QuizOptionBlock(), min_num=2)

    class Meta:
        icon = "help"

    def clean(self, value):
        cleaned = super().clean(value)
        correct = [option for option in cleaned["options"] if option["correct"]]
        if not correct:
            raise blocks.StructBlockValidationError(
                block_errors={"options": ["Mark at least one option correct."]}
            )
        if cleaned["kind"] in ("single", "true_false") and len(correct) != 1:
            raise blocks.StructBlockValidationError(
                block_errors={"options": ["This kind of question has exactly one correct option."]}
            )
        if cleaned["kind"] == "true_false" and len(cleaned["options"]) != 2:
            raise blocks.StructBlockValidationError(
                block_errors={"options": ["A true/false question has exactly two options."]}
            )
        return cleaned


# --- Task books (field training) ----------------------------------------------------------------


class TaskBlock(blocks.StructBlock):
    """One task of a task book. Its stable id is the list item's id."""

    number = blocks.CharBlock(max_length=20, help_text="E.g. CR-07.")
    title = blocks.CharBlock(max_length=255, help_text="What the trainee does, as an imperative.")
    competency = SnippetChooserBlock("courses.Competency")
    standard = blocks.TextBlock(help_text="The performance standard the FTO judges against.")
    observations = blocks.IntegerBlock(
        min_value=1,
        max_value=50,
        default=1,
        help_text="Satisfactory observed performances needed.",
    )
    critical = blocks.BooleanBlock(required=False, help_text="A safety-critical task.")

    class Meta:
        icon = "tick-inverse"


class PhaseBlock(blocks.StructBlock):
    """A phase of field training, e.g. shadow, coached, lead with FTO present, solo evaluation."""

    name = blocks.CharBlock(max_length=120)
    weeks = blocks.IntegerBlock(min_value=1, max_value=52, default=2)
    expected_hours = blocks.IntegerBlock(
        min_value=1, max_value=2000, help_text="Field hours a trainee on schedule logs."
    )
    description = blocks.TextBlock(required=False)
    completes_module = blocks.PageChooserBlock(
        page_type="courses.ModulePage",
        required=False,
        help_text=(
            "Another field module of the program that this phase's approval completes (e.g. a "
            "separate reverse-shadow module). The task book's own module completes at release."
        ),
    )
    tasks = blocks.ListBlock(TaskBlock())

    class Meta:
        icon = "list-ol"


class EvaluationCategoryBlock(blocks.StructBlock):
    """A standardized evaluation category rated on every Daily Observation Report."""

    name = blocks.CharBlock(max_length=120)
    description = blocks.TextBlock(
        required=False, help_text="What an acceptable rating looks like in this category."
    )
    competency_category = SnippetChooserBlock("courses.CompetencyCategory", required=False)

    class Meta:
        icon = "form"

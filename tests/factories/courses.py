"""Curriculum built through Wagtail's own API: pages are added to the tree, saved as a revision and
published, exactly as an author's "Publish" does (minus the admin's `after_publish_page` hook, so
protocol tests call `protocol_version_record` themselves)."""

import datetime
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

import factory
from wagtail.models import Page

from courses.models import (
    Assignment,
    Competency,
    CompetencyCategory,
    CurriculumIndexPage,
    ModulePage,
    ProtocolPage,
    TrainingProgramPage,
)
from courses.services.assignment import assignment_create
from lms.accounts.models import StaffProfile, User

# ---------------------------------------------------------------------------------------------
# StreamField raw data. Every block and every ListBlock item carries an explicit id, in the
# Wagtail >= 2.16 list format ({"type": "item", "value": ..., "id": ...}); with the legacy plain
# list format Wagtail would invent a new id for each option every time the value is loaded, and
# `courses.content.quiz_spec` would not give stable option ids.
# ---------------------------------------------------------------------------------------------


def _id() -> str:
    return str(uuid.uuid4())


def rich_text(*paragraphs: str) -> dict:
    return {
        "type": "rich_text",
        "value": "".join(f"<p>{text}</p>" for text in paragraphs),
        "id": _id(),
    }


def section(heading: str, *paragraphs: str) -> dict:
    """One body section whose content is one rich-text block of `paragraphs`."""
    return {
        "type": "section",
        "value": {"heading": heading, "content": [rich_text(*paragraphs)] if paragraphs else []},
        "id": _id(),
    }


def option(text: str, correct: bool = False, feedback: str = "") -> dict:
    return {
        "type": "item",
        "value": {"text": text, "correct": correct, "feedback": feedback},
        "id": _id(),
    }


def question(
    prompt: str,
    options: Sequence[tuple[str, bool]] = (("Right", True), ("Wrong", False)),
    *,
    kind: str = "single",
) -> dict:
    """A quiz question; `options` are (text, correct) pairs."""
    return {
        "type": "question",
        "value": {
            "kind": kind,
            "prompt": prompt,
            "options": [option(text, correct, f"Feedback on {text}") for text, correct in options],
        },
        "id": _id(),
    }


def body_sections(count: int, prefix: str = "Section") -> list[dict]:
    return [
        section(f"{prefix} {n + 1}", f"{prefix} {n + 1} first paragraph.", f"{prefix} {n + 1} end.")
        for n in range(count)
    ]


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def curriculum_index() -> CurriculumIndexPage:
    """The single curriculum root the data migration creates in every database."""
    return CurriculumIndexPage.objects.get(slug="curriculum")


def publish(page: Page) -> Page:
    """Save a revision of `page` and publish it; returns the page fresh from the database."""
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def _add(parent: Page, page: Page, *, live: bool) -> Page:
    page.live = False
    parent.add_child(instance=page)
    if live:
        return publish(page)
    page.save_revision()
    return type(page).objects.get(pk=page.pk)


_counter = iter(range(1, 10**9))


def program_page(
    title: str | None = None,
    *,
    roles: Sequence = (),
    organisations: Sequence = (),
    due_in_days: int = 30,
    live: bool = True,
) -> TrainingProgramPage:
    title = title or f"Program {next(_counter)}"
    program = TrainingProgramPage(title=title, due_in_days=due_in_days)
    program.audience_roles = list(roles)
    program.organisations = list(organisations)
    return _add(curriculum_index(), program, live=live)


def module_page(
    program: TrainingProgramPage,
    *,
    title: str | None = None,
    training_type: str = "skills",
    sections: int = 2,
    questions: list[dict] | None = None,
    n_questions: int = 2,
    pass_mark: int = 80,
    attempts_allowed: int = 3,
    protocol: ProtocolPage | None = None,
    required: bool = True,
    ce_hours: Decimal | str = "1.50",
    estimated_minutes: int = 45,
    shuffle_questions: bool = False,
    live: bool = True,
) -> ModulePage:
    """A module under `program`: `sections` body sections and a quiz of `questions` (raw blocks
    from `question()`) or, when not given, `n_questions` single-choice questions whose first
    option is the right one."""
    title = title or f"Module {next(_counter)}"
    if questions is None:
        questions = [question(f"{title} question {n + 1}?") for n in range(n_questions)]
    module = ModulePage(
        title=title,
        training_type=training_type,
        body=body_sections(sections, prefix=title),
        questions=questions,
        pass_mark=pass_mark,
        attempts_allowed=attempts_allowed,
        protocol=protocol,
        required=required,
        ce_hours=Decimal(ce_hours),
        estimated_minutes=estimated_minutes,
        shuffle_questions=shuffle_questions,
    )
    return _add(program, module, live=live)


DEFAULT_PROTOCOL_PARAGRAPHS = (
    "Check the scene is safe before approaching.",
    "Introduce yourself and your role.",
    "Call dispatch if anyone is in immediate danger.",
)


def protocol_page(
    title: str | None = None,
    *,
    roles: Sequence = (),
    version: int = 1,
    paragraphs: Sequence[str] = DEFAULT_PROTOCOL_PARAGRAPHS,
    statement: str = "I have read and understood this protocol and will follow it.",
    reacknowledge_within_days: int = 14,
    live: bool = True,
) -> ProtocolPage:
    """A protocol with one section of `paragraphs`, published (but not yet recorded)."""
    title = title or f"Protocol {next(_counter)}"
    protocol = ProtocolPage(
        title=title,
        version=version,
        body=[section("Procedure", *paragraphs)],
        acknowledgement_statement=statement,
        reacknowledge_within_days=reacknowledge_within_days,
        change_summary="First version.",
    )
    protocol.audience_roles = list(roles)
    return _add(curriculum_index(), protocol, live=live)


def edit_and_publish(page: Page, **changes) -> Page:
    """An author's edit of the live page, published as a new revision."""
    page = type(page).objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    return publish(page)


def raise_protocol_version(
    protocol: ProtocolPage,
    *,
    body_change: Sequence[str] | Callable[[list[str]], list[str]] | None = None,
    change_summary: str = "A material change.",
) -> ProtocolPage:
    """Publish the next version. `body_change` is the new paragraph list of the procedure
    section, or a function from the current paragraphs to the new ones."""
    protocol = ProtocolPage.objects.get(pk=protocol.pk)
    changes: dict = {"version": protocol.version + 1, "change_summary": change_summary}
    if body_change is not None:
        if callable(body_change):
            current = protocol_paragraphs(protocol)
            body_change = body_change(current)
        changes["body"] = [section("Procedure", *body_change)]
    return edit_and_publish(protocol, **changes)


def protocol_paragraphs(protocol: ProtocolPage) -> list[str]:
    """The paragraphs of the first section, as `protocol_page` and `raise_protocol_version`
    write them."""
    from courses.content import html_paragraphs

    content = protocol.body[0].value["content"]
    return [text for block in content for text in html_paragraphs(block.value.source)]


# ---------------------------------------------------------------------------------------------
# Records (through the services, STYLE.md §7)
# ---------------------------------------------------------------------------------------------


def assign(
    *,
    actor: User,
    profile: StaffProfile,
    program: TrainingProgramPage,
    due_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Assignment:
    """A supervisor's assignment, through `assignment_create`."""
    now = now or datetime.datetime.now(tz=datetime.UTC)
    due_on = due_on or now.date() + datetime.timedelta(days=program.due_in_days)
    return assignment_create(actor=actor, profile=profile, program=program, due_on=due_on, now=now)


class CompetencyCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyCategory
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Competency area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")
    sort_order = factory.Sequence(lambda n: n)


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    category = factory.SubFactory(CompetencyCategoryFactory)
    name = factory.Sequence(lambda n: f"Competency {n}")

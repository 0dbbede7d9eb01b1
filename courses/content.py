"""Turning stored page content into the plain data the engines work on."""

import re
from html import unescape

from wagtail.models import Revision

from .engines import OptionSpec, QuestionSpec

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|div)>|<br\s*/?>", re.IGNORECASE)


def _items(raw_list) -> list[tuple[str | None, dict]]:
    """(id, value) for ListBlock raw data in either of Wagtail's stored forms."""
    items = []
    for item in raw_list or []:
        if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
            items.append((item.get("id"), item["value"]))
        else:
            items.append((None, item))
    return items


def quiz_spec(module) -> list[QuestionSpec]:
    """The questions of a module (live page or a revision's object) with stable ids.

    Ids come from the stored data, so every read of the same revision gives the same ids;
    content stored without ids (not what the admin writes) falls back to positions."""
    questions = []
    for q_index, raw in enumerate(module.questions.raw_data):
        value = raw["value"]
        question_id = raw.get("id") or f"q{q_index}"
        options = tuple(
            OptionSpec(
                id=option_id or f"{question_id}-o{o_index}",
                text=option["text"],
                correct=bool(option.get("correct")),
                feedback=option.get("feedback") or "",
            )
            for o_index, (option_id, option) in enumerate(_items(value["options"]))
        )
        questions.append(
            QuestionSpec(
                id=str(question_id), kind=value["kind"], prompt=value["prompt"], options=options
            )
        )
    return questions


def html_paragraphs(html: str) -> list[str]:
    text = _BLOCK_END.sub("\n", html)
    text = unescape(_TAG.sub("", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


def body_paragraphs(page) -> list[str]:
    """Readable paragraphs of a page's sectioned body, headings included, for change listings."""
    paragraphs: list[str] = []
    for section in page.body:
        paragraphs.append(f"Section: {section.value['heading']}")
        for child in section.value["content"]:
            if child.block_type == "rich_text":
                paragraphs.extend(html_paragraphs(child.value.source))
            elif child.block_type == "callout":
                paragraphs.extend(
                    f"{child.value['kind'].title()}: {line}"
                    for line in html_paragraphs(child.value["text"].source)
                )
            elif child.block_type in ("reflection",):
                paragraphs.append(f"Reflect: {child.value['prompt']}")
    return paragraphs


def revision_object(revision: Revision):
    return revision.as_object()

"""Pure functions over plain data: quiz grading and protocol change listings (STYLE.md §2)."""

import difflib
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class OptionSpec:
    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    kind: str  # single, multiple, true_false
    prompt: str
    options: tuple[OptionSpec, ...]

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)


class InvalidAnswers(ValueError):
    """A submission that does not fit the quiz it claims to answer."""


@dataclass(frozen=True)
class QuestionResult:
    question: QuestionSpec
    chosen: frozenset[str]
    correct: bool


@dataclass(frozen=True)
class Grade:
    score: Decimal  # percent, two decimals
    passed: bool
    results: tuple[QuestionResult, ...]


def grade_quiz(
    questions: list[QuestionSpec], answers: dict[str, list[str]], *, pass_mark: int
) -> Grade:
    """Grade `answers` (question id -> chosen option ids) against `questions`.

    Every question must be answered; an option must belong to its question; single-choice and
    true/false questions take exactly one option. A multiple-choice question is right only when
    the chosen set equals the correct set.
    """
    if not questions:
        raise InvalidAnswers("This module has no questions to answer.")
    by_id = {question.id: question for question in questions}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise InvalidAnswers("The submission answers questions that are not in this quiz.")
    results = []
    for question in questions:
        chosen = answers.get(question.id) or []
        if not chosen:
            raise InvalidAnswers(f"Answer every question (missing: “{question.prompt[:60]}”).")
        chosen_set = frozenset(chosen)
        if len(chosen_set) != len(chosen):
            raise InvalidAnswers("An option was chosen twice.")
        valid = {option.id for option in question.options}
        if not chosen_set <= valid:
            raise InvalidAnswers("An answer names an option that does not belong to its question.")
        if question.kind != "multiple" and len(chosen_set) != 1:
            raise InvalidAnswers("Choose exactly one option for single-choice questions.")
        results.append(QuestionResult(question, chosen_set, chosen_set == question.correct_ids))
    right = sum(1 for result in results if result.correct)
    score = (Decimal(right) * 100 / len(questions)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Grade(score=score, passed=score >= pass_mark, results=tuple(results))


def question_order(
    questions: list[QuestionSpec], *, shuffle: bool, seed: str
) -> list[QuestionSpec]:
    """The order a learner sees: shuffled per attempt (seeded, so a reload shows the same)."""
    ordered = list(questions)
    if shuffle:
        random.Random(seed).shuffle(ordered)  # noqa: S311 - presentation order, not security  # nosec B311
    return ordered


@dataclass(frozen=True)
class ChangeLine:
    kind: str  # "added", "removed", "same"
    text: str


def paragraph_changes(before: list[str], after: list[str]) -> list[ChangeLine]:
    """A readable diff of two texts given as paragraphs: what was added and removed."""
    lines: list[ChangeLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(ChangeLine("same", text) for text in before[i1:i2])
            continue
        lines.extend(ChangeLine("removed", text) for text in before[i1:i2])
        lines.extend(ChangeLine("added", text) for text in after[j1:j2])
    return lines

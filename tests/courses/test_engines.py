"""The pure curriculum engines: quiz grading, question order, protocol change listings."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.engines import (
    InvalidAnswers,
    OptionSpec,
    QuestionSpec,
    grade_quiz,
    paragraph_changes,
    question_order,
)


def _question(qid: str, correct: set[int], *, kind: str = "single", n_options: int = 3):
    options = tuple(
        OptionSpec(id=f"{qid}-o{i}", text=f"Option {i}", correct=i in correct)
        for i in range(n_options)
    )
    return QuestionSpec(id=qid, kind=kind, prompt=f"Question {qid}?", options=options)


@pytest.fixture
def quiz() -> list[QuestionSpec]:
    return [
        _question("q1", {0}),
        _question("q2", {1, 2}, kind="multiple", n_options=4),
        _question("q3", {1}, kind="true_false", n_options=2),
        _question("q4", {2}),
    ]


def _right(quiz) -> dict[str, list[str]]:
    return {q.id: sorted(q.correct_ids) for q in quiz}


def test_all_right_scores_100_and_passes(quiz):
    grade = grade_quiz(quiz, _right(quiz), pass_mark=80)
    assert grade.score == Decimal("100.00")
    assert grade.passed
    assert all(result.correct for result in grade.results)
    assert [result.question.id for result in grade.results] == ["q1", "q2", "q3", "q4"]


def test_partial_score_is_the_share_of_right_questions(quiz):
    answers = _right(quiz) | {"q1": ["q1-o1"]}
    grade = grade_quiz(quiz, answers, pass_mark=75)
    assert grade.score == Decimal("75.00")
    assert grade.passed  # exactly the pass mark passes
    assert not grade_quiz(quiz, answers, pass_mark=76).passed
    assert [r.correct for r in grade.results] == [False, True, True, True]


def test_score_is_rounded_to_two_decimals():
    three = [_question(f"q{i}", {0}) for i in range(3)]
    answers = {"q0": ["q0-o0"], "q1": ["q1-o1"], "q2": ["q2-o1"]}
    assert grade_quiz(three, answers, pass_mark=50).score == Decimal("33.33")
    answers["q1"] = ["q1-o0"]
    assert grade_quiz(three, answers, pass_mark=50).score == Decimal("66.67")


@pytest.mark.parametrize(
    "chosen",
    [["q2-o1"], ["q2-o1", "q2-o2", "q2-o3"], ["q2-o0", "q2-o1"], ["q2-o3"]],
    ids=["subset", "superset", "one-wrong-swapped", "disjoint"],
)
def test_multiple_choice_needs_the_exact_set(quiz, chosen):
    grade = grade_quiz(quiz, _right(quiz) | {"q2": chosen}, pass_mark=50)
    assert not grade.results[1].correct
    assert grade.score == Decimal("75.00")


def test_multiple_choice_order_of_options_does_not_matter(quiz):
    grade = grade_quiz(quiz, _right(quiz) | {"q2": ["q2-o2", "q2-o1"]}, pass_mark=50)
    assert grade.results[1].correct


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"q9": ["q1-o0"]}, "not in this quiz"),
        ({"q1": ["q4-o0"]}, "does not belong"),
        ({"q1": ["nonsense"]}, "does not belong"),
        ({"q1": ["q1-o0", "q1-o1"]}, "exactly one"),
        ({"q3": ["q3-o0", "q3-o1"]}, "exactly one"),
        ({"q2": ["q2-o1", "q2-o1"]}, "chosen twice"),
        ({"q1": []}, "Answer every question"),
    ],
    ids=[
        "unknown-question",
        "option-of-another-question",
        "unknown-option",
        "two-options-single",
        "two-options-true-false",
        "duplicate-option",
        "empty-answer",
    ],
)
def test_answers_that_do_not_fit_are_refused(quiz, change, message):
    with pytest.raises(InvalidAnswers, match=message):
        grade_quiz(quiz, _right(quiz) | change, pass_mark=80)


def test_a_missing_answer_is_refused(quiz):
    answers = _right(quiz)
    del answers["q3"]
    with pytest.raises(InvalidAnswers, match="Answer every question"):
        grade_quiz(quiz, answers, pass_mark=80)


def test_a_quiz_without_questions_cannot_be_graded():
    with pytest.raises(InvalidAnswers):
        grade_quiz([], {}, pass_mark=80)


def test_question_order_is_a_seeded_permutation():
    questions = [_question(f"q{i}", {0}) for i in range(12)]
    first = question_order(questions, shuffle=True, seed="attempt-1")
    assert first == question_order(questions, shuffle=True, seed="attempt-1")
    assert sorted(q.id for q in first) == sorted(q.id for q in questions)
    orders = {
        tuple(q.id for q in question_order(questions, shuffle=True, seed=f"s{n}")) for n in range(5)
    }
    assert len(orders) > 1  # different seeds give different orders
    assert question_order(questions, shuffle=False, seed="attempt-1") == questions
    assert [q.id for q in questions] == [f"q{i}" for i in range(12)]  # input left alone


def test_paragraph_changes_lists_added_and_removed():
    before = ["## Procedure", "Check the scene.", "Call dispatch.", "Leave a card."]
    after = ["## Procedure", "Check the scene.", "Call dispatch on channel 2.", "Leave a card."]
    assert [(line.kind, line.text) for line in paragraph_changes(before, after)] == [
        ("same", "## Procedure"),
        ("same", "Check the scene."),
        ("removed", "Call dispatch."),
        ("added", "Call dispatch on channel 2."),
        ("same", "Leave a card."),
    ]


def test_paragraph_changes_of_identical_texts_are_all_same():
    text = ["One.", "Two."]
    assert {line.kind for line in paragraph_changes(text, text)} == {"same"}
    assert paragraph_changes([], []) == []


# --- properties ------------------------------------------------------------------------------


@st.composite
def quizzes(draw):
    questions = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(["single", "multiple", "true_false"]))
        n_options = 2 if kind == "true_false" else draw(st.integers(min_value=2, max_value=5))
        if kind == "multiple":
            correct = draw(st.sets(st.integers(0, n_options - 1), min_size=1, max_size=n_options))
        else:
            correct = {draw(st.integers(0, n_options - 1))}
        questions.append(_question(f"q{n}", correct, kind=kind, n_options=n_options))
    return questions


@st.composite
def quiz_with_answers(draw):
    questions = draw(quizzes())
    answers = {}
    for q in questions:
        ids = [o.id for o in q.options]
        if q.kind == "multiple":
            chosen = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        else:
            chosen = [draw(st.sampled_from(ids))]
        answers[q.id] = chosen
    return questions, answers


@given(quiz_with_answers(), st.integers(min_value=1, max_value=100))
def test_any_valid_answers_grade_between_0_and_100(quiz_and_answers, pass_mark):
    questions, answers = quiz_and_answers
    grade = grade_quiz(questions, answers, pass_mark=pass_mark)
    assert Decimal(0) <= grade.score <= Decimal(100)
    assert grade.passed == (grade.score >= pass_mark)
    assert len(grade.results) == len(questions)
    right = sum(r.correct for r in grade.results)
    assert (right == len(questions)) == (grade.score == 100)
    assert (right == 0) == (grade.score == 0)


@given(quizzes(), st.integers(min_value=1, max_value=100))
def test_the_correct_ids_always_score_100(questions, pass_mark):
    grade = grade_quiz(
        questions, {q.id: list(q.correct_ids) for q in questions}, pass_mark=pass_mark
    )
    assert grade.score == Decimal(100)
    assert grade.passed


paragraph_lists = st.lists(st.sampled_from(["A.", "B.", "C.", "D.", "E.", "## H"]), max_size=12)


@given(paragraph_lists, paragraph_lists)
def test_paragraph_changes_rebuild_both_texts(before, after):
    lines = paragraph_changes(before, after)
    assert [line.text for line in lines if line.kind in ("same", "added")] == after
    assert [line.text for line in lines if line.kind in ("same", "removed")] == before
    assert {line.kind for line in lines} <= {"same", "added", "removed"}

"""Paper backups of field training records: what they print, that people's text prints as
literal text (never as reportlab markup), the same bytes for the same data, and a query count
that does not grow with the record."""

import datetime
import shutil
import subprocess
import uuid

import pytest
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.platypus import KeepTogether, Paragraph, Table

from courses.field import pdf as field_pdf
from courses.field.engine import ScaleSpec
from courses.services import field as services
from tests.factories.certificates import JobRoleFactory
from tests.factories.field import (
    complete_phase,
    observe,
    ratings_for,
    report,
    shift,
    start,
    task_book_page,
)

GENERATED_AT = datetime.datetime(2025, 3, 14, 16, 30, tzinfo=datetime.UTC)
HOSTILE = 'Stood in the doorway.\n<img src="/etc/passwd"/> <b>not bold</b> <font size=90>big</font>'
UNICODE = "“Smart quotes”, café — and a dash"


def plain_texts(flowables) -> list[str]:
    """The text of every paragraph as reportlab parsed it (what will be printed)."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, Paragraph):
            found.append(item.getPlainText())
        elif isinstance(item, Table):
            for row in item._cellvalues:
                walk(row)
        elif isinstance(item, KeepTogether):
            walk(item._content)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)

    walk(flowables)
    return found


def printed(flowables) -> str:
    return "\n".join(plain_texts(flowables))


@pytest.fixture
def training(city):
    trainee = city.learner
    trainee.job_role = JobRoleFactory(name="Community responder")
    trainee.save()
    trainee.user.first_name = "Zoë"
    trainee.user.last_name = "O\N{RIGHT SINGLE QUOTATION MARK}Brien <i>Jr</i>"
    trainee.user.save()
    return start(trainee=trainee, supervisor=city.supervisor.user, fto=city.fto.user)


def _task_ids(training, phase=0):
    return [task["id"] for task in training.spec["phases"][phase]["tasks"]]


@pytest.fixture
def full_record(city, training):
    """Shifts, a hostile DOR, observations with a correction, an extension and a phase decided."""
    shift(training)
    shift(training)
    dor = report(training, value=1, narrative=HOSTILE)
    first_task = _task_ids(training)[0]
    wrong = observe(training, first_task)
    services.task_observation_sign(
        fto=city.fto.user,
        training=training,
        task_id=first_task,
        observed_on=wrong.observed_on,
        context="ride_along",
        satisfactory=False,
        notes='<img src="/etc/passwd"/> left the radio in the car',
        supersedes=wrong,
        correction_reason="<font size=90>Wrong shift</font> — recorded twice",
        request_key=uuid.uuid4(),
    )
    services.phase_extend(
        supervisor=city.supervisor.user,
        training=training,
        days=10,
        reason=f"Radio <b>practice</b>. {UNICODE}",
        request_key=uuid.uuid4(),
    )
    complete_phase(training)
    services.phase_recommend(
        fto=city.fto.user, training=training, comment=UNICODE, request_key=uuid.uuid4()
    )
    services.phase_approve(
        supervisor=city.supervisor.user,
        training=training,
        comment="Approved <script>x</script>",
        request_key=uuid.uuid4(),
    )
    training.refresh_from_db()
    return training, dor


# --- Task book ---------------------------------------------------------------------------------


def test_task_book_is_a_pdf_and_the_same_bytes_for_the_same_data(full_record):
    training, _ = full_record
    first = field_pdf.task_book_pdf(training, generated_at=GENERATED_AT)
    second = field_pdf.task_book_pdf(training, generated_at=GENERATED_AT)
    assert first.startswith(b"%PDF")
    assert first == second


def test_task_book_prints_the_cover_phases_sign_offs_and_decisions(full_record):
    training, _ = full_record
    document = field_pdf.task_book_document(training, generated_at=GENERATED_AT)
    text = printed(document.story)
    assert "Zoë O\N{RIGHT SINGLE QUOTATION MARK}Brien <i>Jr</i>" in text
    assert "Community responder" in text
    assert f"Revision {training.revision_id}" in text
    assert "Office of Community Safety" in text
    assert "Phase 1: Shadow" in text
    assert "Phase 2: Lead" in text
    assert "24.00 h in 3 shifts" in text  # the DOR's shift and two more, all in phase 1
    assert "2 weeks + 10 days extension" in text
    assert "corrected (superseded; not counted)" in text
    assert "correction of #" in text
    assert "Recommendation to end the phase" in text
    assert "Approval of the end of the phase" in text
    assert "(America/Denver)" in text
    assert "The trainee has not been released to solo duty." in text
    assert document.pagesize == LETTER  # a US city prints on Letter
    assert "Zoë" in document.footer.trainee


def test_task_book_prints_hostile_text_literally(full_record):
    training, _ = full_record
    story = field_pdf.task_book_document(training, generated_at=GENERATED_AT).story
    text = printed(story)
    assert '<img src="/etc/passwd"/> left the radio in the car' in text
    assert "<font size=90>Wrong shift</font> — recorded twice" in text
    assert f"Radio <b>practice</b>. {UNICODE}" in text
    assert "Approved <script>x</script>" in text
    for paragraph in _paragraphs(story):
        assert "<img" not in paragraph.text
        assert "<font" not in paragraph.text


def test_task_book_counts_satisfactory_observations_without_corrected_ones(city, training):
    first, second = _task_ids(training)
    original = observe(training, first)
    observe(training, first)
    services.task_observation_sign(
        fto=city.fto.user,
        training=training,
        task_id=first,
        observed_on=original.observed_on,
        context="ride_along",
        satisfactory=False,
        supersedes=original,
        correction_reason="Recorded against the wrong shift.",
        request_key=uuid.uuid4(),
    )
    observe(training, second)
    story = field_pdf.task_book_document(training, generated_at=GENERATED_AT).story
    table = next(item for item in story if isinstance(item, Table) and _is_task_table(item))
    counts = {
        plain_texts(row[0])[0]: plain_texts(row[7])[0]
        for row in table._cellvalues[2:]
        if row[0] != ""
    }
    assert counts == {"T-01": "1", "T-02": "1"}
    assert services.satisfactory_counts(training) == {first: 1, second: 1}


def test_task_book_queries_do_not_grow_with_the_record(training, django_assert_max_num_queries):
    tasks = _task_ids(training)
    shift(training)
    for n in range(3):
        observe(training, tasks[n % len(tasks)])
    with django_assert_max_num_queries(5) as few:
        field_pdf.task_book_pdf(training, generated_at=GENERATED_AT)
    for _ in range(10):
        shift(training)
    for n in range(27):
        observe(training, tasks[n % len(tasks)], days_ago=1 + n % 5)
    with django_assert_max_num_queries(5) as many:
        pdf = field_pdf.task_book_pdf(training, generated_at=GENERATED_AT)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert pdf.startswith(b"%PDF")


# --- Daily Observation Report ------------------------------------------------------------------


def test_report_is_a_pdf_and_the_same_bytes_for_the_same_data(full_record):
    _, dor = full_record
    first = field_pdf.report_pdf(dor, generated_at=GENERATED_AT)
    assert first.startswith(b"%PDF")
    assert first == field_pdf.report_pdf(dor, generated_at=GENERATED_AT)


def test_report_prints_its_fields_ratings_and_signatures(full_record):
    _, dor = full_record
    document = field_pdf.report_document(dor, generated_at=GENERATED_AT)
    text = printed(document.story)
    assert f"Daily Observation Report No. {dor.number}" in text
    assert "CR-12" in text
    assert "8.00 h" in text
    assert "1 (not acceptable)" in text
    assert "Calm approach to an agitated man at the bus shelter." in text
    assert "FTO signature" in text
    assert "This Daily Observation Report is my true and complete evaluation" in text
    assert "Not yet acknowledged." in text
    assert "MDT (America/Denver)" in text or "MST (America/Denver)" in text


def test_report_prints_a_hostile_narrative_literally(full_record):
    _, dor = full_record
    story = field_pdf.report_document(dor, generated_at=GENERATED_AT).story
    texts = plain_texts(story)
    assert any(
        'Stood in the doorway.<img src="/etc/passwd"/> <b>not bold</b> <font size=90>big</font>'
        in text  # the line break is a <br/>, which has no text of its own
        for text in texts
    )
    narratives = [p for p in _paragraphs(story) if "/etc/passwd" in p.text]
    assert narratives
    for paragraph in narratives:
        assert paragraph.text.startswith("Stood in the doorway.<br/>&lt;img")
        assert "<b>" not in paragraph.text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not here")
def test_the_printed_pdf_shows_the_narrative_as_text(full_record, tmp_path):
    _, dor = full_record
    path = tmp_path / "dor.pdf"
    path.write_bytes(field_pdf.report_pdf(dor, generated_at=GENERATED_AT))
    result = subprocess.run(  # noqa: S603 - a fixed local tool on a file the test wrote
        ["pdftotext", "-raw", str(path), "-"],  # noqa: S607 - found on PATH by the skip above
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())  # the narrative column wraps
    assert '<img src="/etc/passwd"/> <b>not bold</b> <font size=90>big</font>' in text


def test_report_names_its_acknowledgement_and_its_correction(city, full_record):
    training, dor = full_record
    services.report_acknowledge(
        trainee=city.learner.user, report=dor, comment=UNICODE, request_key=uuid.uuid4()
    )
    correction = services.report_submit(
        fto=city.fto.user,
        training=training,
        ride_along=dor.ride_along,
        ratings=ratings_for(training, 4),
        most_satisfactory="Calm.",
        least_satisfactory="Late radio.",
        supersedes=dor,
        correction_reason="Rated the wrong <category>.",
        request_key=uuid.uuid4(),
    )
    original = printed(field_pdf.report_document(dor, generated_at=GENERATED_AT).story)
    assert "Trainee acknowledgement" in original
    assert UNICODE in original
    assert f"Superseded: DOR No. {correction.number}" in original
    assert "Rated the wrong <category>." in original
    corrected = printed(field_pdf.report_document(correction, generated_at=GENERATED_AT).story)
    assert f"supersedes DOR No. {dor.number}" in corrected
    assert "4 (acceptable)" in corrected


def test_report_queries_do_not_grow_with_its_ratings(city, django_assert_max_num_queries):
    small = start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)
    big = start(
        trainee=city.learner,
        supervisor=city.supervisor.user,
        fto=city.fto.user,
        task_book=task_book_page(
            title="Long form task book", categories=[f"Category {n}" for n in range(30)]
        ),
    )
    small_dor = report(small)
    big_dor = report(big, value=7, narrative="Excellent.")
    with django_assert_max_num_queries(4) as few:
        field_pdf.report_pdf(small_dor, generated_at=GENERATED_AT)
    with django_assert_max_num_queries(4) as many:
        field_pdf.report_pdf(big_dor, generated_at=GENERATED_AT)
    assert len(few.captured_queries) == len(many.captured_queries)


# --- Without the database ----------------------------------------------------------------------


def test_rating_labels_name_the_ends_and_the_acceptable_point():
    scale = ScaleSpec()
    assert field_pdf.rating_label(scale, 4) == "4 (acceptable)"
    assert field_pdf.rating_label(scale, 1) == "1 (not acceptable)"
    assert field_pdf.rating_label(scale, 7) == "7 (superior)"
    assert field_pdf.rating_label(scale, 5) == "5"
    assert field_pdf.rating_label(scale, None) == "—"


def test_paper_size_follows_the_organisation_country():
    assert field_pdf.page_size_for("America/Denver") == LETTER
    assert field_pdf.page_size_for("US/Mountain") == LETTER
    assert field_pdf.page_size_for("Europe/London") == A4
    assert field_pdf.page_size_for("America/Sao_Paulo") == A4


def test_markup_escapes_and_keeps_line_breaks():
    assert field_pdf.markup('a < b & <img src="x"/>\nnext') == (
        'a &lt; b &amp; &lt;img src="x"/&gt;<br/>next'
    )
    assert field_pdf.para("<b>x</b>").getPlainText() == "<b>x</b>"


# --- Helpers -----------------------------------------------------------------------------------


def _paragraphs(flowables) -> list[Paragraph]:
    found: list[Paragraph] = []

    def walk(item):
        if isinstance(item, Paragraph):
            found.append(item)
        elif isinstance(item, Table):
            walk(item._cellvalues)
        elif isinstance(item, KeepTogether):
            walk(item._content)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)

    walk(flowables)
    return found


def _is_task_table(table: Table) -> bool:
    head = table._cellvalues[0]
    return bool(plain_texts(head[:1])) and plain_texts(head[:1])[0] == "No."


def test_text_longer_than_a_page_runs_over_pages(training):
    # The longest narrative the service accepts (3,000 characters) in every category.
    narrative = ("Stood in the doorway and did not step back when asked. " * 60)[:3000]
    dor = report(training, value=1, narrative=narrative)
    document = field_pdf.report_document(dor, generated_at=GENERATED_AT)
    pieces = [t for t in plain_texts(document.story) if "did not step back" in t]
    assert len(pieces) >= 3 * 3  # three categories, each narrative down several table rows
    assert all(len(piece) <= field_pdf.CHUNK for piece in pieces)
    assert field_pdf.render(document).startswith(b"%PDF")  # no reportlab LayoutError

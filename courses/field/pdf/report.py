"""A single Daily Observation Report on paper, with the FTO's signature and the trainee's
acknowledgement."""

import datetime

from django.utils import timezone
from reportlab.platypus import Flowable, Spacer

from courses.field.engine import ScaleSpec, TaskBookSpec
from courses.field.pdf.document import Document, Footer, render
from courses.field.pdf.layout import (
    _content_width,
    _day,
    _fields,
    _fixed,
    _heading,
    _hours,
    _moment,
    _signature_block,
    _table,
    page_size_for,
    para,
    paras,
)
from courses.models import ObservationReport, Signoff, SignoffKind

SCALE_WORDS = {"minimum": "not acceptable", "acceptable": "acceptable", "maximum": "superior"}


def rating_label(scale: ScaleSpec, rating: int | None) -> str:
    """A rating with its place on the scale: "4 (acceptable)", "1 (not acceptable)"."""
    if rating is None:
        return "—"
    word = {
        scale.minimum: SCALE_WORDS["minimum"],
        scale.acceptable: SCALE_WORDS["acceptable"],
        scale.maximum: SCALE_WORDS["maximum"],
    }.get(rating)
    return f"{rating} ({word})" if word else str(rating)


def report_document(
    report: ObservationReport, *, generated_at: datetime.datetime | None = None
) -> Document:
    """One Daily Observation Report on paper, with the FTO's signature and the trainee's
    acknowledgement. Four queries."""
    report = (
        ObservationReport.objects.select_related(
            "training__organisation", "trainee", "fto", "ride_along", "supersedes", "superseded_by"
        )
        .prefetch_related("ratings", "ride_along__call_types")
        .get(pk=report.pk)
    )
    signatures = {
        s.kind: s
        for s in Signoff.objects.filter(
            subject_id=report.pk,
            kind__in=[SignoffKind.REPORT, SignoffKind.REPORT_ACKNOWLEDGEMENT],
        )
        .select_related("supersedes")
        .defer("payload", "supersedes__payload")
    }
    training = report.training
    spec = TaskBookSpec.from_json(training.spec)
    organisation = training.organisation
    zone = organisation.zone
    pagesize = page_size_for(organisation.time_zone)
    width = _content_width(pagesize)
    generated_at = generated_at or timezone.now()
    ride = report.ride_along
    trainee = report.trainee.display_name
    ratings = sorted(report.ratings.all(), key=lambda r: r.position)
    call_types = ", ".join(c.name for c in sorted(ride.call_types.all(), key=lambda c: c.name))

    story: list[Flowable] = [
        _fixed(f"Daily Observation Report No. {report.number}", "title"),
        para(f"{trainee} — {training.title}", "subtitle"),
    ]
    if report.supersedes_id:
        story.append(
            para(
                f"This report corrects and supersedes DOR No. {report.supersedes.number} "
                f"(shift of {_day(report.supersedes.shift_date)}). "
                f"Reason: {report.correction_reason}",
                "notice",
            )
        )
    successor = getattr(report, "superseded_by", None)
    if successor is not None:
        story.append(
            para(
                f"Superseded: DOR No. {successor.number} of "
                f"{_day(successor.created_at.astimezone(zone))} corrects this report. "
                f"Reason: {successor.correction_reason}",
                "notice",
            )
        )
    if len(story) > 2:
        story.append(Spacer(0, 6))
    story.append(
        _fields(
            [
                ("DOR number", str(report.number)),
                ("Shift date", _day(report.shift_date)),
                ("Phase", f"{report.phase_index + 1}: {report.phase_name}"),
                ("Shift start", _moment(ride.started_at, zone)),
                ("Shift end", _moment(ride.ended_at, zone)),
                ("Total hours", _hours(ride.hours)),
                ("Trainee", trainee),
                ("FTO", report.fto.display_name),
                ("Unit", ride.unit),
                ("Call types", call_types or "None recorded"),
            ],
            width,
        )
    )

    story += _heading("Ratings", "h1")
    scale = spec.scale
    rows = [
        [
            _fixed(h, "head")
            for h in ("Category", "Rating", "N.O.", "NRT", "Remedial (min)", "Narrative")
        ]
    ]
    for rating in ratings:
        rows.append(
            [
                para(rating.category_name, "cell"),
                para(rating_label(scale, rating.rating), "cell"),
                para("Yes" if rating.not_observed else "", "cell"),
                para("Yes" if rating.not_responding else "", "cell"),
                para(str(rating.remedial_minutes or ""), "cell"),
                paras(rating.narrative, "cell"),
            ]
        )
    story.append(_table(rows, [width * w for w in (0.19, 0.17, 0.06, 0.06, 0.1, 0.42)]))
    story += [
        Spacer(0, 3),
        para(
            f"Scale {scale.minimum} to {scale.maximum}: {scale.minimum} not acceptable, "
            f"{scale.acceptable} acceptable, {scale.maximum} superior; a rating at or below "
            f"{scale.narrative_at_or_below} or at or above {scale.narrative_at_or_above} needs "
            "a narrative. N.O. = not observed; NRT = not responding to training.",
            "small",
        ),
        *_heading("Most satisfactory performance"),
        para(report.most_satisfactory),
        *_heading("Least satisfactory performance"),
        para(report.least_satisfactory),
        *_heading("Comments"),
        para(report.comments or "None."),
    ]

    fto_signature = signatures.get(SignoffKind.REPORT)
    if fto_signature is None:
        story += [*_heading("FTO signature"), para("Not signed.", "notice")]
    else:
        story.append(_signature_block("FTO signature", fto_signature, zone, width))
    acknowledgement = signatures.get(SignoffKind.REPORT_ACKNOWLEDGEMENT)
    if acknowledgement is None:
        story += [*_heading("Trainee acknowledgement"), para("Not yet acknowledged.")]
    else:
        story.append(_signature_block("Trainee acknowledgement", acknowledgement, zone, width))

    return Document(
        title=f"Daily Observation Report No. {report.number} — {trainee}",
        author=organisation.name,
        pagesize=pagesize,
        story=story,
        footer=Footer(
            trainee=trainee,
            document=f"DOR No. {report.number}, {_day(report.shift_date)}",
            generated=_moment(generated_at, zone),
        ),
    )


def report_pdf(
    report: ObservationReport, *, generated_at: datetime.datetime | None = None
) -> bytes:
    """A Daily Observation Report as a printable PDF (see `report_document`)."""
    return render(report_document(report, generated_at=generated_at))

"""A staff member's training transcript on paper: completed programs and their modules with
dates and hours, hours by training type (with totals), scenarios played, field training (hours
by phase and the release), and every credential with its status on the day it was generated.

`transcript_story` reads the records in a fixed number of queries, whatever their number, and
returns the flowables (tests read exactly what will be printed); `transcript_pdf` renders them,
byte for byte the same for the same records and `generated_at`. People's text is escaped."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from certificates.models import Credential
from certificates.pdf.common import (
    BRAND,
    BRAND_DARK,
    MARGIN,
    MUTED,
    Story,
    day,
    markup,
    render_story,
)
from certificates.pdf.common import fonts as sans_fonts
from certificates.selectors.common import status_label
from certificates.services.earning import credential_status
from courses import selectors as course_selectors
from courses.field.engine import TaskBookSpec
from courses.field.pdf import page_size_for
from courses.models import (
    Assignment,
    FieldTraining,
    ModuleProgress,
    RideAlong,
    Signoff,
    SignoffKind,
    TrainingType,
)
from lms.accounts.models import StaffProfile
from scenarios.models import AttemptStatus, ScenarioAttempt

_LINE = colors.HexColor("#8c96a0")
_HEAD = colors.HexColor("#e3eef0")


def _styles() -> dict[str, ParagraphStyle]:
    f = sans_fonts()
    body = ParagraphStyle("t-body", fontName=f.regular, fontSize=9, leading=11.5)
    return {
        "body": body,
        "title": ParagraphStyle(
            "t-title", body, fontName=f.bold, fontSize=18, leading=22, textColor=BRAND_DARK
        ),
        "subtitle": ParagraphStyle("t-sub", body, fontSize=10.5, leading=14, textColor=MUTED),
        "h1": ParagraphStyle(
            "t-h1",
            body,
            fontName=f.bold,
            fontSize=12.5,
            leading=16,
            spaceBefore=12,
            spaceAfter=4,
            textColor=BRAND,
        ),
        "h2": ParagraphStyle(
            "t-h2", body, fontName=f.bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2
        ),
        "cell": ParagraphStyle("t-cell", body, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("t-head", body, fontName=f.bold, fontSize=8.5, leading=10.5),
        "num": ParagraphStyle("t-num", body, fontSize=8.5, leading=10.5, alignment=2),
        "numhead": ParagraphStyle(
            "t-numhead", body, fontName=f.bold, fontSize=8.5, leading=10.5, alignment=2
        ),
        "note": ParagraphStyle("t-note", body, fontSize=8, leading=10, textColor=MUTED),
    }


def _p(text, style: str = "cell") -> Paragraph:
    """A paragraph of any text, escaped."""
    return Paragraph(markup(text), _styles()[style])


def _table(header: list[str], rows: list[list], widths: list[float], numeric=(), total=None):
    """A ruled table whose header repeats on every page; `numeric` columns align right;
    `total` is a last row in bold."""
    styles = _styles()
    head = [
        Paragraph(markup(text), styles["numhead" if n in numeric else "head"])
        for n, text in enumerate(header)
    ]
    body = [
        [
            cell if isinstance(cell, Flowable) else _p(cell, "num" if n in numeric else "cell")
            for n, cell in enumerate(row)
        ]
        for row in rows
    ]
    if total is not None:
        body.append(
            [
                Paragraph(markup(cell), styles["numhead" if n in numeric else "head"])
                for n, cell in enumerate(total)
            ]
        )
    table = Table([head, *body], colWidths=widths, repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _LINE),
        ("BOX", (0, 0), (-1, -1), 0.4, _LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total is not None:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.9, BRAND))
    table.setStyle(TableStyle(commands))
    return table


def _heading(text: str) -> list[Flowable]:
    return [CondPageBreak(70), Paragraph(markup(text), _styles()["h1"])]


def _hours(value: Decimal) -> str:
    return f"{value:.1f}"


def _local_day(moment: datetime.datetime | None, zone) -> str:
    return day(moment.astimezone(zone).date()) if moment else "—"


@dataclass(frozen=True)
class _ProgramBlock:
    assignment: Assignment | None
    modules: list[ModuleProgress]


def _program_blocks(user, completed: list[ModuleProgress]) -> list[_ProgramBlock]:
    """Completed modules grouped under the programs the person was assigned (a module belongs to
    the program whose page is its ancestor); modules outside them come last. Two queries."""
    assignments = list(
        Assignment.objects.filter(user=user)
        .select_related("program")
        .only(
            "program_title",
            "assigned_on",
            "due_on",
            "completed_at",
            "ended_at",
            "program__path",
        )
        .order_by("assigned_on", "pk")
    )
    paths = dict(
        ModuleProgress.objects.filter(pk__in=[row.pk for row in completed]).values_list(
            "pk", "module__path"
        )
    )
    blocks = {a.pk: _ProgramBlock(a, []) for a in assignments}
    other = _ProgramBlock(None, [])
    for row in sorted(completed, key=lambda r: (r.completed_at, r.pk)):
        path = paths.get(row.pk, "")
        owner = next(
            (a for a in assignments if path.startswith(a.program.path) and path != a.program.path),
            None,
        )
        (blocks[owner.pk] if owner else other).modules.append(row)
    result = list(blocks.values())
    if other.modules:
        result.append(other)
    return result


def _field_trainings(user) -> list[tuple[FieldTraining, TaskBookSpec, dict, Signoff | None]]:
    """Each field training with its hours by phase and its release (three queries)."""
    trainings = list(
        FieldTraining.objects.filter(trainee=user)
        .only("title", "spec", "started_on", "status", "released_at", "phase_index")
        .order_by("started_on", "pk")
    )
    ids = [t.pk for t in trainings]
    hours: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for ride in RideAlong.objects.filter(training_id__in=ids).only(
        "training_id", "phase_index", "started_at", "ended_at"
    ):
        hours[ride.training_id][ride.phase_index] += ride.hours
    releases = {
        s.training_id: s
        for s in Signoff.objects.filter(training_id__in=ids, kind=SignoffKind.RELEASE)
        .only("training_id", "signer_name", "signer_role", "signed_at", "time_zone")
        .order_by("sequence")
    }
    return [(t, TaskBookSpec.from_json(t.spec), hours[t.pk], releases.get(t.pk)) for t in trainings]


def transcript_story(
    profile: StaffProfile, *, generated_at: datetime.datetime | None = None
) -> Story:
    """The transcript of `profile`'s person, as of `generated_at` (default now)."""
    generated_at = generated_at or timezone.now()
    profile = StaffProfile.objects.select_related("user", "organisation", "job_role").get(
        pk=profile.pk
    )
    user, organisation = profile.user, profile.organisation
    zone = organisation.zone
    today = generated_at.astimezone(zone).date()
    pagesize = page_size_for(organisation.time_zone)
    width = pagesize[0] - 2 * MARGIN
    styles = _styles()
    summary = course_selectors.transcript(user=user)
    story: list[Flowable] = [
        Paragraph("Training transcript", styles["title"]),
        _p(user.display_name, "h2"),
        _p(
            " · ".join(
                part
                for part in (
                    organisation.name,
                    profile.job_role.name if profile.job_role else "",
                    f"Employee id {profile.employee_id}" if profile.employee_id else "",
                    f"Hired {day(profile.hire_date)}",
                )
                if part
            ),
            "subtitle",
        ),
        Spacer(1, 2 * mm),
    ]

    # Hours by training type, with totals.
    story += _heading("Hours by training type")
    story.append(
        _table(
            ["Training type", "Modules", "Hours", "CE hours"],
            [
                [label, str(n), _hours(hours), f"{ce:.2f}"]
                for label, hours, ce, n in summary.hours_by_type
            ],
            [width * 0.52, width * 0.16, width * 0.16, width * 0.16],
            numeric=(1, 2, 3),
            total=[
                "Total",
                str(len(summary.rows)),
                _hours(summary.total_hours),
                f"{summary.total_ce_hours:.2f}",
            ],
        )
    )

    # Programs and their modules.
    story += _heading("Programs and modules")
    types = dict(TrainingType.choices)
    blocks = _program_blocks(user, summary.rows)
    if not any(block.modules or block.assignment for block in blocks):
        story.append(_p("No programs assigned and no modules completed.", "body"))
    for block in blocks:
        a = block.assignment
        if a is None:
            story.append(_p("Other completed modules", "h2"))
        else:
            if a.completed_at:
                state = f"completed {_local_day(a.completed_at, zone)}"
            elif a.ended_at:
                state = f"ended {_local_day(a.ended_at, zone)}"
            else:
                state = f"due {day(a.due_on)}"
            story.append(_p(a.program_title, "h2"))
            story.append(_p(f"Assigned {day(a.assigned_on)} · {state}", "note"))
        if block.modules:
            story.append(
                _table(
                    ["Module", "Type", "Completed", "Hours", "CE hours"],
                    [
                        [
                            row.completed_title,
                            types.get(row.completed_training_type, row.completed_training_type),
                            _local_day(row.completed_at, zone),
                            _hours(row.completed_hours),
                            f"{row.completed_ce_hours:.2f}",
                        ]
                        for row in block.modules
                    ],
                    [width * 0.44, width * 0.14, width * 0.18, width * 0.12, width * 0.12],
                    numeric=(3, 4),
                )
            )
        else:
            story.append(_p("No module completed yet.", "note"))

    # Scenarios.
    story += _heading("Scenarios")
    attempts = list(
        ScenarioAttempt.objects.filter(user=user, status=AttemptStatus.FINISHED)
        .select_related("scenario")
        .only("number", "finished_at", "percent", "passed", "critical_errors", "scenario__title")
        .order_by("finished_at", "pk")
    )
    if attempts:
        story.append(
            _table(
                ["Scenario", "Attempt", "Finished", "Score", "Result"],
                [
                    [
                        attempt.scenario.title,
                        str(attempt.number),
                        _local_day(attempt.finished_at, zone),
                        f"{attempt.percent}%" if attempt.percent is not None else "—",
                        "Passed" if attempt.passed else "Not passed",
                    ]
                    for attempt in attempts
                ],
                [width * 0.44, width * 0.1, width * 0.18, width * 0.12, width * 0.16],
                numeric=(1, 3),
            )
        )
    else:
        story.append(_p("No scenario finished.", "body"))

    # Field training.
    story += _heading("Field training")
    trainings = _field_trainings(user)
    if not trainings:
        story.append(_p("No field training.", "body"))
    for training, spec, hours, release in trainings:
        story.append(_p(training.title, "h2"))
        story.append(
            _p(
                f"Started {day(training.started_on)} · {training.get_status_display()}",
                "note",
            )
        )
        rows = []
        for index, phase in enumerate(spec.phases):
            if training.status == "released" or index < training.phase_index:
                state = "Complete"
            elif index == training.phase_index:
                state = "Current" if training.status == "active" else "—"
            else:
                state = "Not started"
            rows.append(
                [phase.name, str(phase.expected_hours), _hours(hours.get(index, Decimal(0))), state]
            )
        story.append(
            _table(
                ["Phase", "Expected hours", "Hours", "State"],
                rows,
                [width * 0.46, width * 0.18, width * 0.14, width * 0.22],
                numeric=(1, 2),
                total=[
                    "Total",
                    str(sum(p.expected_hours for p in spec.phases)),
                    _hours(sum(hours.values(), Decimal(0))),
                    "",
                ],
            )
        )
        if release is not None:
            local = release.signed_at.astimezone(zone)
            story.append(
                _p(
                    f"Released to solo duty on {day(local.date())} by {release.signer_name} "
                    f"({release.signer_role}).",
                    "body",
                )
            )

    # Credentials.
    story += _heading("Credentials")
    credentials = list(Credential.objects.filter(holder=user).order_by("title", "-issued_on", "pk"))
    if credentials:
        story.append(
            _table(
                ["Credential", "Issuer", "Issued", "Valid through", "Status"],
                [
                    [
                        c.title,
                        c.issuer,
                        day(c.issued_on),
                        day(c.expires_on) if c.expires_on else "Does not expire",
                        status_label(c, credential_status(c, today)).text,
                    ]
                    for c in credentials
                ],
                [width * 0.3, width * 0.24, width * 0.14, width * 0.14, width * 0.18],
            )
        )
    else:
        story.append(_p("No credentials.", "body"))

    local = generated_at.astimezone(zone)
    return Story(
        title=f"Training transcript: {user.display_name}",
        author=organisation.name,
        pagesize=pagesize,
        flowables=story,
        footer_left=f"{user.display_name} · Training transcript · {organisation.name}",
        footer_note=(
            f"Generated {local:%-d %B %Y, %H:%M} {local:%Z} ({zone.key}) by Relay. Credential "
            "statuses are as of that day; each credential's own page shows its status now."
        ),
    )


def transcript_pdf(
    profile: StaffProfile, *, generated_at: datetime.datetime | None = None
) -> bytes:
    return render_story(transcript_story(profile, generated_at=generated_at))

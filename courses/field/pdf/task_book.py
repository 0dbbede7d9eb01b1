"""A trainee's task book on paper: cover and summary, then per phase its hours, extensions,
tasks with every sign-off and the phase decisions, and finally the release."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.platypus import Flowable, PageBreak, Spacer, Table

from courses.field.engine import TaskBookSpec, hours
from courses.field.pdf.document import Document, Footer, render
from courses.field.pdf.layout import (
    _SUB_BACKGROUND,
    _content_width,
    _day,
    _fields,
    _fixed,
    _heading,
    _hours,
    _moment,
    _short_day,
    _signature_block,
    _signature_ref,
    _table,
    markup,
    page_size_for,
    para,
    paras,
)
from courses.models import (
    FieldTraining,
    FieldTrainingStatus,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)


def task_book_document(
    training: FieldTraining, *, generated_at: datetime.datetime | None = None
) -> Document:
    """The trainee's task book on paper: cover, then per phase its hours, extensions, tasks
    with every sign-off, the phase decisions, and finally the release. Five queries."""
    training = FieldTraining.objects.select_related(
        "trainee__staff_profile__job_role", "organisation", "primary_fto", "secondary_fto"
    ).get(pk=training.pk)
    rides = RideAlong.objects.filter(training=training).values_list(
        "phase_index", "started_at", "ended_at"
    )
    extensions = list(PhaseExtension.objects.filter(training=training).order_by("created_at", "id"))
    observations = list(
        TaskObservation.objects.filter(training=training)
        .select_related("fto")
        .order_by("observed_on", "created_at", "id")
    )
    signatures = list(
        Signoff.objects.filter(
            training=training,
            kind__in=[
                SignoffKind.TASK,
                SignoffKind.PHASE_EXTENSION,
                SignoffKind.PHASE_RECOMMENDATION,
                SignoffKind.PHASE_APPROVAL,
                SignoffKind.RELEASE,
            ],
        )
        .defer("payload")
        .order_by("sequence")
    )

    spec = TaskBookSpec.from_json(training.spec)
    organisation = training.organisation
    zone = organisation.zone
    pagesize = page_size_for(organisation.time_zone)
    width = _content_width(pagesize)
    generated_at = generated_at or timezone.now()
    trainee = training.trainee.display_name

    by_sequence = {s.pk: s for s in signatures}
    for signature in signatures:  # "corrects #N" without another query
        if signature.supersedes_id in by_sequence:
            signature.supersedes = by_sequence[signature.supersedes_id]
    signature_of = {(s.kind, s.subject_id): s for s in signatures}
    phase_signatures = defaultdict(list)
    for signature in signatures:
        if signature.kind in (SignoffKind.PHASE_RECOMMENDATION, SignoffKind.PHASE_APPROVAL):
            phase_signatures[signature.phase_index].append(signature)
    release = next((s for s in signatures if s.kind == SignoffKind.RELEASE), None)

    logged: dict[int, Decimal] = defaultdict(Decimal)
    shifts: dict[int, int] = defaultdict(int)
    for phase_index, started_at, ended_at in rides:
        logged[phase_index] += hours(started_at, ended_at)
        shifts[phase_index] += 1
    corrected = {o.supersedes_id for o in observations if o.supersedes_id}
    satisfactory: dict[str, int] = defaultdict(int)
    by_task: dict[str, list[TaskObservation]] = defaultdict(list)
    for observation in observations:
        by_task[observation.task_id].append(observation)
        if observation.satisfactory and observation.pk not in corrected:
            satisfactory[observation.task_id] += 1
    by_phase_extensions = defaultdict(list)
    for extension in extensions:
        by_phase_extensions[extension.phase_index].append(extension)

    story: list[Flowable] = _task_book_cover(training, spec, width, logged, satisfactory)
    for index, phase in enumerate(spec.phases):
        story.append(PageBreak())
        story += _heading(f"Phase {index + 1}: {markup(phase.name)}", "h1")
        extension_days = sum(e.days for e in by_phase_extensions[index])
        planned = f"{phase.weeks} weeks" + (
            f" + {extension_days} days extension" if extension_days else ""
        )
        story.append(
            _fields(
                [
                    ("Planned length", planned),
                    ("Expected field hours", _hours(Decimal(phase.expected_hours))),
                    (
                        "Field hours logged",
                        f"{_hours(logged[index])} in {shifts[index]} shift"
                        + ("" if shifts[index] == 1 else "s"),
                    ),
                ],
                width,
            )
        )
        if phase.description:
            story += [Spacer(0, 3), para(phase.description, "small")]
        if by_phase_extensions[index]:
            story += _heading("Extensions")
            story.append(_extension_table(by_phase_extensions[index], signature_of, zone, width))
        story += _heading("Tasks")
        if phase.tasks:
            story.append(
                _task_table(phase.tasks, by_task, satisfactory, corrected, signature_of, width)
            )
        else:
            story.append(para("This phase has no tasks."))
        decisions = phase_signatures[index]
        if not decisions:
            story.append(para("No recommendation or approval has been signed for this phase."))
        for signature in decisions:
            heading = (
                "Recommendation to end the phase"
                if signature.kind == SignoffKind.PHASE_RECOMMENDATION
                else "Approval of the end of the phase"
            )
            story.append(_signature_block(heading, signature, zone, width))

    story += _heading("Release to solo duty", "h1")
    if release is None:
        story.append(para("The trainee has not been released to solo duty."))
    else:
        story.append(_signature_block("Release signature", release, zone, width))

    return Document(
        title=f"Task book: {training.title} — {trainee}",
        author=organisation.name,
        pagesize=pagesize,
        story=story,
        footer=Footer(
            trainee=trainee,
            document=f"Task book: {training.title}",
            generated=_moment(generated_at, zone),
        ),
    )


def task_book_pdf(
    training: FieldTraining, *, generated_at: datetime.datetime | None = None
) -> bytes:
    """The trainee's task book as a printable PDF (see `task_book_document`)."""
    return render(task_book_document(training, generated_at=generated_at))


def _task_book_cover(training, spec: TaskBookSpec, width, logged, satisfactory) -> list[Flowable]:
    profile = getattr(training.trainee, "staff_profile", None)
    role = profile.job_role.name if profile is not None and profile.job_role else "Not recorded"
    phase = spec.phases[min(training.phase_index, len(spec.phases) - 1)]
    status = training.get_status_display()
    if training.status == FieldTrainingStatus.RELEASED and training.released_at:
        status += f" on {_day(training.released_at.astimezone(training.organisation.zone))}"
    secondary = training.secondary_fto.display_name if training.secondary_fto else "None"
    story: list[Flowable] = [
        _fixed("Field training task book", "title"),
        para(f"{training.title} — paper record", "subtitle"),
        _fields(
            [
                ("Trainee", training.trainee.display_name),
                ("Organisation", training.organisation.name),
                ("Position", role),
                ("Task book", training.title),
                ("Task book revision", f"Revision {training.revision_id}"),
                ("Primary FTO", training.primary_fto.display_name),
                ("Secondary FTO", secondary),
                ("Started", _day(training.started_on)),
                ("Status", status),
                (
                    "Current phase",
                    f"{training.phase_index + 1} of {len(spec.phases)}: {phase.name} "
                    f"(since {_day(training.phase_started_on)})",
                ),
            ],
            width,
        ),
        *_heading("Summary"),
    ]
    rows = [[_fixed(h, "head") for h in ("Phase", "Weeks", "Expected", "Logged", "Tasks done")]]
    for index, item in enumerate(spec.phases):
        done = sum(1 for t in item.tasks if satisfactory.get(t.id, 0) >= t.observations)
        rows.append(
            [
                para(f"{index + 1}. {item.name}", "cell"),
                para(str(item.weeks), "cell"),
                para(_hours(Decimal(item.expected_hours)), "cell"),
                para(_hours(logged[index]), "cell"),
                para(f"{done} of {len(item.tasks)}", "cell"),
            ]
        )
    story.append(_table(rows, [width * w for w in (0.4, 0.12, 0.16, 0.16, 0.16)]))
    story += [
        Spacer(0, 6),
        para(
            "Satisfactory counts leave out observations that were later corrected. "
            "S = satisfactory, U = unsatisfactory.",
            "small",
        ),
    ]
    return story


def _extension_table(extensions, signature_of, zone, width) -> Table:
    rows = [[_fixed(h, "head") for h in ("Granted", "Days", "Reason", "Signature")]]
    for extension in extensions:
        signature = signature_of.get((SignoffKind.PHASE_EXTENSION, extension.pk))
        by = signature.signer_name if signature else ""
        rows.append(
            [
                para(f"{_moment(extension.created_at, zone)}\n{by}", "cell"),
                para(str(extension.days), "cell"),
                paras(extension.reason, "cell"),
                para(_signature_ref(signature), "cell"),
            ]
        )
    return _table(rows, [width * w for w in (0.3, 0.08, 0.4, 0.22)])


def _task_table(tasks, by_task, satisfactory, corrected, signature_of, width) -> Table:
    """One row per task, and under it one row per sign-off (so any number of sign-offs split
    across pages). Columns of the sign-off rows: date observed, S/U, FTO, signature."""
    # Grid: No. | observed | S/U | FTO | signature ... | competency | needed | satisfactory
    widths = [width * w for w in (0.07, 0.13, 0.05, 0.2, 0.15, 0.17, 0.09, 0.14)]
    head = [_fixed(h, "head") for h in ("No.", "Task and standard")] + [""] * 3
    head += [_fixed(h, "head") for h in ("Competency", "Needed", "Satisfactory")]
    sub = ["", *(_fixed(h, "small") for h in ("Observed", "S/U", "FTO", "Signature")), "", "", ""]
    rows = [head, sub]
    extra = [
        ("SPAN", (1, 0), (4, 0)),
        ("SPAN", (4, 1), (7, 1)),
        ("BACKGROUND", (0, 1), (-1, 1), _SUB_BACKGROUND),
    ]
    for task in tasks:
        row = len(rows)
        title = f"<b>{markup(task.title)}</b>" + (" (critical)" if task.critical else "")
        cell = (_fixed(title, "cell"), para(task.standard, "small"))
        count = satisfactory.get(task.id, 0)
        rows.append(
            [
                para(task.number, "cell"),
                cell,
                "",
                "",
                "",
                para(task.competency or "—", "cell"),
                para(str(task.observations), "cell"),
                para(f"{count}" + (" (done)" if count >= task.observations else ""), "cell"),
            ]
        )
        extra += [
            ("SPAN", (1, row), (4, row)),
            ("LINEABOVE", (0, row), (-1, row), 0.9, colors.black),
        ]
        for observation in by_task.get(task.id, []):
            rows.append(_signoff_row(observation, corrected, signature_of))
            extra += [
                ("SPAN", (4, len(rows) - 1), (7, len(rows) - 1)),
                ("BACKGROUND", (1, len(rows) - 1), (-1, len(rows) - 1), _SUB_BACKGROUND),
            ]
    return _table(rows, widths, header_rows=2, extra=extra)


def _signoff_row(observation: TaskObservation, corrected, signature_of) -> list:
    """Date observed, S/U, FTO and, stacked, the signature, any correction and the notes."""
    signature = signature_of.get((SignoffKind.TASK, observation.pk))
    fto = signature.signer_name if signature else observation.fto.display_name
    strike = observation.pk in corrected
    lines = [markup(_signature_ref(signature)), markup(observation.get_context_display())]
    if strike:
        lines.insert(0, "<b>corrected</b> (superseded; not counted)")
    details = [_fixed("<br/>".join(lines), "small")]
    if observation.supersedes_id:
        original = signature.supersedes.sequence if signature and signature.supersedes else None
        label = f"correction of #{original}" if original else "correction"
        details += paras(observation.correction_reason, "small", prefix=f"<b>{label}</b>: ")
    if observation.notes:
        details += paras(observation.notes, "small", prefix="<b>Notes</b>: ")
    return [
        "",
        _fixed(_struck(markup(_short_day(observation.observed_on)), strike), "small"),
        _fixed(_struck("S" if observation.satisfactory else "U", strike), "small"),
        _fixed(_struck(markup(fto), strike), "small"),
        details,
        "",
        "",
        "",
    ]


def _struck(safe_markup: str, strike: bool) -> str:
    return f"<strike>{safe_markup}</strike>" if strike else safe_markup

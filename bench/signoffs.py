"""`verify_signoffs_100k`: one full walk of a sign-off chain of 100,000 task observations.

The chain is built once into the bench database (and reused, like the rest of the bench data):
task observations of one trainee's field training and their signatures, hashed exactly as
`signoff_append` hashes them (the observations are read back with `subject_payloads`) but
inserted with `bulk_create`, so 100,000 signatures take seconds, not an hour of service calls.
The values come from a fixed seed and fixed dates: every build signs the same content.

The timed call consumes `signoff_verify_chain` and fails unless it finds no problem. Peak
memory is measured once in set-up, under `tracemalloc` (which slows what it traces, so the
timed walks run without it), and reported with the scenario's result.
"""

import datetime
import json
import random
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpResponse

from courses.field.engine import TaskBookSpec
from courses.field.qualification import ROLE_QUALIFICATION
from courses.models import (
    Competency,
    CompetencyCategory,
    CurriculumIndexPage,
    FieldTraining,
    FieldTrainingStatus,
    ModulePage,
    ObservationContext,
    Signoff,
    SignoffChainHead,
    SignoffKind,
    TaskBookPage,
    TaskObservation,
    TrainingProgramPage,
    TrainingType,
)
from courses.services.field import FTO_CAPACITY, field_training_start
from courses.services.signoff import (
    _PG_LOCK_KEY,
    STATEMENTS,
    _envelope,
    canonical,
    lock_chain_head,
    record_hash,
    sha256,
    signoff_verify_chain,
    subject_payloads,
)

from .context import BenchContext, BenchmarkError

SIGNOFFS = 100_000
SEED = 20_261_129
BATCH = 5_000
# Every bench observation carries this note: how a rebuild finds what is already there.
NOTE = "Bench sign-off chain."
REQUEST_KEYS = uuid.UUID("6f0c3c1e-2b7a-4d53-9a57-0e1b5f3c9d41")
FIRST_SIGNED_AT = datetime.datetime(2026, 1, 5, 15, 0, tzinfo=datetime.UTC)

LEARNER = "learner@relay.test"
FTO = "fto@relay.test"
SUPERVISOR = "supervisor@relay.test"
TASK_BOOK_TITLE = "Bench task book"


def request_key(n: int) -> uuid.UUID:
    return uuid.uuid5(REQUEST_KEYS, f"signoff-{n}")


# --- The field training they sign for -----------------------------------------------------------


def bench_training(context: BenchContext) -> FieldTraining:
    """The first active field training in the database, or one of the demo learner with the
    demo FTO, on a task book of its own, started by the demo supervisor."""
    training = (
        FieldTraining.objects.filter(status=FieldTrainingStatus.ACTIVE)
        .select_related("organisation", "primary_fto")
        .order_by("pk")
        .first()
    )
    if training is not None:
        return training
    learner = context.user(LEARNER)
    profile = getattr(learner, "staff_profile", None)
    if profile is None:
        raise BenchmarkError(f"{LEARNER} has no staff profile: was it seeded with seed_demo?")
    training = field_training_start(
        actor=context.user(SUPERVISOR),
        profile=profile,
        task_book=_task_book(),
        primary_fto=context.user(FTO),
        started_on=FIRST_SIGNED_AT.date(),
        now=FIRST_SIGNED_AT,
    )
    return FieldTraining.objects.select_related("organisation", "primary_fto").get(pk=training.pk)


def _task_book() -> TaskBookPage:
    existing = TaskBookPage.objects.live().filter(title=TASK_BOOK_TITLE).first()
    if existing is not None:
        return existing
    competency = Competency.objects.order_by("pk").first() or Competency.objects.create(
        category=CompetencyCategory.objects.create(name="Bench", slug="bench"), name="Bench"
    )
    module = _field_module()
    rng = random.Random(SEED)  # noqa: S311 - reproducible bench data, not a secret  # nosec B311
    page = TaskBookPage(
        title=TASK_BOOK_TITLE,
        phases=[
            _block(
                "phase",
                {
                    "name": name,
                    "weeks": 4,
                    "expected_hours": 160,
                    "description": f"{name} phase.",
                    "tasks": [
                        _block(
                            "item",
                            {
                                "number": f"B-{phase * 10 + n:02d}",
                                "title": f"Bench task {phase * 10 + n}",
                                "competency": competency.pk,
                                "standard": "Performs the task to the program standard.",
                                "observations": 2,
                                "critical": False,
                            },
                            rng,
                        )
                        for n in range(1, 9)
                    ],
                },
                rng,
            )
            for phase, name in enumerate(("Shadow", "Coached", "Lead"))
        ],
        evaluation_categories=[
            _block("category", {"name": name, "description": "", "competency_category": None}, rng)
            for name in ("Scene safety", "Verbal de-escalation", "Report writing")
        ],
    )
    module.add_child(instance=page)
    page.save_revision().publish()
    return TaskBookPage.objects.get(pk=page.pk)


def _block(kind: str, value: dict, rng: random.Random) -> dict:
    """A StreamField/ListBlock item with a stable id from the seed."""
    return {"type": kind, "value": value, "id": str(uuid.UUID(int=rng.getrandbits(128)))}


def _field_module() -> ModulePage:
    """A live field module with no task book yet, or a new one in a program of its own."""
    for module in ModulePage.objects.live().filter(training_type=TrainingType.FIELD):
        if not TaskBookPage.objects.child_of(module).exists():
            return module
    program = TrainingProgramPage(title="Bench field training")
    CurriculumIndexPage.objects.get(slug="curriculum").add_child(instance=program)
    program.save_revision().publish()
    module = ModulePage(title="Bench ride-alongs", training_type=TrainingType.FIELD)
    program.add_child(instance=module)
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)


# --- The chain ----------------------------------------------------------------------------------


def ensure_chain(training: FieldTraining, *, count: int = SIGNOFFS) -> int:
    """Make `training` hold `count` bench-signed task observations; returns how many were
    added (0 when the chain is already built)."""
    existing = TaskObservation.objects.filter(training=training, notes=NOTE).count()
    for start in range(existing, count, BATCH):
        with transaction.atomic():
            _append_batch(training, range(start, min(start + BATCH, count)))
    return max(count - existing, 0)


def _observation(training: FieldTraining, tasks: list, n: int) -> TaskObservation:
    rng = random.Random(SEED + n)  # noqa: S311 - reproducible bench data, not a secret  # nosec B311
    phase_index, task = tasks[rng.randrange(len(tasks))]
    signed_at = FIRST_SIGNED_AT + datetime.timedelta(minutes=3 * n)
    return TaskObservation(
        training=training,
        trainee_id=training.trainee_id,
        fto_id=training.primary_fto_id,
        task_id=task.id,
        task_number=task.number,
        task_title=task.title,
        phase_index=phase_index,
        observed_on=signed_at.astimezone(training.organisation.zone).date(),
        context=rng.choice(ObservationContext.values),
        satisfactory=rng.random() < 0.85,
        notes=NOTE,
        request_key=request_key(n),
        created_at=signed_at,
    )


def _append_batch(training: FieldTraining, numbers: range) -> None:
    """One batch: the observations, then their signatures chained on from the head (locked
    for the batch, as `signoff_append` locks it for one)."""
    spec = TaskBookSpec.from_json(training.spec)
    tasks = [(index, task) for index, phase in enumerate(spec.phases) for task in phase.tasks]
    observations = TaskObservation.objects.bulk_create(
        [_observation(training, tasks, n) for n in numbers]
    )
    payloads = subject_payloads(SignoffKind.TASK, [o.pk for o in observations])
    head = lock_chain_head(SignoffChainHead, Signoff, lock_key=_PG_LOCK_KEY, name="sign-off")
    version, statement = STATEMENTS[SignoffKind.TASK]
    fto = training.primary_fto
    previous_hash, sequence = head.last_hash, head.last_sequence
    signoffs = []
    for observation in observations:
        sequence += 1
        row = {
            "sequence": sequence,
            "kind": str(SignoffKind.TASK),
            "training_id": training.pk,
            "trainee_id": training.trainee_id,
            "organisation_id": training.organisation_id,
            "subject_id": observation.pk,
            "phase_index": observation.phase_index,
            "signer_id": fto.pk,
            "signer_name": fto.get_full_name() or fto.email,
            "signer_role": FTO_CAPACITY[True],
            "qualifying_credential": ROLE_QUALIFICATION,
            "signed_at": observation.created_at,
            "time_zone": training.organisation.time_zone,
            "statement_version": version,
            "statement": statement,
            "comment": "",
            "reauthenticated_at": None,
            "supersedes_id": None,
            "request_key": observation.request_key,
            "payload": json.loads(canonical(payloads[observation.pk])),
        }
        content_hash = sha256(canonical(_envelope(row)))
        chained = record_hash(previous_hash, content_hash)
        signoffs.append(
            Signoff(
                **row, content_hash=content_hash, previous_hash=previous_hash, record_hash=chained
            )
        )
        previous_hash = chained
    Signoff.objects.bulk_create(signoffs)
    head.last_sequence, head.last_hash = sequence, previous_hash
    head.save(update_fields=["last_sequence", "last_hash"])


# --- The scenario -------------------------------------------------------------------------------


@dataclass
class ChainWalk:
    """The timed call: one full verification walk. `max_repeat`/`max_warmup` cap the runner's
    repeats (a walk takes seconds); `extra` is reported beside the timings."""

    batch_size: int = 2000
    max_repeat: int = 3
    max_warmup: int = 1
    extra: dict = field(default_factory=dict)

    def walk(self) -> None:
        """Consume the verifier; BenchmarkError naming the first problems if it finds any."""
        problems = [str(p) for p in signoff_verify_chain(batch_size=self.batch_size)]
        if problems:
            raise BenchmarkError(
                f"The sign-off chain has {len(problems)} problem(s): {'; '.join(problems[:3])}"
            )

    def __call__(self) -> HttpResponse:
        self.walk()
        return HttpResponse("chain intact")

    def measure_memory(self) -> None:
        tracemalloc.start()
        try:
            started = time.perf_counter()
            self.walk()
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.extra.update(
            peak_memory_mib=round(peak / 2**20, 2), traced_walk_seconds=round(seconds, 2)
        )


def verify_signoffs(context: BenchContext, *, count: int = SIGNOFFS) -> ChainWalk:
    """Set-up (untimed): the chain of `count` bench signatures, built once, and one walk under
    tracemalloc for the peak memory."""
    training = bench_training(context)
    started = time.perf_counter()
    added = ensure_chain(training, count=count)
    walk = ChainWalk()
    if added:
        walk.extra["chain_build_seconds"] = round(time.perf_counter() - started, 2)
    walk.extra["signatures"] = Signoff.objects.count()
    walk.measure_memory()
    return walk

"""`hris_import_10k`: HR uploads a 10,000-person CSV on the import page (`/people/import/`).

The file is made by a fixed generator (a seeded `random.Random`) for a bench organisation of its
own ("HRIS bench organisation", a city department), with job roles, statuses, separations,
supervisors (earlier rows of the same file) and funding sources drawn from the seed.

The timed request is a first import: every row checked, then 10,000 hires written in bulk
(accounts, addresses, roles, profiles) and their assignment rules and welcome emails queued
(a large import queues them: see `lms.accounts.hris.rules`). It runs inside a transaction that is
rolled back once the page has answered, so every repeat does the same work, nothing stays in
the bench database (which the other scenarios share: 10,000 more people would change what they
measure) and nothing is queued for real. Repeats are capped: each import takes seconds.

Set-up measures, the same way (rolled back):
- `reimport_seconds`/`reimport_queries`: the same file imported again, in which nothing changes
  (the path a nightly HR sync takes);
- `rules_seconds`/`rules_queries`/`assignments`: the queued assignment rules of the 10,000
  hires run in one go, as the task queue's workers would run them in chunks.
"""

import datetime
import io
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test.utils import override_settings

from certificates.models import JobRole
from courses.models import Assignment
from lms.accounts.hris import COLUMNS
from lms.accounts.hris.rules import HIRED, rules_apply_queued
from lms.accounts.models import (
    FundingSource,
    Organisation,
    OrganisationKind,
    StaffProfile,
    StaffStatus,
)

from .context import BenchContext, BenchmarkError

ROWS = 10_000
SEED = 20_261_201
SLUG = "hris-bench"
NAME = "HRIS bench organisation"
HR = "hr@relay.test"
URL = "/people/import/"
FIRST_HIRE = datetime.date(2016, 1, 4)
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kofi"]
LAST_NAMES = ["Ruiz", "Okafor", "Nguyen", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Osei"]


class _Rollback(Exception):
    pass


def bench_organisation() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        slug=SLUG,
        defaults={"name": NAME, "kind": OrganisationKind.DEPARTMENT, "time_zone": "America/Denver"},
    )
    return organisation


def bench_csv(*, count: int = ROWS, prefix: str = "HB", seed: int = SEED) -> bytes:
    """`count` people, the same bytes for the same arguments and job roles in the database."""
    rng = random.Random(seed)  # noqa: S311 - reproducible bench data, not a secret  # nosec B311
    roles = list(JobRole.objects.order_by("name").values_list("name", flat=True)) or [""]
    statuses = [StaffStatus.ACTIVE] * 14 + [StaffStatus.TRAINEE] * 4 + [StaffStatus.ON_LEAVE]
    funding = ["", "", "", *FundingSource.values]
    lines = io.StringIO()
    lines.write(",".join(COLUMNS) + "\n")
    supervisor = ""
    for n in range(count):
        employee_id = f"{prefix}-{n:05d}"
        hired = FIRST_HIRE + datetime.timedelta(days=rng.randrange(3_500))
        status = rng.choice(statuses) if rng.random() > 0.04 else StaffStatus.SEPARATED
        separated_on = ""
        if status == StaffStatus.SEPARATED:
            separated_on = (hired + datetime.timedelta(days=rng.randrange(30, 400))).isoformat()
        values = [
            employee_id,
            f"{prefix.lower()}{n:05d}@{SLUG}.test",
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            rng.choice(roles),
            hired.isoformat(),
            status,
            separated_on,
            supervisor if status != StaffStatus.SEPARATED else "",
            rng.choice(funding),
        ]
        lines.write(",".join(values) + "\n")
        if n % 25 == 0 and status != StaffStatus.SEPARATED:
            supervisor = employee_id  # leads the next ones
    return lines.getvalue().encode()


def _post(client, organisation: Organisation, data: bytes, name: str) -> HttpResponse:
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(URL, {"organisation": organisation.pk, "file": upload})


def _expect(response: HttpResponse, text: str) -> None:
    if response.status_code != 200 or text not in response.content.decode():
        detail = response.content[:500].decode(errors="replace")
        raise BenchmarkError(f"The bench import was refused ({response.status_code}): {detail}")


class _Counter:
    """Counts the statements run (a query log keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting_queries():
    counter = _Counter()
    with connection.execute_wrapper(counter):
        yield counter


def _rolled_back(call):
    """What `call()` returns, with everything it wrote undone."""
    result = None
    try:
        with transaction.atomic():
            result = call()
            raise _Rollback
    except _Rollback:
        pass
    return result


@dataclass
class HrisImport:
    """The timed call: import the file into the empty bench organisation, then roll back."""

    client: object
    organisation: Organisation
    data: bytes
    count: int
    max_repeat: int = 3
    max_warmup: int = 0
    extra: dict = field(default_factory=dict)

    def post(self) -> HttpResponse:
        return _post(self.client, self.organisation, self.data, "hris-bench.csv")

    def __call__(self) -> HttpResponse:
        with override_settings(TASKS=DUMMY_TASKS):
            return _rolled_back(self.post)


def _measure_rules(run: HrisImport, organisation: Organisation) -> None:
    """Run the hires' queued assignment rules in one go, timed."""
    today = organisation.today()
    changes = [
        [pk, HIRED, max(hired, today).isoformat()]
        for pk, hired in StaffProfile.objects.filter(organisation=organisation)
        .exclude(status=StaffStatus.SEPARATED)
        .values_list("pk", "hire_date")
    ]
    before = Assignment.objects.count()
    with counting_queries() as queries:
        started = time.perf_counter()
        rules_apply_queued(changes)
        run.extra["rules_seconds"] = round(time.perf_counter() - started, 2)
    run.extra["rules_queries"] = queries.count
    run.extra["assignments"] = Assignment.objects.count() - before


def hris_import_10k(context: BenchContext, *, count: int = ROWS) -> HrisImport:
    organisation = bench_organisation()
    if StaffProfile.objects.filter(organisation=organisation).exists():
        raise BenchmarkError(f"{NAME} should be empty: every bench import is rolled back.")
    run = HrisImport(
        client=context.client(as_user=HR),
        organisation=organisation,
        data=bench_csv(count=count),
        count=count,
    )
    run.extra["rows"] = count

    def import_then_reimport() -> HttpResponse:
        _expect(run.post(), f"{count} of {count} people changed")
        run.extra["created"] = StaffProfile.objects.filter(organisation=organisation).count()
        _measure_rules(run, organisation)
        with counting_queries() as queries:
            started = time.perf_counter()
            response = run.post()
            run.extra["reimport_seconds"] = round(time.perf_counter() - started, 2)
        run.extra["reimport_queries"] = queries.count
        _expect(response, "Nothing changed")
        return response

    with override_settings(TASKS=DUMMY_TASKS):
        _rolled_back(import_then_reimport)
    return run

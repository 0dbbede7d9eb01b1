"""The named scenarios: `SCENARIOS` maps a name to a scenario.

A scenario is a callable that takes the prepared `BenchContext` and returns a callable doing one
request and returning its response, which must be a 200. Set-up (signing in, looking up an
object to show) happens in the outer call and is not timed; only the inner call is.

A page that needs nothing but a path and a demo login is one line:

    SCENARIOS["credentials_hr"] = get("/credentials/", as_user=HR)

A page that needs set-up is a function:

    def staff_detail_supervisor(context):
        client = context.client(as_user=SUPERVISOR)
        pk = StaffProfile.objects.filter(...).values_list("pk", flat=True).first()
        return partial(client.get, f"/people/{pk}/")

    SCENARIOS["staff_detail_supervisor"] = staff_detail_supervisor
"""

from collections.abc import Callable
from functools import partial
from itertools import count

from django.db.models import Count
from django.http import HttpResponse

from certificates.models import Credential
from certificates.views.verify import PUBLIC_VERIFICATION, verification_for
from courses.models import Assignment, ModulePage
from scenarios.models import ScenarioPage
from scenarios.services import attempt_start_or_resume

from .api import api_staff_list
from .context import BenchContext, BenchmarkError
from .hris import hris_import_10k

Request = Callable[[], HttpResponse]
Scenario = Callable[[BenchContext], Request]

# The fixed demo logins that `seed_demo` creates in every city, whatever its size.
LEARNER = "learner@relay.test"
FTO = "fto@relay.test"
SUPERVISOR = "supervisor@relay.test"
HR = "hr@relay.test"
AUTHOR = "author@relay.test"
ADMIN = "admin@relay.test"
CBO_LEARNER = "cbo.learner@relay.test"

BASELINE = "baseline"


def get(path: str, *, as_user: str | None = None) -> Scenario:
    """A scenario that GETs `path`, anonymously or signed in as the demo login `as_user`."""

    def prepare(context: BenchContext) -> Request:
        return partial(context.client(as_user=as_user).get, path)

    return prepare


# --- The curriculum (programs, modules and assignments that seed_demo's curriculum adds) ---------

NO_CURRICULUM = "was it seeded with a seed_demo that builds the demo curriculum?"


def _first_assignment(context: BenchContext, email: str) -> Assignment:
    """The person's first open assignment of a live program, by assignment date."""
    assignment = (
        Assignment.objects.open()
        .filter(user=context.user(email), program__live=True)
        .select_related("program")
        .order_by("assigned_on", "pk")
        .first()
    )
    if assignment is None:
        raise BenchmarkError(f"{email} has no open assignment of a live program: {NO_CURRICULUM}")
    return assignment


def learner_home(context: BenchContext) -> Request:
    """The learner's home with their training panels: needs at least one assignment, so an
    unseeded curriculum is not measured as a fast, empty home (`home_learner` is the plain GET)."""
    _first_assignment(context, LEARNER)
    return partial(context.client(as_user=LEARNER).get, "/")


def module_page(context: BenchContext) -> Request:
    """The player on the first live module with sections of the learner's first program.

    Every GET also records a section view (a write), as it does for a real learner."""
    program = _first_assignment(context, LEARNER).program
    module = next(
        (
            module
            for module in ModulePage.objects.live().child_of(program).order_by("path")
            if module.section_count
        ),
        None,
    )
    if module is None:
        raise BenchmarkError(
            f"{program.title!r}, the first program of {LEARNER}, has no live module with "
            f"sections: {NO_CURRICULUM}"
        )
    return partial(context.client(as_user=LEARNER).get, f"/learn/modules/{module.pk}/")


def supervisor_grid(context: BenchContext) -> Request:
    """The progress grid of the program with the most open assignments in the supervisor's
    organisation (the first page of people)."""
    supervisor = context.user(SUPERVISOR)
    profile = getattr(supervisor, "staff_profile", None)
    if profile is None:
        raise BenchmarkError(f"{SUPERVISOR} has no staff profile: was it seeded with seed_demo?")
    busiest = (
        Assignment.objects.open()
        .filter(user__staff_profile__organisation_id=profile.organisation_id, program__live=True)
        .values("program")
        .annotate(people=Count("pk"))
        .order_by("-people", "program")
        .first()
    )
    if busiest is None:
        raise BenchmarkError(
            f"No open assignment in {profile.organisation}, the organisation of {SUPERVISOR}: "
            f"{NO_CURRICULUM}"
        )
    client = context.client(as_user=SUPERVISOR)
    return partial(client.get, f"/team/training/{busiest['program']}/")


def scenario_step(context: BenchContext) -> Request:
    """A step of a branching scenario the demo learner is part-way through (its attempt is
    started or resumed in set-up, so every timed request shows the same step)."""
    learner = context.user(LEARNER)
    programs = Assignment.objects.open().filter(user=learner).values_list("program_id", flat=True)
    for page in ScenarioPage.objects.live().order_by("path"):
        module = page.get_parent()
        if module.get_parent().pk in set(programs):
            attempt_start_or_resume(user=learner, scenario=page)
            return partial(context.client(as_user=LEARNER).get, f"/learn/scenarios/{page.pk}/")
    raise BenchmarkError(
        f"{LEARNER} has no assigned scenario; was it seeded with the demo scenarios?"
    )


def fto_home(context: BenchContext) -> Request:
    """The demo FTO's phone home (`/field/`): needs trainees in field training, so an unseeded
    field programme is not measured as a fast, empty page."""
    from courses.models import FieldTraining

    fto = context.user(FTO)
    if not FieldTraining.objects.filter(primary_fto=fto, status="active").exists():
        raise BenchmarkError(f"{FTO} has no trainees in field training: {NO_CURRICULUM}")
    return partial(context.client(as_user=FTO).get, "/field/")


def verify_signoffs_100k(context: BenchContext) -> Request:
    """One full walk of `signoff_verify_chain` over 100,000 task sign-offs (built once into the
    bench database by `bench.signoffs`); peak memory is measured in set-up."""
    from .signoffs import verify_signoffs

    return verify_signoffs(context)


def verify_page(context: BenchContext) -> Request:
    """The public verification page (anonymous, as after scanning a certificate's QR code) of
    one of the demo learner's credentials that is valid today."""
    learner = context.user(LEARNER)
    public_ids = (
        Credential.objects.filter(holder=learner, verification__in=PUBLIC_VERIFICATION)
        .order_by("issued_on", "pk")
        .values_list("public_id", flat=True)
    )
    for public_id in public_ids:
        verified = verification_for(public_id)
        if verified is not None and verified.answer.valid:
            client, path = context.client(), f"/verify/{public_id}/"
            # Each request from its own address: the rate limit is counted (and timed) on
            # every request, but never refuses the benchmark's repeats.
            addresses = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in count(1))
            return lambda: client.get(path, REMOTE_ADDR=next(addresses))
    raise BenchmarkError(
        f"{LEARNER} holds no credential valid today: was it seeded with seed_demo's credentials?"
    )


def credential_sweep(context: BenchContext) -> Request:
    """The daily credential reminder sweep over 1,000,000 held credentials on PostgreSQL
    (100,000 on SQLite), built once into the bench database by `bench.credentials`."""
    from .credentials import credential_sweep_scenario

    return credential_sweep_scenario(context)


def _certificate_credential(context: BenchContext):
    """The demo learner's first credential that has a certificate; on a database without one
    (the test fixture), a bench credential recorded and verified through the services."""
    import datetime
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from certificates.models import Credential, CredentialKind, CredentialType
    from certificates.services import external
    from certificates.services.documents import certificate_available
    from lms.uploads import evidence_from_upload

    learner = context.user(LEARNER)
    for credential in Credential.objects.filter(holder=learner).order_by("pk"):
        if certificate_available(credential):
            return credential
    kind, _ = CredentialType.objects.get_or_create(
        slug="bench-certificate",
        defaults={
            "name": "Bench certificate",
            "issuer": "Relay bench",
            "kind": CredentialKind.EXTERNAL,
            "validity_months": 24,
            "window_days": 90,
            "grace_days": 30,
        },
    )
    evidence = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    credential = external.external_record(
        actor=learner,
        holder=learner,
        credential_type=kind,
        issued_on=datetime.date(2026, 1, 15),
        expires_on=datetime.date(2028, 1, 15),
        certificate_number="BENCH-1",
        evidence=evidence_from_upload(SimpleUploadedFile("bench.pdf", evidence)),
        request_key=uuid.uuid4(),
    )
    external.external_verify(
        actor=context.user(HR), credential=credential, verified=True, request_key=uuid.uuid4()
    )
    return credential


def certificate_pdf(context: BenchContext) -> Request:
    """One PDF certificate rendered in-process, bypassing the stored copy: the credential and
    its signatory read, and the page drawn (fonts, seal, QR code). Target: 30 a second per
    core, a median of at most 33 ms."""
    from django.http import HttpResponse

    from certificates.models import Credential
    from certificates.pdf.certificate import certificate_data
    from certificates.pdf.certificate import certificate_pdf as render

    pk = _certificate_credential(context).pk

    def request() -> HttpResponse:
        credential = Credential.objects.select_related("holder", "organisation").get(pk=pk)
        return HttpResponse(render(certificate_data(credential)), content_type="application/pdf")

    return request


# --- Career pathways (issue 8) ----------------------------------------------------------------

# Three credentials and six months in role; pathways lead into it from outreach and transit
# roles, and everyone outside the role is a candidate (about 9,000 people at --size 10000).
READINESS_ROLE = "Community / behavioral health responder (non-licensed)"


def readiness_dashboard(context: BenchContext) -> Request:
    """HR's readiness dashboard for one target role over every person HR may see (the whole
    city that shares data: at --size 10000, about 10,000 people against 25 roles)."""
    from certificates.models import JobRole

    role = (
        JobRole.objects.filter(name=READINESS_ROLE).first()
        or JobRole.objects.annotate(leading_in=Count("pathways_in"))
        .order_by("-leading_in", "name")
        .first()
    )
    if role is None:
        raise BenchmarkError("No job roles in the bench database: was it seeded with seed_demo?")
    return partial(context.client(as_user=HR).get, f"/careers/readiness/?role={role.pk}")


SCENARIOS: dict[str, Scenario] = {
    # Always run: every other scenario's ratio_to_baseline is measured against it.
    BASELINE: get("/bench/baseline/"),
    "home_learner": get("/", as_user=LEARNER),
    "home_fto": get("/", as_user=FTO),
    "home_supervisor": get("/", as_user=SUPERVISOR),
    "home_hr": get("/", as_user=HR),
    "people_list_hr": get("/people/", as_user=HR),
    "learner_home": learner_home,
    "module_page": module_page,
    "supervisor_grid": supervisor_grid,
    "scenario_step": scenario_step,
    "fto_home": fto_home,
    "compliance_board": get("/credentials/compliance/", as_user=HR),
    "verify_page": verify_page,
    "certificate_pdf": certificate_pdf,
    "readiness_dashboard": readiness_dashboard,
    "my_career": get("/careers/", as_user=LEARNER),
    "api_staff_list": api_staff_list,
}

# Run only when named (`--scenarios verify_signoffs_100k`, or `--scenarios all` as `make bench`
# does): a walk takes seconds, and building its chain the first time a minute. Such a scenario's
# request may cap its repeats (`max_repeat`, `max_warmup`) and carry `extra` figures.
ON_REQUEST: dict[str, Scenario] = {
    "verify_signoffs_100k": verify_signoffs_100k,
    "credential_sweep": credential_sweep,
    "hris_import_10k": hris_import_10k,
}
REGISTRY: dict[str, Scenario] = {**SCENARIOS, **ON_REQUEST}

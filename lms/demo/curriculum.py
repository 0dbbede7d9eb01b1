"""The demo curriculum: the competency framework, four programs of modules of all four training
types, two protocols with a material revision each, and the training history of the demo staff.

Content comes from the `curriculum` key of `catalog.json`. Pages are built through Wagtail's
API and published; everything people did (assignments, section views, quiz attempts,
acknowledgements, completions) is written through the curriculum services with past `now=`
times, so the records are the ones the product itself would have made. StreamField blocks get
ids derived from the content, so quiz option ids are stable across reads and across loads.

History is generated only for the demo logins and the first `DEFAULT_SIZE` generated people (the
same people whatever `--size` is); everyone else gets the job-role rules applied in bulk.
Loading again changes nothing: the pages and history are skipped when the programs exist, and
the rules only assign what is missing.
"""

import datetime
import random
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from django.db import transaction

from certificates.models import JobRole
from courses.content import quiz_spec
from courses.engines import QuestionSpec
from courses.models import (
    AcknowledgementRequest,
    Assignment,
    Competency,
    CompetencyCategory,
    CurriculumIndexPage,
    ModulePage,
    ModuleProgress,
    ProgressStatus,
    ProtocolAcknowledgement,
    ProtocolPage,
    ProtocolVersion,
    TrainingProgramPage,
    TrainingType,
)
from courses.services.assignment import assignment_apply_rules, assignment_rules_run_all
from courses.services.progress import module_complete, section_view
from courses.services.protocol import protocol_acknowledge, protocol_version_record
from courses.services.quiz import quiz_submit
from lms.accounts.models import Organisation, StaffProfile, StaffStatus, User
from lms.accounts.services import notifications_mark_read

from .people import DEFAULT_SIZE, DEMO_ANCHOR, DEMO_LOGINS, DEMO_RANDOM_SEED, StaffSpec

UTC = datetime.UTC
CURRICULUM_RANDOM_SEED = DEMO_RANDOM_SEED + 7
# Block ids are uuid5 names under this namespace: the same content always gets the same ids.
BLOCK_NAMESPACE = uuid.UUID("6f1d4a52-3c0e-4b8e-9a57-0c1f6a7d2e11")
# Version 1 of each protocol was published before the first generated hire (two years back);
# version 2, the material revision, shortly before `today`.
LAUNCH_DAYS_BEFORE_ANCHOR = 740
REVISION_DAYS_BEFORE_TODAY = 20
# Of the people who get a history, how many take part at all, stall part-way, or re-acknowledge
# a revised protocol promptly.
HISTORY_SHARE = 0.5
STALL_SHARE = 0.15
REVISION_ACK_SHARE = 0.6
# Chance of passing a knowledge check at the first, second and third attempt.
PASS_CHANCE = (0.8, 0.8, 0.85)
# Days a module of each type takes, before the person's pace is applied.
DAYS_BETWEEN = {
    TrainingType.SKILLS: (1, 4),
    TrainingType.PROTOCOL: (1, 2),
    TrainingType.SCENARIO: (3, 8),
    TrainingType.FIELD: (2, 5),
}
DAYS_TO_SIGN_OFF = {TrainingType.SCENARIO: (4, 9), TrainingType.FIELD: (18, 40)}
IMPORT_SOURCE = "training_record_import"
IMPORT_EVIDENCE = {"imported_from": "paper training record", "demo": True}

LEARNER = "learner@relay.test"
CBO_LEARNER = "cbo.learner@relay.test"
FTO = "fto@relay.test"
SUPERVISOR = "supervisor@relay.test"
AUTHOR = "author@relay.test"
# The academy module that one of the demo supervisor's people failed (every attempt used).
FAILED_MODULE = "report-writing-and-data-collection"


# --- content: catalog entries to StreamField data ---------------------------------------------


def block_id(*parts: str) -> str:
    return str(uuid.uuid5(BLOCK_NAMESPACE, "/".join(parts)))


def rich_text(body: Iterable[str | list[str]]) -> str:
    """Paragraphs (strings) and bullet lists (lists of strings) as rich-text HTML."""
    html = []
    for item in body:
        if isinstance(item, list):
            items = "".join(f"<li>{escape(text, quote=False)}</li>" for text in item)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{escape(item, quote=False)}</p>")
    return "".join(html)


def _options(key: str, options: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "item",
            "id": block_id(key, "option", str(n)),
            "value": {
                "text": option["text"],
                "correct": bool(option["correct"]),
                "feedback": option.get("feedback", ""),
            },
        }
        for n, option in enumerate(options)
    ]


def section_stream(key: str, sections: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`body` stream data: one `section` block per catalog section."""
    stream = []
    for section in sections:
        skey = f"{key}/{section['heading']}"
        content: list[dict[str, Any]] = [
            {"type": "rich_text", "id": block_id(skey, "text"), "value": rich_text(section["body"])}
        ]
        if callout := section.get("callout"):
            content.append(
                {
                    "type": "callout",
                    "id": block_id(skey, "callout"),
                    "value": {"kind": callout["kind"], "text": rich_text([callout["text"]])},
                }
            )
        if check := section.get("check"):
            content.append(
                {
                    "type": "knowledge_check",
                    "id": block_id(skey, "check"),
                    "value": {
                        "question": check["question"],
                        "options": _options(f"{skey}/check", check["options"]),
                    },
                }
            )
        if reflection := section.get("reflection"):
            content.append(
                {
                    "type": "reflection",
                    "id": block_id(skey, "reflection"),
                    "value": {"prompt": reflection},
                }
            )
        stream.append(
            {
                "type": "section",
                "id": block_id(skey),
                "value": {"heading": section["heading"], "content": content},
            }
        )
    return stream


def question_stream(key: str, questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`questions` stream data, with list items in Wagtail's block format (ids kept)."""
    return [
        {
            "type": "question",
            "id": block_id(key, "question", str(n)),
            "value": {
                "kind": question["kind"],
                "prompt": question["prompt"],
                "options": _options(f"{key}/question/{n}", question["options"]),
            },
        }
        for n, question in enumerate(questions)
    ]


# --- the competency framework and the pages -----------------------------------------------------


def seed_competencies(curriculum: Mapping[str, Any]) -> dict[str, Competency]:
    """The framework's categories and competencies (get-or-create), by competency key."""
    competencies: dict[str, Competency] = {}
    for order, row in enumerate(curriculum["competency_framework"], start=1):
        category, _ = CompetencyCategory.objects.get_or_create(
            slug=row["id"],
            defaults={"name": row["name"], "description": row["description"], "sort_order": order},
        )
        for item in row["competencies"]:
            competency, _ = Competency.objects.get_or_create(
                category=category,
                name=item["name"],
                defaults={"description": item["description"]},
            )
            competencies[item["key"]] = competency
    return competencies


@dataclass
class Curriculum:
    """The built pages, by catalog slug."""

    programs: dict[str, TrainingProgramPage]
    modules: dict[str, list[ModulePage]]  # program slug -> modules in tree order
    protocols: dict[str, ProtocolPage]
    protocol_roles: dict[str, set[str]]  # protocol slug -> catalog role ids
    protocol_specs: dict[str, Mapping[str, Any]]


def _publish(page, *, user: User | None):
    page.save_revision(user=user, log_action=True).publish(user=user)
    return page.__class__.objects.get(pk=page.pk)


def _protocol_page(spec: Mapping[str, Any], *, job_roles: Mapping[str, JobRole]) -> ProtocolPage:
    first = spec["versions"][0]
    page = ProtocolPage(
        title=spec["title"],
        slug=spec["slug"],
        live=False,
        summary=spec["summary"],
        body=section_stream(spec["slug"], first["sections"]),
        version=first["version"],
        change_summary=first.get("change_summary", ""),
        reacknowledge_within_days=spec.get("reacknowledge_within_days", 14),
    )
    page.audience_roles = [job_roles[role] for role in spec["roles"]]
    return page


def _module_page(
    spec: Mapping[str, Any],
    *,
    protocols: Mapping[str, ProtocolPage],
    protocol_specs: Mapping[str, Mapping[str, Any]],
    competencies: Mapping[str, Competency],
    built: Mapping[str, ModulePage],
) -> ModulePage:
    content = dict(spec)
    protocol = None
    if spec["training_type"] == TrainingType.PROTOCOL:
        protocol = protocols[spec["protocol"]]
        content = {**protocol_specs[spec["protocol"]]["module"], **spec}
    page = ModulePage(
        title=content["title"],
        slug=content["slug"],
        live=False,
        training_type=content["training_type"],
        summary=content["summary"],
        learning_objectives="\n".join(content["objectives"]),
        estimated_minutes=content["estimated_minutes"],
        ce_hours=Decimal(content["ce_hours"]),
        required=content.get("required", True),
        protocol=protocol,
        body=section_stream(content["slug"], content["sections"]),
        questions=question_stream(content["slug"], content.get("questions", [])),
        pass_mark=80,
        attempts_allowed=3,
    )
    page.competencies = [competencies[key] for key in content["competencies"]]
    page.prerequisites = [built[slug] for slug in content.get("prerequisites", [])]
    return page


def build_pages(
    curriculum: Mapping[str, Any],
    *,
    job_roles: Mapping[str, JobRole],
    organisations: Mapping[str, Organisation],
    competencies: Mapping[str, Competency],
    author: User | None,
) -> Curriculum:
    """Create and publish the protocols (at version 1), the programs and their modules."""
    index = CurriculumIndexPage.objects.get()
    protocol_specs = {spec["slug"]: spec for spec in curriculum["protocols"]}
    protocols: dict[str, ProtocolPage] = {}
    for slug, spec in protocol_specs.items():
        page = index.add_child(instance=_protocol_page(spec, job_roles=job_roles))
        protocols[slug] = _publish(page, user=author)

    programs: dict[str, TrainingProgramPage] = {}
    modules: dict[str, list[ModulePage]] = {}
    built: dict[str, ModulePage] = {}
    for spec in curriculum["programs"]:
        program = TrainingProgramPage(
            title=spec["title"],
            slug=spec["slug"],
            live=False,
            description=rich_text([spec["description"]]),
            due_in_days=spec["due_in_days"],
        )
        program.audience_roles = [job_roles[role] for role in spec["roles"]]
        program.organisations = [organisations[slug] for slug in spec["organisations"]]
        program = _publish(index.add_child(instance=program), user=author)
        programs[spec["slug"]] = program
        modules[spec["slug"]] = []
        for module_spec in spec["modules"]:
            page = _module_page(
                module_spec,
                protocols=protocols,
                protocol_specs=protocol_specs,
                competencies=competencies,
                built=built,
            )
            module = _publish(program.add_child(instance=page), user=author)
            built[module.slug] = module
            modules[spec["slug"]].append(module)
    return Curriculum(
        programs=programs,
        modules=modules,
        protocols=protocols,
        protocol_roles={slug: set(spec["roles"]) for slug, spec in protocol_specs.items()},
        protocol_specs=protocol_specs,
    )


def protocol_revise(
    protocol: ProtocolPage, spec: Mapping[str, Any], *, author: User | None
) -> ProtocolPage:
    """Publish the catalog's last version of a protocol: new body, version and change summary."""
    last = spec["versions"][-1]
    page = ProtocolPage.objects.get(pk=protocol.pk)
    page.body = section_stream(spec["slug"], last["sections"])
    page.version = last["version"]
    page.change_summary = last["change_summary"]
    return _publish(page, user=author)


# --- history: who did what, when ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user: User
    profile: StaffProfile
    role: str | None  # catalog role id
    organisation_slug: str
    zone: zoneinfo.ZoneInfo


@dataclass(frozen=True)
class Persona:
    """How one person goes through their training."""

    pace: float = 1.0
    stall_at: int | None = None  # index of the module they stop in
    stall_views: int = 0  # sections they viewed of that module
    fail_at: int | None = None  # index of the module whose attempts they all fail
    acks_revision: bool = True
    perfect: bool = False  # passes every knowledge check at the first attempt


@dataclass(order=True)
class Event:
    at: datetime.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class History:
    """Events of the demo history, run in time order through the services."""

    def __init__(
        self,
        curriculum: Curriculum,
        *,
        rng: random.Random,
        cutoff: datetime.datetime,
        revised_at: datetime.datetime,
    ):
        self.curriculum = curriculum
        self.rng = rng
        self.cutoff = cutoff
        self.revised_at = revised_at
        self.events: list[Event] = []
        self._specs: dict[int, list[QuestionSpec]] = {}
        # The live state of each protocol and its latest recorded version, by page id.
        self.live: dict[int, tuple[ProtocolPage, ProtocolVersion | None]] = {}
        for protocol in curriculum.protocols.values():
            self.refresh(protocol)

    def add(self, at: datetime.datetime, run: Callable[[], None]) -> None:
        self.events.append(Event(at, len(self.events), run))

    def refresh(self, protocol: ProtocolPage) -> None:
        live = ProtocolPage.objects.get(pk=protocol.pk)
        self.live[live.pk] = (live, live.versions.order_by("-version").first())

    def revise(self, protocol: ProtocolPage, spec: Mapping[str, Any], author: User | None):
        revised = protocol_revise(protocol, spec, author=author)
        protocol_version_record(protocol=revised, now=self.revised_at)
        self.refresh(revised)

    def run(self) -> int:
        for event in sorted(self.events):
            event.run()
        return len(self.events)

    # the actions, each one service call

    def assign(self, person: Person, on: datetime.date, at: datetime.datetime) -> None:
        self.add(at, lambda: assignment_apply_rules(profile=person.profile, on=on, now=at))

    def view(self, person: Person, module: ModulePage, index: int, at: datetime.datetime) -> None:
        self.add(at, lambda: section_view(user=person.user, module=module, index=index, now=at))

    def quiz(self, person: Person, module: ModulePage, right: bool, at: datetime.datetime) -> None:
        def submit() -> None:
            answers = self.answers(module, right=right)
            quiz_submit(user=person.user, module=module, answers=answers, now=at)

        self.add(at, submit)

    def acknowledge(self, person: Person, protocol: ProtocolPage, at: datetime.datetime) -> None:
        """Acknowledge the version current at the time, unless already done."""

        def ack() -> None:
            live, latest = self.live[protocol.pk]
            done = ProtocolAcknowledgement.objects.filter(
                user=person.user, protocol_version=latest
            ).exists()
            if latest is not None and not done:
                protocol_acknowledge(user=person.user, protocol=live, now=at)

        self.add(at, ack)

    def sign_off(self, person: Person, module: ModulePage, at: datetime.datetime) -> None:
        self.add(
            at,
            lambda: module_complete(
                user=person.user,
                module=module,
                source=IMPORT_SOURCE,
                evidence=IMPORT_EVIDENCE,
                now=at,
            ),
        )

    def answers(self, module: ModulePage, *, right: bool) -> dict[str, list[str]]:
        """Answers for the module's quiz: all right, or enough wrong to fail."""
        if module.pk not in self._specs:
            self._specs[module.pk] = quiz_spec(module)
        questions = self._specs[module.pk]
        wrong = set() if right else set(self.rng.sample(range(len(questions)), k=2))
        answers = {}
        for n, question in enumerate(questions):
            correct = sorted(question.correct_ids)
            if n not in wrong:
                answers[question.id] = correct
                continue
            others = [option.id for option in question.options if not option.correct]
            if question.kind == "multiple" and len(correct) > 1 and self.rng.random() < 0.5:
                answers[question.id] = correct[:-1]  # one right option missed
            else:
                answers[question.id] = [self.rng.choice(others)]
        return answers

    # walking through training

    def protocols_for(self, person: Person) -> list[ProtocolPage]:
        return [
            self.curriculum.protocols[slug]
            for slug, roles in self.curriculum.protocol_roles.items()
            if person.role in roles
        ]

    def orientation(self, person: Person, at: datetime.datetime) -> None:
        """On the first day everyone reads their notifications and acknowledges the protocols
        of their role."""
        if at < self.cutoff:
            self.add(at, lambda: notifications_mark_read(user=person.user, now=at))
        for n, protocol in enumerate(self.protocols_for(person)):
            moment = at + datetime.timedelta(minutes=20 * n + 30)
            if moment < self.cutoff:
                self.acknowledge(person, protocol, moment)

    def take_module(
        self,
        person: Person,
        module: ModulePage,
        start: datetime.datetime,
        *,
        outcomes: Sequence[bool] = (True,),
        views: int | None = None,
    ) -> datetime.datetime | None:
        """View the sections (all, or only the first `views` and stop), take the quiz with the
        given attempt outcomes, acknowledge the protocol, or have a scenario or field module
        signed off. Returns when the person was done, or None when they stopped (not finished
        by the cutoff, stopped on purpose, or failed every attempt)."""
        at = start
        count = module.section_count if views is None else min(views, module.section_count)
        if views is None and module.training_type in DAYS_TO_SIGN_OFF:
            count = 0  # signed off on the paper record, imported without the briefing views
        for index in range(count):
            at += datetime.timedelta(minutes=self.rng.randint(3, 9))
            if at >= self.cutoff:
                return None
            self.view(person, module, index, at)
        if views is not None:
            return None
        if module.has_quiz:
            for attempt, right in enumerate(outcomes):
                delay = (
                    datetime.timedelta(minutes=self.rng.randint(4, 12))
                    if attempt == 0
                    else datetime.timedelta(days=self.rng.randint(1, 3))
                )
                at += delay
                if at >= self.cutoff:
                    return None
                self.quiz(person, module, right, at)
                if right:
                    break
            else:
                return None  # every attempt failed
        if module.training_type == TrainingType.PROTOCOL:
            at += datetime.timedelta(minutes=2)
            self.acknowledge(person, module.protocol, at)
        elif module.training_type in DAYS_TO_SIGN_OFF:
            low, high = DAYS_TO_SIGN_OFF[module.training_type]
            at += datetime.timedelta(days=self.rng.randint(low, high))
            if at >= self.cutoff:
                return None
            self.sign_off(person, module, at)
        return at

    def outcomes(self, persona: Persona, *, fail: bool) -> list[bool]:
        if fail:
            return [False, False, False]
        if persona.perfect:
            return [True]
        outcomes = []
        for chance in PASS_CHANCE:
            outcomes.append(self.rng.random() < chance)
            if outcomes[-1]:
                break
        return outcomes

    def walk(
        self,
        person: Person,
        modules: Sequence[ModulePage],
        persona: Persona,
        start: datetime.datetime,
    ) -> None:
        """Take the modules in order at the person's pace, until done, stalled or failed."""
        at = start
        for index, module in enumerate(modules):
            low, high = DAYS_BETWEEN[module.training_type]
            days = max(1, round(self.rng.uniform(low, high) * persona.pace))
            at = _workday(at + datetime.timedelta(days=days), person.zone, self.rng)
            if at >= self.cutoff:
                return
            if index == persona.stall_at:
                if persona.stall_views:
                    self.take_module(person, module, at, views=persona.stall_views)
                return
            done = self.take_module(
                person, module, at, outcomes=self.outcomes(persona, fail=index == persona.fail_at)
            )
            if done is None:
                return
            at = done

    def revision_acks(
        self, person: Person, persona: Persona, revised_at: datetime.datetime
    ) -> None:
        """People who are on top of things acknowledge a revised protocol within days."""
        if not persona.acks_revision:
            return
        for protocol in self.protocols_for(person):
            days = self.rng.randint(1, REVISION_DAYS_BEFORE_TODAY - 3)
            at = _workday(revised_at + datetime.timedelta(days=days), person.zone, self.rng)
            if at < self.cutoff:
                self.acknowledge(person, protocol, at)


def _workday(at: datetime.datetime, zone: zoneinfo.ZoneInfo, rng: random.Random):
    """A moment in working hours (09:00-16:00 local) on the day of `at`, in UTC."""
    local = at.astimezone(zone).date()
    moment = datetime.datetime.combine(local, datetime.time(9, 0), tzinfo=zone)
    return (moment + datetime.timedelta(minutes=rng.randint(0, 7 * 60))).astimezone(UTC)


def _morning(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=zone).astimezone(UTC)


def _programs_for(person: Person, curriculum: Mapping[str, Any]) -> list[str]:
    return [
        spec["slug"]
        for spec in curriculum["programs"]
        if person.role in spec["roles"]
        and (not spec["organisations"] or person.organisation_slug in spec["organisations"])
    ]


def _people(emails: Sequence[str], role_ids: Mapping[int, str]) -> dict[str, Person]:
    profiles = StaffProfile.objects.filter(user__email__in=emails).select_related(
        "user", "organisation"
    )
    return {
        profile.user.email: Person(
            user=profile.user,
            profile=profile,
            role=role_ids.get(profile.job_role_id),
            organisation_slug=profile.organisation.slug,
            zone=profile.organisation.zone,
        )
        for profile in profiles
    }


def _failing_person(specs: Sequence[StaffSpec], academy_roles: Iterable[str]) -> str | None:
    """Someone the demo supervisor leads, hired long enough ago to reach the module they fail."""
    roles = set(academy_roles)
    for spec in specs:
        if (
            spec.supervisor_email == SUPERVISOR
            and spec.job_role in roles
            and spec.status == StaffStatus.ACTIVE
            and (DEMO_ANCHOR - spec.hire_date).days > 240
        ):
            return spec.email
    return None


def seed_history(
    curriculum_spec: Mapping[str, Any],
    curriculum: Curriculum,
    *,
    specs: Sequence[StaffSpec],
    job_roles: Mapping[str, JobRole],
    today: datetime.date,
    author: User | None,
) -> int:
    """Protocol versions, assignments and progress for the demo logins and the first
    `DEFAULT_SIZE` generated people, in time order. Returns the number of service calls."""
    rng = random.Random(CURRICULUM_RANDOM_SEED)  # noqa: S311 - reproducible demo data  # nosec B311
    launched_at = datetime.datetime.combine(
        DEMO_ANCHOR - datetime.timedelta(days=LAUNCH_DAYS_BEFORE_ANCHOR),
        datetime.time(16, 0),
        tzinfo=UTC,
    )
    revised_at = datetime.datetime.combine(
        today - datetime.timedelta(days=REVISION_DAYS_BEFORE_TODAY),
        datetime.time(16, 0),
        tzinfo=UTC,
    )
    for protocol in curriculum.protocols.values():
        protocol_version_record(protocol=protocol, now=launched_at)

    history = History(
        curriculum,
        rng=rng,
        cutoff=datetime.datetime.combine(today, datetime.time(0), tzinfo=UTC),
        revised_at=revised_at,
    )
    for slug, protocol in curriculum.protocols.items():
        spec = curriculum.protocol_specs[slug]
        history.add(
            revised_at,
            lambda protocol=protocol, spec=spec: history.revise(protocol, spec, author),
        )

    role_ids = {role.pk: role_id for role_id, role in job_roles.items()}
    generated = [spec for spec in specs[:DEFAULT_SIZE] if spec.status != StaffStatus.SEPARATED]
    logins = [login.email for login in DEMO_LOGINS]
    people = _people([*logins, *(spec.email for spec in generated)], role_ids)
    academy = curriculum_spec["programs"][0]
    failing = _failing_person(generated, academy["roles"])
    fail_at = next(n for n, m in enumerate(academy["modules"]) if m["slug"] == FAILED_MODULE)

    def modules_of(person: Person) -> list[ModulePage]:
        return [
            module
            for slug in _programs_for(person, curriculum_spec)
            for module in curriculum.modules[slug]
        ]

    for spec in generated:
        person = people[spec.email]
        modules = modules_of(person)
        in_history = rng.random() < HISTORY_SHARE or spec.email == failing
        stalls = rng.random() < STALL_SHARE and len(modules) > 1
        stall_at = rng.randrange(1, len(modules)) if stalls else None
        persona = Persona(
            pace=rng.uniform(0.7, 1.6),
            stall_at=None if spec.email == failing else stall_at,
            stall_views=rng.randint(0, 2),
            fail_at=fail_at if spec.email == failing else None,
            acks_revision=rng.random() < REVISION_ACK_SHARE,
        )
        if spec.hire_date >= history.cutoff.date():
            continue
        if in_history and modules:
            _history_for(history, person, modules, persona, spec.hire_date, revised_at)
        else:
            # No training history, but they read the protocols of their role on day one.
            history.orientation(
                person, _workday(_morning(spec.hire_date, person.zone), person.zone, rng)
            )
            if spec.hire_date < revised_at.date():
                history.revision_acks(person, persona, revised_at)

    _login_histories(history, people, modules_of, revised_at, today)
    return history.run()


def _history_for(
    history: History,
    person: Person,
    modules: Sequence[ModulePage],
    persona: Persona,
    hire_date: datetime.date,
    revised_at: datetime.datetime,
) -> None:
    history.assign(person, hire_date, _morning(hire_date, person.zone))
    start = _workday(_morning(hire_date, person.zone), person.zone, history.rng)
    history.orientation(person, start)
    history.walk(person, modules, persona, start)
    if person.profile.hire_date < revised_at.date():
        history.revision_acks(person, persona, revised_at)


def _login_histories(
    history: History,
    people: Mapping[str, Person],
    modules_of: Callable[[Person], list[ModulePage]],
    revised_at: datetime.datetime,
    today: datetime.date,
) -> None:
    """The demo logins: an experienced FTO, a CBO outreach worker stuck in field training,
    and the demo learner three weeks into the academy."""
    if fto := people.get(FTO):
        persona = Persona(pace=0.8, perfect=True)
        _history_for(history, fto, modules_of(fto), persona, fto.profile.hire_date, revised_at)
    if cbo := people.get(CBO_LEARNER):
        modules = modules_of(cbo)
        field_at = next(
            (n for n, m in enumerate(modules) if m.training_type == TrainingType.FIELD), None
        )
        persona = Persona(pace=1.1, stall_at=field_at, stall_views=2, perfect=True)
        _history_for(history, cbo, modules, persona, cbo.profile.hire_date, revised_at)
    learner = people.get(LEARNER)
    if learner is None:
        return
    modules = modules_of(learner)
    hired = learner.profile.hire_date
    zone = learner.zone
    history.assign(learner, hired, _morning(hired, zone))
    first_day = _morning(hired + datetime.timedelta(days=1), zone)
    # Acknowledged the protocols on the first day (before the revision); the overdose protocol
    # was re-acknowledged when it changed, the behavioral-health one not yet: it is overdue.
    history.orientation(learner, first_day)
    if len(modules) >= 2:
        history.take_module(
            learner, modules[0], first_day + datetime.timedelta(days=2, hours=1), outcomes=[True]
        )
        history.take_module(
            learner, modules[1], _morning(today - datetime.timedelta(days=2), zone), views=2
        )
    overdose = [p for p in history.protocols_for(learner) if "overdose" in p.slug]
    for protocol in overdose:
        history.acknowledge(learner, protocol, revised_at + datetime.timedelta(days=10))


# --- the whole curriculum -------------------------------------------------------------------


@dataclass(frozen=True)
class CurriculumSummary:
    created: bool
    programs: int
    modules_by_type: dict[str, int]
    protocols: int
    protocol_versions: int
    assignments: int
    overdue_assignments: int
    progress_by_status: dict[str, int]
    open_acknowledgement_requests: int

    def lines(self) -> list[str]:
        types = ", ".join(
            f"{count} {TrainingType(kind).label.lower()}"
            for kind, count in sorted(self.modules_by_type.items())
        )
        statuses = ", ".join(
            f"{ProgressStatus(status).label.lower()} {count}"
            for status, count in sorted(self.progress_by_status.items())
        )
        return [
            f"Curriculum: {self.programs} programs, {sum(self.modules_by_type.values())} "
            f"modules ({types}), {self.protocols} protocols ({self.protocol_versions} versions)"
            + ("." if self.created else " (already loaded)."),
            f"Training: {self.assignments} assignments ({self.overdue_assignments} overdue), "
            f"module progress: {statuses or 'none'}, "
            f"{self.open_acknowledgement_requests} open protocol acknowledgements.",
        ]


def seed_curriculum(
    curriculum_spec: Mapping[str, Any],
    *,
    specs: Sequence[StaffSpec],
    job_roles: Mapping[str, JobRole],
    organisations: Mapping[str, Organisation],
    today: datetime.date,
) -> CurriculumSummary:
    """Load the curriculum and the demo history once, then apply the job-role rules to anyone
    still without their programs (everyone else, in bulk)."""
    slugs = [spec["slug"] for spec in curriculum_spec["programs"]]
    created = not TrainingProgramPage.objects.filter(slug__in=slugs).exists()
    with transaction.atomic():
        if created:
            author = User.objects.filter(email=AUTHOR).first()
            competencies = seed_competencies(curriculum_spec)
            curriculum = build_pages(
                curriculum_spec,
                job_roles=job_roles,
                organisations=organisations,
                competencies=competencies,
                author=author,
            )
            seed_history(
                curriculum_spec,
                curriculum,
                specs=specs,
                job_roles=job_roles,
                today=today,
                author=author,
            )
        # Everyone else gets their programs from the night the rules last ran (the demo's today).
        zone = next(iter(organisations.values())).zone
        nightly = datetime.datetime.combine(today, datetime.time(0, 30), tzinfo=zone)
        assignment_rules_run_all(now=nightly.astimezone(UTC))
    return curriculum_summary(slugs, today=today, created=created)


def curriculum_summary(
    slugs: Sequence[str], *, today: datetime.date, created: bool
) -> CurriculumSummary:
    modules = ModulePage.objects.live()
    assignments = Assignment.objects.filter(program__slug__in=slugs)
    return CurriculumSummary(
        created=created,
        programs=TrainingProgramPage.objects.filter(slug__in=slugs).count(),
        modules_by_type=dict(Counter(modules.values_list("training_type", flat=True))),
        protocols=ProtocolPage.objects.count(),
        protocol_versions=ProtocolVersion.objects.count(),
        assignments=assignments.count(),
        overdue_assignments=assignments.overdue(on=today).count(),
        progress_by_status=dict(
            Counter(
                ModuleProgress.objects.filter(module__in=modules).values_list("status", flat=True)
            )
        ),
        open_acknowledgement_requests=AcknowledgementRequest.objects.filter(
            completed_at__isnull=True
        ).count(),
    )

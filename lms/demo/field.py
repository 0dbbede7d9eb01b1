"""The demo field training: one published task book per position in `field_training.json`, and
eight trainees of the Office of Community Safety part-way through (or done with) them.

The task books go under the field module of the curriculum program whose audience holds the task
book's job role (a field module is added to a program that has none). The trainees, their
second and third FTOs are fixed people of the Office (like the demo logins, dated from `today`,
so any `--size` gives the same field training); the demo learner is one of them. Everything they
did (shifts, Daily Observation Reports, task sign-offs, acknowledgements, phase decisions, one
extension and one release) is written through `courses.services.field` with past `now=` times,
in time order across trainees, so every signature is real and the sign-off chain verifies.

The trainees show what the FTO and supervisor screens are for: the demo learner in phase 2 with
an unacknowledged latest DOR, a shift still waiting for its DOR, two consecutive low ratings in
one category, a trainee behind on hours, a phase recommended and awaiting approval, a phase
extension and a trainee released to solo duty. Loading again changes nothing: everything is
skipped when the task books exist.
"""

import datetime
import json
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from certificates.models import JobRole
from courses.field.content import task_book_spec
from courses.field.engine import RatingInput, TaskBookSpec
from courses.models import (
    CallType,
    CompetencyCategory,
    FieldTraining,
    ModulePage,
    ObservationReport,
    RideAlong,
    Signoff,
    TaskBookPage,
    TaskObservation,
    TrainingProgramPage,
    TrainingType,
)
from courses.services import field as field_services
from courses.services.assignment import assignment_apply_rules
from lms.accounts.models import Organisation, StaffProfile, StaffStatus, User
from lms.accounts.roles import Role
from lms.accounts.services import _apply_roles

from .curriculum import AUTHOR, FTO, LEARNER, SUPERVISOR, UTC, _publish, block_id, rich_text
from .curriculum import seed_competencies as curriculum_competencies
from .people import DEMO_RANDOM_SEED, OCS

FIELD_TRAINING_PATH = Path(__file__).with_name("field_training.json")
FIELD_RANDOM_SEED = DEMO_RANDOM_SEED + 13
EMAIL_DOMAIN = "alderbay.test"
EMPLOYEE_ID_PREFIX = "OCS-F"


def load_field_training() -> dict[str, Any]:
    return json.loads(FIELD_TRAINING_PATH.read_text(encoding="utf-8"))


# --- the task books ---------------------------------------------------------------------------


def _task_book_page(
    spec: Mapping[str, Any],
    categories: Sequence[Mapping[str, Any]],
    *,
    competencies: Mapping[str, Any],
    competency_categories: Mapping[str, CompetencyCategory],
    job_roles: Mapping[str, JobRole],
    modules: Mapping[str, ModulePage],
) -> TaskBookPage:
    """The page for one task book of `field_training.json`, with ids derived from the content.
    A phase may name (by slug) a field module of the program that its approval completes."""
    key = spec["key"]
    phases = []
    for number, phase in enumerate(spec["phases"], start=1):
        tasks = sorted(
            (t for t in spec["tasks"] if t["phase"] == number), key=lambda t: t["number"]
        )
        phases.append(
            {
                "type": "phase",
                "id": block_id("task-book", key, "phase", str(number)),
                "value": {
                    "name": phase["name"],
                    "weeks": phase["weeks"],
                    "expected_hours": phase["expected_hours"],
                    "description": phase.get("description", ""),
                    "completes_module": (
                        modules[phase["completes_module"]].pk
                        if phase.get("completes_module")
                        else None
                    ),
                    "tasks": [
                        {
                            "type": "item",
                            "id": block_id("task-book", key, "task", task["number"]),
                            "value": {
                                "number": task["number"],
                                "title": task["title"],
                                "competency": competencies[task["competency"]].pk,
                                "standard": task["standard"],
                                "observations": task["observations"],
                                "critical": bool(task["critical"]),
                            },
                        }
                        for task in tasks
                    ],
                },
            }
        )
    page = TaskBookPage(
        title=spec["title"],
        slug=key.replace("_", "-") + "-task-book",
        live=False,
        intro=rich_text([spec["intro"]]),
        phases=phases,
        evaluation_categories=[
            {
                "type": "category",
                "id": block_id("task-book", key, "category", row["key"]),
                "value": {
                    "name": row["name"],
                    "description": row["description"],
                    "competency_category": competency_categories[row["competency_category"]].pk,
                },
            }
            for row in categories
        ],
    )
    page.job_roles = [job_roles[spec["job_role"]]]
    return page


def _field_module(program_spec: Mapping[str, Any], *, author: User | None) -> ModulePage:
    """The program's first field module, or a new one at the end of it."""
    program = TrainingProgramPage.objects.get(slug=program_spec["slug"])
    module = (
        ModulePage.objects.child_of(program)
        .filter(training_type=TrainingType.FIELD)
        .order_by("path")
        .first()
    )
    if module is not None:
        return module
    page = ModulePage(
        title="Field training",
        slug=f"{program.slug}-field-training",
        live=False,
        training_type=TrainingType.FIELD,
        summary="Supervised shifts with a field training officer, signed off in the task book.",
        learning_objectives="Perform every task of the task book to its standard.",
        estimated_minutes=30,
        pass_mark=80,
        attempts_allowed=3,
    )
    return _publish(program.add_child(instance=page), user=author)


def build_task_books(
    content: Mapping[str, Any],
    curriculum: Mapping[str, Any],
    *,
    job_roles: Mapping[str, JobRole],
    author: User | None,
) -> dict[str, TaskBookPage]:
    """Create and publish the task books, each under the field module of its program."""
    competencies = curriculum_competencies(curriculum)
    competency_categories = {c.slug: c for c in CompetencyCategory.objects.all()}
    books: dict[str, TaskBookPage] = {}
    for spec in content["task_books"]:
        program = next((p for p in curriculum["programs"] if spec["job_role"] in p["roles"]), None)
        if program is None:
            raise ImproperlyConfigured(f"No demo program for the {spec['key']} task book.")
        module = _field_module(program, author=author)
        page = _task_book_page(
            spec,
            content["dor_categories"],
            competencies=competencies,
            competency_categories=competency_categories,
            job_roles=job_roles,
            modules={
                m.slug: m
                for m in ModulePage.objects.child_of(module.get_parent()).filter(
                    training_type=TrainingType.FIELD
                )
            },
        )
        books[spec["key"]] = _publish(module.add_child(instance=page), user=author)
    return books


# --- the people -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldPerson:
    """A fixed person of the Office of Community Safety made for the field training demo."""

    key: str
    first_name: str
    last_name: str
    job_role: str  # catalog role id
    hired_days_ago: int
    fto: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@{EMAIL_DOMAIN}".lower()


# Last names are outside the catalog's name list, so no generated person ever has these emails.
FIELD_PEOPLE: tuple[FieldPerson, ...] = (
    FieldPerson("fto_cr", "Teodoro", "Villanueva", "community_responder", 560, fto=True),
    FieldPerson("fto_cvi", "Lamont", "Pettiford", "violence_interrupter", 610, fto=True),
    FieldPerson("pending", "Noor", "Haddad", "community_responder", 68),
    FieldPerson("low", "Keanu", "Makoa", "community_responder", 50),
    FieldPerson("behind", "Ingrid", "Solheim", "community_responder", 57),
    FieldPerson("recommended", "Dante", "Whitlock", "violence_interrupter", 52),
    FieldPerson("extended", "Mei", "Tsang", "community_responder", 45),
    FieldPerson("released", "Rafael", "Quintanilla", "community_responder", 104),
    FieldPerson("shadow", "Jamal", "Broussard", "violence_interrupter", 40),
)


def seed_field_people(
    *,
    organisation: Organisation,
    job_roles: Mapping[str, JobRole],
    today: datetime.date,
    last_names: Sequence[str] = (),
) -> dict[str, User]:
    """The field people (get-or-create by email), with roles, a verified email, a profile led
    by the demo supervisor and the programs of their role from their hire date."""
    supervisor = User.objects.get(email=SUPERVISOR)
    password_hash = supervisor.password  # every demo account has the password `relay-demo`
    users: dict[str, User] = {}
    for n, person in enumerate(FIELD_PEOPLE, start=1):
        if person.last_name in last_names:
            raise ImproperlyConfigured(f"{person.last_name} is a generated last name.")
        hire_date = today - datetime.timedelta(days=person.hired_days_ago)
        joined = datetime.datetime.combine(hire_date, datetime.time(8), tzinfo=organisation.zone)
        user, created = User.objects.get_or_create(
            email=person.email,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "password": password_hash,
                "date_joined": joined,
            },
        )
        if created:
            _apply_roles(user, {Role.FTO, Role.LEARNER} if person.fto else {Role.LEARNER})
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        if not StaffProfile.objects.filter(user=user).exists():
            profile = StaffProfile.objects.create(
                user=user,
                organisation=organisation,
                employee_id=f"{EMPLOYEE_ID_PREFIX}{n:04d}",
                job_role=job_roles[person.job_role],
                hire_date=hire_date,
                status=StaffStatus.ACTIVE if person.fto else StaffStatus.TRAINEE,
                supervisor=supervisor,
            )
            assignment_apply_rules(
                profile=profile, on=hire_date, now=joined + datetime.timedelta(minutes=30)
            )
        users[person.key] = User.objects.select_related("staff_profile__organisation").get(
            pk=user.pk
        )
    return users


# --- what the FTOs write ------------------------------------------------------------------------

PLACES = (
    "the Harbor View apartments",
    "the Linden Street bus shelter",
    "Cedar Park",
    "the 4th Street transit center",
    "the Eastgate library",
    "the Millrace encampment",
    "the laundromat on Sixth Avenue",
    "the Bayside corner store",
    "the Northgate motel",
    "the Alder Bay General ED entrance",
)

# Per DOR category: what good work looked like, what fell short, and a coaching note.
NARRATIVES: dict[str, dict[str, tuple[str, ...]]] = {
    "scene_safety": {
        "good": (
            "Read the CAD notes aloud before arrival, staged around the corner from {place} "
            "and pointed out the second exit before we went in.",
            "Noticed a man pacing near our van at {place} before I did, said so, and moved us "
            "so we both kept an exit.",
        ),
        "weak": (
            "Walked up to the door at {place} before we had agreed a staging point and stood "
            "in the doorway with no exit.",
            "Lost sight of me on the stairs at {place} and did not notice the dog in the yard "
            "until it was at the gate.",
        ),
        "mid": ("Staging was sound; keep calling out exits to your partner without prompting.",),
    },
    "approach_contact": {
        "good": (
            "Opened the {call} with name, program and 'talking with us is your choice'; the "
            "person sat down and talked.",
            "Agreed roles with me in the van before the {call} and led the introduction "
            "exactly as planned.",
        ),
        "weak": (
            "Started asking questions on the {call} before introducing self or the program; "
            "the person asked twice whether we were police.",
            "Approached the person at {place} from behind and startled them.",
        ),
        "mid": ("Introductions are consistent; slow the first minute down.",),
    },
    "verbal_deescalation": {
        "good": (
            "Brought a shouting man at {place} down to a seated conversation in about ten "
            "minutes with reflective listening and real choices.",
            "Kept a calm, low voice through an escalating {call}, offered water and a choice "
            "of where to talk, and it worked.",
        ),
        "weak": (
            "Argued facts with an agitated person on the {call}; voice rose with theirs and I "
            "had to step in.",
            "Gave orders instead of choices ('you need to calm down') and the contact at "
            "{place} escalated.",
        ),
        "mid": ("Good listening; summarise what the person said before offering options.",),
    },
    "risk_assessment": {
        "good": (
            "Asked directly about suicide on the {call}, followed the screening in order and "
            "recorded the answers in the person's words.",
            "Picked up that the person had stopped their medication and asked the right "
            "follow-up questions about means and supports.",
        ),
        "weak": (
            "Did not ask about thoughts of suicide on the {call} although the caller reported "
            "a statement; I completed the screening.",
            "Accepted 'I'm fine' and was ready to clear the {call} at {place} without asking "
            "about means or supports.",
        ),
        "mid": ("Screening complete; ask the questions conversationally, not from the card.",),
    },
    "conflict_mediation": {
        "good": (
            "Separated the parties at {place}, let each tell their side and got agreement on "
            "quiet hours and a follow-up call.",
            "Mediated the {call} without taking sides and wrote the agreement down in the "
            "parties' own words.",
        ),
        "weak": (
            "Took sides early in the {call} and one party walked off; no agreement reached.",
            "Let both parties talk over each other for fifteen minutes at {place} without "
            "setting ground rules.",
        ),
        "mid": ("Ground rules set well; read the agreement back to both parties before leaving.",),
    },
    "protocol_knowledge": {
        "good": (
            "Correctly judged that the {call} met our criteria and explained why to dispatch.",
            "Knew the transport and hold rules without checking and explained the limits of "
            "our role to the family.",
        ),
        "weak": (
            "Was unsure whether the {call} was in scope and was ready to accept it although "
            "the caller mentioned a weapon.",
            "Told a family at {place} we could arrange a hold; I had to correct it on scene.",
        ),
        "mid": ("Knows the eligibility criteria; review the weapon and medical exclusions.",),
    },
    "medical_recognition": {
        "good": (
            "Recognised an opioid overdose at {place} at once, gave naloxone, started rescue "
            "breathing and updated EMS clearly.",
            "Spotted that an 'intoxicated' man was hypoglycemic, asked about diabetes and "
            "called for EMS.",
        ),
        "weak": (
            "Did not check breathing before talking to the person on the {call}; I prompted "
            "the assessment.",
            "Could not find the naloxone in the kit at {place}; it took over a minute.",
        ),
        "mid": ("Kit check done at the start of shift; keep practising the breathing check.",),
    },
    "resource_navigation": {
        "good": (
            "Made a warm handoff to the mobile crisis clinician at {place} and confirmed the "
            "intake appointment before we left.",
            "Knew the shelter bed line hours and had a bed for the person on the first call.",
        ),
        "weak": (
            "Handed over a resource card without calling ahead; the clinic was closed.",
            "Did not know the detox intake hours and the person at {place} left before we "
            "found them.",
        ),
        "mid": ("Good knowledge of the resource guide; follow up referrals the next shift.",),
    },
    "encounter_records": {
        "good": (
            "Encounter records for every contact were complete, factual and in before the end "
            "of shift.",
            "Wrote a clear record of the {call} with the person's own words in quotes and no "
            "opinion.",
        ),
        "weak": (
            "Encounter records were finished three hours after shift and left out the "
            "referral outcome of the {call}.",
            "The record of the {call} used labels ('non-compliant') instead of describing "
            "behaviour; we rewrote it together.",
        ),
        "mid": ("Records are accurate; lead the narrative with the disposition.",),
    },
    "radio_dispatch": {
        "good": (
            "Radio traffic clear and brief all shift; status changes given without prompting.",
            "Gave dispatch a concise update from {place}, including the request for EMS, in "
            "plain language.",
        ),
        "weak": (
            "Missed two status changes and did not clear from the {call} for twenty minutes; "
            "dispatch had to raise us.",
            "Transmissions were long and unstructured; dispatch asked for our location twice "
            "on the {call}.",
        ),
        "mid": ("Status changes on time; plan the message before keying up.",),
    },
    "orientation_navigation": {
        "good": (
            "Got us to {place} without GPS and picked the quiet approach.",
            "Knows the district well; suggested the back entrance at {place}.",
        ),
        "weak": (
            "Took us to the wrong block for the {call} and added eight minutes to the response.",
            "Relied on GPS and could not give our location when I asked.",
        ),
        "mid": ("Learning the district; study the east side cross streets.",),
    },
    "relationship_clients": {
        "good": (
            "Greeted a regular at {place} by name and followed up last week's referral; the "
            "person thanked us.",
            "Stayed patient and respectful with a person who was yelling at us through the "
            "whole {call}.",
        ),
        "weak": (
            "Was short with a repeat caller at {place} and the person refused further help.",
            "Talked about the person in the third person while they were present.",
        ),
        "mid": ("Respectful with everyone; keep building rapport with the regulars.",),
    },
    "relationship_partners": {
        "good": (
            "Briefed arriving EMS clearly at {place} and handed over without friction.",
            "Explained our role to the police unit on the {call} and took the lead when they "
            "stepped back.",
        ),
        "weak": (
            "Did not brief the arriving police unit on the {call}; they walked in without "
            "knowing the plan.",
            "Argued with the EMS crew at {place} in front of the person.",
        ),
        "mid": ("Good with partners; introduce yourself to the unit on scene first.",),
    },
    "trauma_informed": {
        "good": (
            "Gave the person control over where and how to talk after the {call} and did not "
            "repeat questions already answered.",
            "Noticed the person flinch at a raised voice nearby and moved us somewhere quieter.",
        ),
        "weak": (
            "Asked the person to retell the incident three times on the {call}.",
            "Stood over a seated person at {place} who had just been assaulted instead of "
            "getting to their level.",
        ),
        "mid": ("Explain each next step before doing it.",),
    },
    "ethics_confidentiality": {
        "good": (
            "Declined to share a client's information with a neighbour at {place} and "
            "explained why, politely.",
            "Asked for consent before calling family on the {call} and recorded it.",
        ),
        "weak": (
            "Discussed a client's history within earshot of bystanders at {place}.",
            "Accepted a gift card from a family after the {call}; we went through the policy.",
        ),
        "mid": ("Good on boundaries; make sure consent is recorded on every referral.",),
    },
    "decision_making": {
        "good": (
            "When a weapon was mentioned on the {call}, withdrew and requested police without "
            "hesitation.",
            "Put the overdose ahead of the noise complaint when both came in, correctly.",
        ),
        "weak": (
            "Froze when the person at {place} became aggressive; I made the call to disengage.",
            "Kept trying to engage after the person told us to leave, past the point of "
            "safety on the {call}.",
        ),
        "mid": ("Decisions sound; say your reasoning aloud so your partner can follow.",),
    },
    "time_management": {
        "good": (
            "Cleared calls promptly and finished all records before the end of shift.",
            "Managed three calls back to back without falling behind on records.",
        ),
        "weak": (
            "Spent forty minutes on a resolved {call} and missed the next call in the queue.",
            "Started the shift late, with the kit not checked.",
        ),
        "mid": ("Pacing is improving; plan record time between calls.",),
    },
    "self_care_feedback": {
        "good": (
            "Asked for feedback after the {call}, took it well and used it on the next call.",
            "Used the debrief after a hard call at {place} and said what they needed.",
        ),
        "weak": (
            "Became defensive when I gave feedback on the {call} and did not apply it.",
            "Skipped the debrief after a distressing call and was shaken for the rest of the "
            "shift.",
        ),
        "mid": ("Receptive to coaching; keep a note of feedback points between shifts.",),
    },
}

COMMENTS = (
    "Steady shift. Focus for next shift: lead the introduction on every contact.",
    "Good progress this week; we agreed to work on records between calls.",
    "Busy shift with back-to-back calls. The trainee kept up and asked good questions.",
    "Quiet shift; we used the time to drive the east side and review the resource guide.",
    "Discussed the task book: next targets are the risk screening and the warm handoff.",
    "",
    "",
    "",
)
ACK_COMMENTS = (
    "Thanks. I'll work on the radio traffic next shift.",
    "Agreed on the records; I'll block time between calls.",
    "I didn't know the clinic closed early. Added it to my notes.",
    "The dispatch update was hard with the noise on scene, but understood.",
    "Noted. Can we practise the screening questions on Thursday?",
)
SHIFT_NOTES = (
    "Day shift on the downtown beat; two calls held over from nights.",
    "Covered the east district while CR-5 was at training.",
    "Slow start, then three calls after 14:00.",
    "Spent the first hour on kit check and a route drive.",
    "Late call ran past the end of shift.",
    "",
    "",
)
OBSERVATION_NOTES = (
    "Met the standard on the {call} at {place}.",
    "Done without prompting on the {call}.",
    "",
    "",
)
UNSATISFACTORY_NOTES = (
    "Needed prompting on the {call} at {place}; we went through the standard afterwards.",
    "Missed a step of the standard on the {call}; I finished it. Repeat next shift.",
)
CALL_TYPES = {
    "community_responder": (
        "Behavioral health crisis",
        "Welfare check",
        "Suicidal statement (no weapon)",
        "Intoxicated person (no medical emergency)",
        "Overdose",
        "Neighbor dispute",
        "Noise complaint",
        "Trespass",
        "Unhoused person or encampment concern",
        "Transit disturbance",
        "Youth or family conflict",
        "Report taking",
    ),
    "violence_intervention": (
        "Group conflict or retaliation risk",
        "Post-shooting community response",
        "Youth or family conflict",
        "Neighbor dispute",
        "Welfare check",
        "Overdose",
    ),
}
# How the narratives name a call of each type ("the {call}").
CALL_PHRASES = {
    "Behavioral health crisis": "behavioral health call",
    "Welfare check": "welfare check",
    "Suicidal statement (no weapon)": "suicidal-statement call",
    "Intoxicated person (no medical emergency)": "intoxicated-person call",
    "Overdose": "overdose call",
    "Neighbor dispute": "neighbor dispute",
    "Noise complaint": "noise complaint",
    "Trespass": "trespass call",
    "Unhoused person or encampment concern": "encampment call",
    "Transit disturbance": "transit disturbance",
    "Youth or family conflict": "family conflict call",
    "Group conflict or retaliation risk": "retaliation-risk call",
    "Post-shooting community response": "post-shooting response",
    "Report taking": "report call",
}
# Categories that go "not observed" when no call of the shift called for them.
MEDICAL_CALLS = {"Overdose", "Intoxicated person (no medical emergency)"}
MEDIATION_CALLS = {"Neighbor dispute", "Noise complaint", "Group conflict or retaliation risk"}


# --- the trainees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineePlan:
    """One trainee's field training, from the day they started (in days before `today`)."""

    trainee: str  # a FieldPerson key, or "learner"
    book: str
    primary: str  # a FieldPerson key, or "fto"
    secondary: str | None
    started_days_ago: int
    # Days after the start at which each finished phase was approved (the morning of that day).
    approved_after: tuple[int, ...] = ()
    outcome: str = "active"  # "active", "recommended" (current phase) or "released"
    ten_hour_days: bool = False  # Monday to Thursday, 10 hours (else Monday to Friday)
    attendance: float = 0.93
    skill: float = 0.0  # added to every mean rating
    absent: tuple[tuple[int, int], ...] = ()  # (from, to) days after the start, inclusive
    extension: tuple[int, int, str] | None = None  # (days after the start, days, reason)
    low_streak: str | None = None  # category rated 2 in the last two DORs
    last_shift_without_report: bool = False
    last_report_unacknowledged: bool = False


PLANS: tuple[TraineePlan, ...] = (
    TraineePlan(
        "learner",
        "community_responder",
        "fto",
        None,
        started_days_ago=22,
        approved_after=(15,),
        last_report_unacknowledged=True,
    ),
    TraineePlan(
        "pending",
        "community_responder",
        "fto",
        "fto_cr",
        started_days_ago=40,
        approved_after=(14, 35),
        skill=0.4,
        last_shift_without_report=True,
    ),
    TraineePlan(
        "low",
        "community_responder",
        "fto",
        None,
        started_days_ago=26,
        approved_after=(15,),
        ten_hour_days=True,
        attendance=1.0,
        skill=-0.2,
        low_streak="radio_dispatch",
    ),
    TraineePlan(
        "behind",
        "community_responder",
        "fto",
        "fto_cr",
        started_days_ago=33,
        approved_after=(14,),
        absent=((17, 26),),
        attendance=0.6,
    ),
    TraineePlan(
        "recommended",
        "violence_intervention",
        "fto_cvi",
        "fto",
        started_days_ago=24,
        outcome="recommended",
        ten_hour_days=True,
        attendance=1.0,
        skill=0.3,
    ),
    TraineePlan(
        "extended",
        "community_responder",
        "fto",
        None,
        started_days_ago=19,
        absent=((8, 10),),
        skill=-0.4,
        extension=(
            14,
            10,
            "Missed three shifts in week two for a family emergency and has not yet led a "
            "contact with a person in crisis (CR-17). Ten more days in phase 1 with coaching "
            "on scene safety.",
        ),
    ),
    TraineePlan(
        "released",
        "community_responder",
        "fto",
        "fto_cr",
        started_days_ago=76,
        approved_after=(14, 42, 63, 71),
        outcome="released",
        skill=0.5,
    ),
    TraineePlan(
        "shadow",
        "violence_intervention",
        "fto_cvi",
        None,
        started_days_ago=16,
        ten_hour_days=True,
        attendance=1.0,
    ),
)
UNITS = {"fto": "CR-12", "fto_cr": "CR-7", "fto_cvi": "CVI-3"}


@dataclass(order=True)
class Event:
    at: datetime.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Shift:
    day: datetime.date
    started_at: datetime.datetime
    ended_at: datetime.datetime
    phase: int
    fto: str
    calls: list[str]
    tasks: list[tuple[str, bool]] = field(default_factory=list)  # (task id, satisfactory)
    report: bool = True
    acknowledged_at: datetime.datetime | None = None


def _weekday_on_or_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


class Trainee:
    """Plans one trainee's shifts and signatures, then adds them to the timeline as events."""

    def __init__(
        self,
        plan: TraineePlan,
        *,
        spec: TaskBookSpec,
        page: TaskBookPage,
        people: Mapping[str, User],
        categories: Sequence[str],
        call_types: Mapping[str, CallType],
        organisation: Organisation,
        today: datetime.date,
        rng: random.Random,
    ):
        self.plan = plan
        self.spec = spec
        self.page = page
        self.people = people
        self.categories = categories  # category keys, in the order of the spec's categories
        self.category_ids = {key: c.id for key, c in zip(categories, spec.categories, strict=True)}
        self.category_keys = {cid: key for key, cid in self.category_ids.items()}
        self.call_types = call_types
        self.zone = organisation.zone
        self.today = today
        self.rng = rng
        self.user = people[plan.trainee]
        self.started_on = _weekday_on_or_after(
            today - datetime.timedelta(days=plan.started_days_ago)
        )
        self.training: FieldTraining | None = None
        self.rides: dict[datetime.date, RideAlong] = {}
        self.reports: list[ObservationReport] = []
        self.last_ratings: dict[str, int | None] = {}
        self.category_skill = {key: rng.gauss(0, 0.45) for key in categories}

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)
        return local.astimezone(UTC)

    def day(self, offset: int) -> datetime.date:
        return self.started_on + datetime.timedelta(days=offset)

    # planning (no database)

    def shifts(self) -> list[Shift]:
        plan, rng = self.plan, self.rng
        approvals = [_weekday_on_or_after(self.day(d)) for d in plan.approved_after]
        end = approvals[-1] if plan.outcome == "released" else self.today
        book_calls = [name for name in CALL_TYPES[plan.book] if name in self.call_types]
        workdays = 4 if plan.ten_hour_days else 5
        last_workday = self.today - datetime.timedelta(days=1)
        while last_workday.weekday() >= workdays:
            last_workday -= datetime.timedelta(days=1)
        # The shift whose DOR is awaited (or unacknowledged) is the last one before today.
        forced = {self.started_on}
        if plan.last_shift_without_report or plan.last_report_unacknowledged:
            forced.add(last_workday)
        shifts = []
        day = self.started_on
        while day < end:
            offset = (day - self.started_on).days
            working = day.weekday() < workdays
            absent = any(low <= offset <= high for low, high in plan.absent)
            if working and not absent and (day in forced or rng.random() < plan.attendance):
                length = 10 if plan.ten_hour_days else rng.choice((8, 8.5, 9))
                start_hour = 10 if plan.ten_hour_days else rng.choice((7, 8, 8))
                started_at = self.at(day, start_hour, rng.choice((30, 30, 45)))
                fto = plan.primary
                if plan.secondary and rng.random() < 0.25:
                    fto = plan.secondary
                shifts.append(
                    Shift(
                        day=day,
                        started_at=started_at,
                        ended_at=started_at + datetime.timedelta(hours=length),
                        phase=sum(approval <= day for approval in approvals),
                        fto=fto,
                        calls=rng.sample(book_calls, k=min(len(book_calls), rng.randint(1, 4))),
                    )
                )
            day += datetime.timedelta(days=1)
        if shifts and plan.last_shift_without_report:
            shifts[-1].fto = plan.primary
            shifts[-1].report = False
        if shifts and plan.last_report_unacknowledged:
            shifts[-1].fto = plan.primary
        self.plan_tasks(shifts)
        return shifts

    def plan_tasks(self, shifts: Sequence[Shift]) -> None:
        """Spread each phase's required observations over its shifts: all of them for a
        finished (or recommended) phase, the share of the phase elapsed for the current one."""
        rng = self.rng
        current = len(self.plan.approved_after)
        for index, phase in enumerate(self.spec.phases):
            in_phase = [s for s in shifts if s.phase == index]
            if not in_phase:
                continue
            slots = []
            tasks = list(phase.tasks)
            rng.shuffle(tasks)
            for repeat in range(max(task.observations for task in tasks)):
                slots.extend(task.id for task in tasks if task.observations > repeat)
            if index == current and self.plan.outcome != "recommended":
                planned = phase.weeks * 7 + (self.plan.extension[1] if self.plan.extension else 0)
                elapsed = (self.today - in_phase[0].day).days
                slots = slots[: int(len(slots) * min(0.85, elapsed / planned))]
            for k, task_id in enumerate(slots):
                n = k * len(in_phase) // len(slots)
                if rng.random() < 0.08 and n > 0:
                    in_phase[n - 1].tasks.append((task_id, False))
                in_phase[n].tasks.append((task_id, True))

    def ratings(self, shift: Shift, number: int, last: int) -> list[RatingInput]:
        """A DOR's ratings: mostly 3 to 5, improving over the weeks, with narratives at the
        extremes; never two low ratings running in a category, except the planned streak."""
        rng = self.rng
        weeks = (shift.day - self.started_on).days / 7
        ratings = []
        for key in self.categories:
            category_id = self.category_ids[key]
            unseen = 0.3 if shift.phase == 0 else 0.06
            if key == "medical_recognition" and not MEDICAL_CALLS & set(shift.calls):
                unseen = 0.85
            if key == "conflict_mediation" and not MEDIATION_CALLS & set(shift.calls):
                unseen = 0.6
            if rng.random() < unseen:
                ratings.append(RatingInput(category_id=category_id, not_observed=True))
                self.last_ratings[key] = None
                continue
            mean = 3.4 + self.plan.skill + self.category_skill[key] + 0.18 * weeks
            value = max(2, min(7, round(rng.gauss(mean, 0.6))))
            previous = self.last_ratings.get(key)
            if value <= 2 and ((previous is not None and previous <= 2) or shift.phase > 1):
                value = 3
            minutes = 0
            if key == self.plan.low_streak and number >= last - 1:
                value = 2
                minutes = 30 if number == last - 1 else 45
            elif key == self.plan.low_streak and number == last - 2:
                value = 3
            narrative = ""
            if value <= 2 and key == self.plan.low_streak:
                weak = NARRATIVES[key]["weak"]  # a different shortfall on each of the two
                narrative = self.fill(weak[number % len(weak)], shift)
                minutes = minutes or 30
                narrative += f" We spent {minutes} minutes on remedial training for this."
            elif value <= 2:
                narrative = self.say(key, "weak", shift)
                minutes = minutes or rng.choice((15, 20, 30))
                narrative += f" We spent {minutes} minutes on remedial training for this."
            elif value >= 6:
                narrative = self.say(key, "good", shift)
            elif rng.random() < 0.12:
                narrative = self.say(key, "mid", shift)
            self.last_ratings[key] = value
            ratings.append(
                RatingInput(
                    category_id=category_id,
                    rating=value,
                    remedial_minutes=minutes if value <= 2 else 0,
                    narrative=narrative,
                )
            )
        return ratings

    def say(self, key: str, kind: str, shift: Shift) -> str:
        return self.fill(self.rng.choice(NARRATIVES[key][kind]), shift)

    def fill(self, text: str, shift: Shift) -> str:
        name = self.rng.choice(shift.calls) if shift.calls else ""
        call = CALL_PHRASES.get(name, f"{name.lower()} call".strip())
        return text.format(call=call, place=self.rng.choice(PLACES))

    # the timeline (one service call per event)

    def schedule(self, add: Callable[[datetime.datetime, Callable[[], None]], None]) -> None:
        plan, rng = self.plan, self.rng
        people = self.people
        supervisor = people["supervisor"]
        shifts = self.shifts()
        reported = [s for s in shifts if s.report]
        start_at = self.at(self.started_on, 7)
        add(start_at, lambda: self.start(start_at))

        phase_last_shift: dict[int, Shift] = {}
        for shift in shifts:
            phase_last_shift[shift.phase] = shift
        approvals = [_weekday_on_or_after(self.day(d)) for d in plan.approved_after]
        for index, approval_day in enumerate(approvals):
            last = phase_last_shift.get(index)
            if last is None:
                raise ImproperlyConfigured(f"No shift in phase {index + 1} of {plan.trainee}.")
            recommended_at = last.ended_at + datetime.timedelta(minutes=95)
            add(recommended_at, lambda at=recommended_at: self.recommend(at))
            approved_at = self.at(approval_day, 7, 10)
            add(approved_at, lambda at=approved_at: self.approve(supervisor, at))
        if plan.outcome == "recommended" and shifts:
            recommended_at = shifts[-1].ended_at + datetime.timedelta(minutes=95)
            add(recommended_at, lambda: self.recommend(recommended_at))
        if plan.outcome == "released":
            released_at = self.at(approvals[-1], 11, 20)
            add(released_at, lambda: self.release(supervisor, released_at))
        if plan.extension:
            offset, days, reason = plan.extension
            extended_at = self.at(_weekday_on_or_after(self.day(offset)), 7, 5)
            add(extended_at, lambda: self.extend(supervisor, days, reason, extended_at))

        cutoff = self.at(self.today, 0)
        for shift in shifts:
            logged_at = shift.ended_at + datetime.timedelta(minutes=rng.randint(5, 15))
            add(logged_at, lambda s=shift, at=logged_at: self.log(s, at))
            for n, (task_id, ok) in enumerate(shift.tasks):
                signed_at = logged_at + datetime.timedelta(minutes=3 + 2 * n)
                add(
                    signed_at,
                    lambda s=shift, t=task_id, ok=ok, at=signed_at: self.sign(s, t, ok, at),
                )
            if not shift.report:
                continue
            number = reported.index(shift) + 1
            written_at = logged_at + datetime.timedelta(minutes=rng.randint(25, 70))
            ratings = self.ratings(shift, number, len(reported))
            add(written_at, lambda s=shift, r=ratings, at=written_at: self.report(s, r, at))
            acknowledged_at = self.at(shift.day + datetime.timedelta(days=1), 7, rng.randint(0, 50))
            late = not plan.last_report_unacknowledged and shift is not reported[-1]
            if late and rng.random() < 0.12:
                acknowledged_at += datetime.timedelta(days=2)  # read it a couple of days late
            skip = shift is reported[-1] and plan.last_report_unacknowledged
            if not skip and acknowledged_at < cutoff:
                comment = rng.choice(ACK_COMMENTS) if rng.random() < 0.2 else ""
                add(
                    acknowledged_at,
                    lambda s=shift, c=comment, at=acknowledged_at: self.acknowledge(s, c, at),
                )

    def start(self, at: datetime.datetime) -> None:
        people = self.people
        self.training = field_services.field_training_start(
            actor=people["supervisor"],
            profile=self.user.staff_profile,
            task_book=self.page,
            primary_fto=people[self.plan.primary],
            secondary_fto=people[self.plan.secondary] if self.plan.secondary else None,
            started_on=self.started_on,
            now=at,
        )

    def log(self, shift: Shift, at: datetime.datetime) -> None:
        training = self.training
        training.refresh_from_db(fields=["phase_index", "phase_started_on", "status"])
        self.rides[shift.day] = field_services.ride_along_log(
            fto=self.people[shift.fto],
            training=training,
            started_at=shift.started_at,
            ended_at=shift.ended_at,
            unit=UNITS[shift.fto],
            call_types=[self.call_types[name] for name in shift.calls],
            notes=self.rng.choice(SHIFT_NOTES),
            request_key=self.key(),
            now=at,
        )

    def sign(self, shift: Shift, task_id: str, satisfactory: bool, at: datetime.datetime) -> None:
        bank = OBSERVATION_NOTES if satisfactory else UNSATISFACTORY_NOTES
        notes = self.fill(self.rng.choice(bank), shift)
        field_services.task_observation_sign(
            fto=self.people[shift.fto],
            training=self.training,
            task_id=task_id,
            observed_on=shift.day,
            context="ride_along",
            satisfactory=satisfactory,
            notes=notes,
            ride_along=self.rides[shift.day],
            request_key=self.key(),
            now=at,
        )

    def report(self, shift: Shift, ratings: Sequence[RatingInput], at: datetime.datetime) -> None:
        rated = [r for r in ratings if r.rating is not None] or [
            RatingInput(category_id=self.category_ids[self.categories[0]], rating=4)
        ]
        keys = self.category_keys
        best = max(rated, key=lambda r: (r.rating, self.rng.random()))
        worst = min(rated, key=lambda r: (r.rating, self.rng.random()))
        least = self.say(keys[worst.category_id], "weak" if worst.rating <= 3 else "mid", shift)
        self.reports.append(
            field_services.report_submit(
                fto=self.people[shift.fto],
                training=self.training,
                ride_along=self.rides[shift.day],
                ratings=ratings,
                most_satisfactory=self.say(keys[best.category_id], "good", shift),
                least_satisfactory=least,
                comments=self.rng.choice(COMMENTS),
                request_key=self.key(),
                now=at,
            )
        )

    def acknowledge(self, shift: Shift, comment: str, at: datetime.datetime) -> None:
        report = next(r for r in self.reports if r.ride_along_id == self.rides[shift.day].pk)
        field_services.report_acknowledge(
            trainee=self.user, report=report, comment=comment, request_key=self.key(), now=at
        )

    def recommend(self, at: datetime.datetime) -> None:
        phase = self.spec.phases[self.training.phase_index].name
        field_services.phase_recommend(
            fto=self.people[self.plan.primary],
            training=self.training,
            comment=f"Every task of {phase} is signed off; ready to move on.",
            request_key=self.key(),
            now=at,
        )

    def approve(self, supervisor: User, at: datetime.datetime) -> None:
        field_services.phase_approve(
            supervisor=supervisor,
            training=self.training,
            comment="Reviewed the DORs and task sign-offs with the FTO. Approved.",
            request_key=self.key(),
            now=at,
        )

    def extend(self, supervisor: User, days: int, reason: str, at: datetime.datetime) -> None:
        field_services.phase_extend(
            supervisor=supervisor,
            training=self.training,
            days=days,
            reason=reason,
            request_key=self.key(),
            now=at,
        )

    def release(self, supervisor: User, at: datetime.datetime) -> None:
        field_services.training_release(
            supervisor=supervisor,
            training=self.training,
            reauthenticated_at=at - datetime.timedelta(minutes=2),
            comment="Complete record reviewed with both FTOs. Released to solo duty.",
            request_key=self.key(),
            now=at,
        )

    def key(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def seed_trainees(
    content: Mapping[str, Any],
    books: Mapping[str, TaskBookPage],
    *,
    people: Mapping[str, User],
    organisation: Organisation,
    today: datetime.date,
) -> int:
    """Run every trainee's field training through the services in time order. Returns the
    number of service calls."""
    call_types = {c.name: c for c in CallType.objects.filter(active=True)}
    categories = [row["key"] for row in content["dor_categories"]]
    events: list[Event] = []

    def add(at: datetime.datetime, run: Callable[[], None]) -> None:
        events.append(Event(at, len(events), run))

    for n, plan in enumerate(PLANS):
        page = books[plan.book]
        trainee = Trainee(
            plan,
            spec=task_book_spec(page),
            page=page,
            people=people,
            categories=categories,
            call_types=call_types,
            organisation=organisation,
            today=today,
            rng=random.Random(FIELD_RANDOM_SEED * 100 + n),  # noqa: S311 - reproducible demo  # nosec B311
        )
        trainee.schedule(add)
    for event in sorted(events):
        event.run()
    return len(events)


# --- the whole set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSummary:
    created: bool
    task_books: int
    tasks: int
    trainees_by_status: dict[str, int]
    shifts: int
    reports: int
    task_observations: int
    signoffs: int

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{s} {n}" for s, n in sorted(self.trainees_by_status.items()))
        return [
            f"Field training: {self.task_books} task books ({self.tasks} tasks), trainees: "
            f"{statuses or 'none'}, {self.shifts} shifts, {self.reports} DORs, "
            f"{self.task_observations} task observations, {self.signoffs} signatures"
            + ("." if self.created else " (already loaded).")
        ]


def seed_field_training(
    catalog: Mapping[str, Any],
    *,
    job_roles: Mapping[str, JobRole],
    organisations: Mapping[str, Organisation],
    today: datetime.date,
    stdout: TextIO | None = None,
) -> FieldSummary:
    """Load the task books and the demo trainees' field training once (after the curriculum
    and the scenarios)."""
    content = load_field_training()
    slugs = [spec["key"].replace("_", "-") + "-task-book" for spec in content["task_books"]]
    created = not TaskBookPage.objects.filter(slug__in=slugs).exists()
    if created:
        with transaction.atomic():
            author = User.objects.filter(email=AUTHOR).first()
            books = build_task_books(
                content, catalog["curriculum"], job_roles=job_roles, author=author
            )
            organisation = organisations[OCS]
            people = seed_field_people(
                organisation=organisation,
                job_roles=job_roles,
                today=today,
                last_names=catalog["people"]["last_names"],
            )
            logins = User.objects.select_related("staff_profile__organisation").filter(
                email__in=[LEARNER, FTO, SUPERVISOR]
            )
            by_email = {user.email: user for user in logins}
            people = {
                **people,
                "learner": by_email[LEARNER],
                "fto": by_email[FTO],
                "supervisor": by_email[SUPERVISOR],
            }
            seed_trainees(content, books, people=people, organisation=organisation, today=today)
    summary = field_summary(slugs, created=created)
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary


def field_summary(slugs: Sequence[str], *, created: bool) -> FieldSummary:
    books = TaskBookPage.objects.live().filter(slug__in=slugs)
    trainings = FieldTraining.objects.filter(task_book__in=books)
    return FieldSummary(
        created=created,
        task_books=books.count(),
        tasks=sum(sum(len(p.value["tasks"]) for p in page.phases) for page in books),
        trainees_by_status=dict(Counter(trainings.values_list("status", flat=True))),
        shifts=RideAlong.objects.filter(training__in=trainings).count(),
        reports=ObservationReport.objects.filter(training__in=trainings).count(),
        task_observations=TaskObservation.objects.filter(training__in=trainings).count(),
        signoffs=Signoff.objects.filter(training__in=trainings).count(),
    )

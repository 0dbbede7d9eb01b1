"""A small, hand-counted world for the program reports, built through the services.

The range is the first half of 2026 in the city's time zone (America/Denver):

- **Modules** (a skills module of 90 minutes, a scenario module of 60): the department's
  learner completes the skills module in February and the scenario module in March; the
  sharing CBO's learner the skills module in March; the non-sharing CBO's learner the skills
  module in February (seen by administrators only).
- **Field training** (the department's FTO and learner): shifts of 8 h and 4.5 h in April and
  6 h in May; DORs on the two April shifts; two task sign-offs in April.
- **Funding**: the department on the general fund (the default), the sharing CBO on a state
  grant, the non-sharing CBO privately funded, the department learner's own position on a
  federal grant.
- **Headcount** on 30 June: besides the city's people, someone on leave (not counted),
  someone separated in May (not counted), someone separated in July (counted) and someone
  hired in July (not counted).
"""

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass

import pytest

from courses.models import FieldTraining, ModulePage, RideAlong
from courses.services import field as field_services
from courses.services.progress import module_complete, section_view
from lms.accounts.models import FundingSource, StaffProfile, StaffStatus
from lms.accounts.services import staff_change_job_role, staff_separate
from tests.factories import StaffProfileFactory
from tests.factories.courses import assign, module_page, program_page
from tests.factories.field import ratings_for, start, task_book_page

TZ = zoneinfo.ZoneInfo("America/Denver")
RANGE = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
END = datetime.date(2026, 6, 30)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def complete_skills(*, admin, profile: StaffProfile, module: ModulePage, when: datetime.datetime):
    """Assigned (by an administrator) the day before, then the module's one section seen."""
    program = module.get_parent().specific
    assign(
        actor=admin,
        profile=profile,
        program=program,
        due_on=when.date() + datetime.timedelta(days=30),
        now=when - datetime.timedelta(days=1),
    )
    return section_view(user=profile.user, module=module, index=0, now=when)


def complete_scenario(*, profile: StaffProfile, module: ModulePage, when: datetime.datetime):
    return module_complete(
        user=profile.user, module=module, source="scenario_attempt", evidence={}, now=when
    )


def log_shift(training: FieldTraining, begins: datetime.datetime, hours: float) -> RideAlong:
    return field_services.ride_along_log(
        fto=training.primary_fto,
        training=training,
        started_at=begins,
        ended_at=begins + datetime.timedelta(hours=hours),
        unit="CR-12",
        request_key=uuid.uuid4(),
    )


def write_dor(training: FieldTraining, ride: RideAlong):
    return field_services.report_submit(
        fto=training.primary_fto,
        training=training,
        ride_along=ride,
        ratings=ratings_for(training),
        most_satisfactory="Calm approach at the bus shelter.",
        least_satisfactory="Late radio traffic.",
        request_key=uuid.uuid4(),
        now=ride.ended_at + datetime.timedelta(hours=1),
    )


def sign_task(training: FieldTraining, day: datetime.date):
    task_id = training.spec["phases"][0]["tasks"][0]["id"]
    return field_services.task_observation_sign(
        fto=training.primary_fto,
        training=training,
        task_id=task_id,
        observed_on=day,
        context="ride_along",
        satisfactory=True,
        request_key=uuid.uuid4(),
        now=datetime.datetime.combine(day, datetime.time(17), tzinfo=TZ),
    )


@dataclass
class World:
    skills: ModulePage
    scenario: ModulePage
    training: FieldTraining


@pytest.fixture
def world(city) -> World:
    admin = city.user("admin")
    city.sharing_cbo.funding_source = FundingSource.STATE_GRANT
    city.sharing_cbo.save(update_fields=["funding_source"])
    city.private_cbo.funding_source = FundingSource.PRIVATE
    city.private_cbo.save(update_fields=["funding_source"])
    staff_change_job_role(
        actor=admin,
        profile=city.learner,
        job_role=city.learner.job_role,
        on=datetime.date(2025, 3, 3),
        funding_source=FundingSource.FEDERAL_GRANT,
    )
    program = program_page("Responder academy")
    skills = module_page(
        program, training_type="skills", sections=1, n_questions=0, estimated_minutes=90
    )
    scenario = module_page(
        program, training_type="scenario", sections=0, n_questions=0, estimated_minutes=60
    )
    complete_skills(admin=admin, profile=city.learner, module=skills, when=at(2026, 2, 10))
    complete_scenario(profile=city.learner, module=scenario, when=at(2026, 3, 5))
    complete_skills(admin=admin, profile=city.cbo_learner, module=skills, when=at(2026, 3, 20))
    complete_skills(
        admin=admin, profile=city.private_cbo_learner, module=skills, when=at(2026, 2, 11)
    )

    training = start(
        trainee=city.learner,
        supervisor=city.supervisor.user,
        fto=city.fto.user,
        task_book=task_book_page(phases=(("Only", 1),)),
        started_on=datetime.date(2026, 3, 30),
    )
    first = log_shift(training, at(2026, 4, 2, 8), 8)
    second = log_shift(training, at(2026, 4, 3, 8), 4.5)
    log_shift(training, at(2026, 5, 10, 7), 6)
    write_dor(training, first)
    write_dor(training, second)
    sign_task(training, datetime.date(2026, 4, 2))
    sign_task(training, datetime.date(2026, 4, 3))

    StaffProfileFactory(organisation=city.department, status=StaffStatus.ON_LEAVE)
    early = StaffProfileFactory(organisation=city.department, status=StaffStatus.ACTIVE)
    staff_separate(actor=admin, profile=early, on=datetime.date(2026, 5, 1))
    late = StaffProfileFactory(organisation=city.department, status=StaffStatus.ACTIVE)
    staff_separate(actor=admin, profile=late, on=datetime.date(2026, 7, 15))
    StaffProfileFactory(organisation=city.department, hire_date=datetime.date(2026, 7, 1))
    return World(skills=skills, scenario=scenario, training=training)

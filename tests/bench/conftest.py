"""A small curriculum for the scenarios that need one (`learner_home`, `module_page`,
`supervisor_grid`), built with the factories in the shared `city`."""

from dataclasses import dataclass

import pytest

from courses.models import ModulePage, TrainingProgramPage
from tests.factories import assign, module_page, program_page
from tests.factories.field import report as field_report
from tests.factories.field import start as field_start
from tests.factories.field import task_book_page
from tests.factories.scenarios import scenario_page


@dataclass
class Curriculum:
    program: TrainingProgramPage
    field_module: ModulePage
    first_module: ModulePage


@pytest.fixture
def curriculum(city) -> Curriculum:
    """One program assigned to the learner and the FTO (both of the supervisor's organisation)
    whose first module has no sections (a field module) and whose second has two."""
    program = program_page("Academy")
    field_module = module_page(program, title="Ride-alongs", training_type="field", sections=0)
    first_module = module_page(program, title="Orientation", sections=2)
    scenario_module = module_page(
        program, title="Overdose drill", training_type="scenario", sections=0, n_questions=0
    )
    scenario_page(scenario_module)
    supervisor = city.user("supervisor")
    for profile in (city.learner, city.fto):
        assign(actor=supervisor, profile=profile, program=program)
    # The learner is in field training with the FTO, with one reported shift.
    training = field_start(
        trainee=city.learner,
        supervisor=supervisor,
        fto=city.user("fto"),
        task_book=task_book_page(module=field_module),
    )
    field_report(training)
    return Curriculum(program=program, field_module=field_module, first_module=first_module)

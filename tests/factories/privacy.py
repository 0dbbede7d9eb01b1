"""A person with a long history in every part of Relay, built through the services, for the data
export and retention tests."""

import uuid

from certificates.services.careers import career_interest_set
from courses.content import quiz_spec
from courses.services.protocol import protocol_acknowledge, protocol_version_record
from courses.services.quiz import quiz_submit
from lms.xapi.services import statement_record_quiz_attempt
from scenarios.services import attempt_choose, attempt_start_or_resume

from .certificates import CredentialTypeFactory, JobRoleFactory, record_external, verify
from .courses import assign, module_page, program_page, protocol_page
from .field import observe, report, start
from .scenarios import scenario_page


def history(city, *, rounds: int = 1):
    """`rounds` of everything for the city's learner: modules with quiz attempts (and their
    xAPI statements), scenario runs, protocol acknowledgements, verified credentials, DORs and
    task sign-offs on one field training, and career interests. Returns the field training."""
    learner = city.user("learner")
    profile = city.learner
    program = program_page(f"Academy {uuid.uuid4().hex[:6]}", roles=[profile.job_role])
    assign(actor=city.user("supervisor"), profile=profile, program=program)
    training = start(trainee=profile, supervisor=city.user("supervisor"), fto=city.user("fto"))
    task_ids = [t["id"] for p in training.spec["phases"] for t in p["tasks"]]
    for index in range(rounds):
        module = module_page(program, n_questions=2)
        spec = quiz_spec(module)
        attempt = quiz_submit(
            user=learner,
            module=module,
            answers={q.id: [q.options[1].id] for q in spec},  # wrong: a failed attempt
        ).attempt
        statement_record_quiz_attempt(attempt=attempt)
        quiz_submit(user=learner, module=module, answers={q.id: [q.options[0].id] for q in spec})
        scenario = scenario_page(module_page(program, training_type="scenario", n_questions=0))
        played = attempt_start_or_resume(user=learner, scenario=scenario)
        for step in ("arrive", "person", "stay"):
            played = attempt_choose(user=learner, attempt=played, step_id=step, choice_id="0")
        protocol = protocol_page(f"Protocol {uuid.uuid4().hex[:6]}", roles=[profile.job_role])
        protocol_version_record(protocol=protocol)
        protocol_acknowledge(user=learner, protocol=protocol)
        credential = record_external(
            holder=learner, credential_type=CredentialTypeFactory(slug=f"kind-{uuid.uuid4().hex}")
        )
        verify(credential=credential, actor=city.user("hr"))
        career_interest_set(user=learner, role=JobRoleFactory(), interested=True)
        report(training)
        observe(training, task_ids[index % len(task_ids)], days_ago=index + 1)
    return training

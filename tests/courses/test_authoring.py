"""Curriculum authors work in the Wagtail admin; the tree stays sane."""

import pytest
from django.test import RequestFactory

from courses.models import (
    CurriculumIndexPage,
    ModulePage,
    ProtocolPage,
    TaskBookPage,
    TrainingProgramPage,
)
from tests.factories.courses import module_page, program_page, protocol_page


def test_curriculum_root_exists_and_is_the_site_root(db):
    from wagtail.models import Site

    index = CurriculumIndexPage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == index.pk


def test_page_tree_rules():
    assert ModulePage.parent_page_types == ["courses.TrainingProgramPage"]
    assert TrainingProgramPage.parent_page_types == ["courses.CurriculumIndexPage"]
    assert ProtocolPage.parent_page_types == ["courses.CurriculumIndexPage"]
    assert set(CurriculumIndexPage.subpage_types) == {
        "courses.TrainingProgramPage",
        "courses.ProtocolPage",
    }
    assert ModulePage.subpage_types == ["scenarios.ScenarioPage", "courses.TaskBookPage"]
    assert TaskBookPage.parent_page_types == ["courses.ModulePage"]


@pytest.mark.parametrize("kind", ["program", "module", "protocol"])
def test_author_can_open_the_editor(city, client_for, kind):
    program = program_page()
    page = {
        "program": program,
        "module": module_page(program),
        "protocol": protocol_page(),
    }[kind]
    client = client_for("author")
    response = client.get(f"/cms/pages/{page.pk}/edit/")
    assert response.status_code == 200
    add = client.get(f"/cms/pages/add/courses/modulepage/{program.pk}/")
    assert add.status_code == 200


def test_learner_cannot_open_the_editor(city, client_for):
    program = program_page()
    response = client_for("learner").get(f"/cms/pages/{program.pk}/edit/")
    assert response.status_code in (302, 403)


def test_previews_render_the_draft(city):
    program = program_page()
    module = module_page(program, sections=2, n_questions=1)
    request = RequestFactory().get("/")
    request.user = city.user("author")
    response = module.serve_preview(request, "")
    response.render()
    assert b"Preview:" in response.content
    assert module.body[0].value["heading"].encode() in response.content
    protocol = protocol_page()
    response = protocol.serve_preview(request, "")
    response.render()
    assert b"Preview:" in response.content


def test_protocol_module_needs_its_protocol(city):
    from django.core.exceptions import ValidationError

    program = program_page()
    module = ModulePage(title="Protocol module", training_type="protocol")
    with pytest.raises(ValidationError):
        module.clean()
    module.protocol = protocol_page()
    program.add_child(instance=module)


def test_publishing_a_protocol_in_the_admin_records_its_version(city):
    from courses.models import ProtocolVersion
    from courses.wagtail_hooks import record_protocol_version

    protocol = protocol_page(roles=[city.learner.job_role])
    record_protocol_version(None, protocol)
    record_protocol_version(None, protocol)  # publishing again without a new version: nothing
    assert ProtocolVersion.objects.filter(protocol=protocol).count() == 1


def test_apply_assignment_rules_command_is_idempotent(city):
    from io import StringIO

    from django.core.management import call_command

    from courses.models import Assignment

    program = program_page(roles=[city.learner.job_role])
    module_page(program)
    out = StringIO()
    call_command("apply_assignment_rules", stdout=out)
    assert Assignment.objects.filter(program=program).count() == 1
    call_command("apply_assignment_rules", stdout=out)
    assert Assignment.objects.filter(program=program).count() == 1


def test_a_task_book_goes_only_under_a_field_module(city, client_for):
    from tests.factories.field import task_book_page

    program = program_page()
    skills = module_page(program)
    field = module_page(program, training_type="field", sections=0, n_questions=0)
    assert not TaskBookPage.can_create_at(skills)
    assert TaskBookPage.can_create_at(field)
    book = task_book_page(module=module_page(program, training_type="field"))
    client = client_for("author")
    assert client.get(f"/cms/pages/{book.pk}/edit/").status_code == 200
    assert client.get(f"/cms/pages/add/courses/taskbookpage/{field.pk}/").status_code == 200
    preview = client.get(f"/cms/pages/{book.pk}/edit/preview/")
    assert preview.status_code in (200, 405)

"""A person's data export: what is in it, what never is, who may take it, what it costs."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Signoff
from lms.accounts.models import StaffProfile, User
from lms.accounts.permissions import can_export_personal_data
from lms.accounts.privacy import export
from lms.accounts.privacy.inventory import EXCLUDED, EXPORTED, relation_key
from lms.api.services import api_token_create
from lms.audit.models import AuditAction, AuditEvent
from tests.factories.accounts import TOTP_SECRET
from tests.factories.privacy import history

JSON_FILES = {
    "person.json",
    "training.json",
    "field_training.json",
    "credentials.json",
    "career.json",
    "audit.json",
    "xapi.json",
    "work_for_others.json",
}


def _person_relations():
    """(key, field) of every relation declared on a model that points at a person."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not (field.is_relation and (field.concrete or field.many_to_many)):
                continue
            if field.auto_created and not field.concrete:
                continue  # reverse side of a relation declared elsewhere
            if getattr(field, "model", None) is not model:
                continue  # inherited from a parent model (Wagtail page types)
            if field.related_model in (User, StaffProfile):
                yield relation_key(model, field), field


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Inventory: no model pointing at a person can be forgotten --------------------------------


def test_every_relation_to_a_person_is_exported_or_excluded_with_a_reason():
    relations = dict(_person_relations())
    forgotten = sorted(key for key in relations if key not in EXPORTED and key not in EXCLUDED)
    assert not forgotten, (
        f"Export these in lms/accounts/privacy or list them in EXCLUDED: {forgotten}"
    )
    assert not set(EXPORTED) & set(EXCLUDED)
    stale = sorted((set(EXPORTED) | set(EXCLUDED)) - set(relations))
    assert not stale, f"Listed in the inventory but no longer a relation to a person: {stale}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert set(EXPORTED.values()) <= JSON_FILES


# --- Content ---------------------------------------------------------------------------------


@pytest.fixture
def learner_history(city):
    return history(city, rounds=2)


def test_the_zip_holds_every_file_the_readme_and_the_pdfs(city, learner_history):
    files = _unzip(export.export_zip(city.user("learner")).read())

    assert JSON_FILES | {"README.txt", "pdf/transcript.pdf"} <= set(files)
    certificates = [n for n in files if n.startswith("pdf/certificates/")]
    assert len(certificates) == 2
    (task_book,) = [n for n in files if n.startswith("pdf/field_training/")]
    assert str(learner_history.pk) in task_book
    for name in [*certificates, task_book, "pdf/transcript.pdf"]:
        assert files[name].startswith(b"%PDF")
    readme = files["README.txt"].decode()
    for name in JSON_FILES:
        assert name in readme


def test_the_json_holds_the_person_s_records(city, learner_history):
    learner = city.user("learner")
    files = {
        name: json.loads(content)
        for name, content in _unzip(export.export_zip(learner).read()).items()
        if name.endswith(".json")
    }
    person = files["person.json"]
    assert person["person_id"] == learner.pk
    assert person["account"]["email"] == learner.email
    assert person["account"]["mfa_enabled"] is False
    assert "learner" in person["account"]["roles"]
    employment = person["employment"]
    assert employment["organisation"]["name"] == city.department.name
    assert employment["supervisor"]["id"] == city.user("supervisor").pk
    assert [f["id"] for f in employment["field_training_officers"]] == [city.user("fto").pk]
    assert employment["funding_source"] == "general_fund"

    training = files["training.json"]
    assert len(training["quiz_attempts"]) == 4
    assert all(attempt["answers"] for attempt in training["quiz_attempts"])
    assert len(training["scenario_runs"]) == 2
    assert len(training["protocol_acknowledgements"]) == 2
    assert len(training["assignments"]) == 1

    field = files["field_training.json"]
    assert [t["id"] for t in field["field_trainings"]] == [learner_history.pk]
    assert len(field["observation_reports"]) == 2
    assert all(report["ratings"] for report in field["observation_reports"])
    assert len(field["task_observations"]) == 2
    signatures = Signoff.objects.filter(trainee=learner)
    assert [s["record_hash"] for s in field["signatures"]] == list(
        signatures.order_by("sequence").values_list("record_hash", flat=True)
    )

    credentials = files["credentials.json"]
    assert len(credentials["credentials"]) == 2
    assert all(c["evidence"]["sha256"] for c in credentials["credentials"])
    assert {d["kind"] for d in credentials["decisions"]} >= {"recorded", "verified"}
    assert len(files["career.json"]["interests"]) == 2
    assert len(files["xapi.json"]["statements"]) >= 2

    fto_work = export.export_data(city.user("fto")).files["work_for_others.json"]
    assert len(fto_work["courses.Signoff.signer"]) == signatures.count()
    assert len(fto_work["courses.ObservationReport.fto"]) == 2


def test_audit_json_has_events_by_and_about_the_person(city, learner_history):
    learner = city.user("learner")
    export.export_record(actor=city.user("hr"), person=learner)
    events = export.export_data(learner).files["audit.json"]["events"]
    targets = {event["target"] for event in events}
    assert f"privacy-export:{learner.pk}" in targets
    # Events by others are about the learner or one of their records (HR's export, and HR's
    # credential decisions where those are audited).
    by_others = [e for e in events if e["actor_id"] != learner.pk]
    assert AuditAction.EXPORTED in [e["action"] for e in by_others]
    credential_ids = set(learner.credentials.values_list("pk", flat=True))
    for event in by_others:
        kind, _, pk = event["target"].partition(":")
        assert (kind == "privacy-export" and pk == str(learner.pk)) or (
            kind == "credential" and int(pk) in credential_ids
        ), event
    assert any(event["actor_id"] == learner.pk for event in events)
    unrelated = AuditEvent.objects.exclude(target__in=targets).exclude(actor=learner)
    assert not {e.pk for e in unrelated} & {event["id"] for event in events}


def test_no_secret_ever_leaves(city, learner_history):
    hr = city.user("hr")  # HR has a second factor and may hold API tokens
    token, secret = api_token_create(owner=hr, name="Sync", scopes=["staff:read"])
    content = export.export_zip(hr).read()
    files = _unzip(content)
    everything = b"".join(files.values())
    person = json.loads(files["person.json"])
    assert person["account"]["mfa_enabled"] is True
    assert person["api_tokens"][0]["name"] == "Sync"
    for forbidden in (hr.password, TOTP_SECRET, secret, token.token_hash):
        assert forbidden.encode() not in everything
    assert b"token_hash" not in everything
    assert b"pbkdf2" not in everything


# --- Query budget ----------------------------------------------------------------------------


def _queries(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        export.export_data(user)
    return len(captured)


def test_export_data_costs_the_same_queries_whatever_the_history(
    city, django_assert_max_num_queries
):
    learner = city.user("learner")
    history(city, rounds=1)
    small = _queries(learner)
    history(city, rounds=4)
    with django_assert_max_num_queries(small):
        data = export.export_data(learner)
    assert len(data.files["training.json"]["quiz_attempts"]) == 10
    assert small <= 65  # 57 today: one or two per model, see lms/accounts/privacy/export.py


def test_the_pdfs_cost_a_bounded_number_of_queries_each(city, django_assert_max_num_queries):
    learner = city.user("learner")
    history(city, rounds=3)
    data = export.export_data(learner)
    documents = 1 + len(data.credentials) + len(data.trainings)
    export._pdfs(data)  # the certificates are rendered and stored once
    with django_assert_max_num_queries(15 * documents):
        pdfs = export._pdfs(data)
    assert len(pdfs) == documents == 5


# --- Who may export --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "person", "allowed"),
    [
        ("learner", "learner", True),
        ("hr", "learner", True),
        ("admin", "learner", True),
        ("hr", "cbo_learner", True),  # a contracted organisation that shares its people
        ("hr", "private_cbo_learner", False),  # one that does not
        ("admin", "private_cbo_learner", True),
        ("supervisor", "learner", False),
        ("fto", "learner", False),
        ("author", "learner", False),
        ("cbo_supervisor", "cbo_learner", False),
        ("learner", "fto", False),
    ],
)
def test_who_may_export_whose_data(city, actor, person, allowed):
    assert can_export_personal_data(actor=city.user(actor), person=city.user(person)) is allowed


def test_hr_downloads_a_person_s_export_and_it_is_audited(city, client_for):
    learner = city.learner
    url = reverse("accounts:person_export", args=[learner.pk])
    hr = client_for("hr")
    page = hr.get(url)
    assert page.status_code == 200
    assert learner.user.display_name in page.content.decode()

    response = hr.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert f"relay-data-{learner.user_id}-" in response["Content-Disposition"]
    files = _unzip(_download(response))
    assert json.loads(files["person.json"])["account"]["email"] == learner.user.email
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor == city.user("hr")
    assert event.target == f"privacy-export:{learner.user_id}"
    assert event.organisation == city.department


@pytest.mark.parametrize(("role", "status"), [("supervisor", 403), ("fto", 403), ("author", 404)])
def test_supervisors_ftos_and_others_cannot_export(city, client_for, role, status):
    url = reverse("accounts:person_export", args=[city.learner.pk])
    client = client_for(role)
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, target=f"privacy-export:{city.learner.user_id}"
    ).exists()


def test_hr_cannot_export_people_of_an_organisation_that_does_not_share(city, client_for):
    url = reverse("accounts:person_export", args=[city.private_cbo_learner.pk])
    assert client_for("hr").post(url).status_code == 404
    assert client_for("admin").post(url).status_code == 200


def test_a_person_downloads_their_own_data(city, client_for):
    learner = client_for("learner")
    page = learner.get(reverse("accounts:my_data"))
    assert page.status_code == 200
    assert "Download my data" in page.content.decode()
    own = reverse("accounts:person_export", args=[city.learner.pk])
    assert learner.get(own)["Location"] == reverse("accounts:my_data")

    response = learner.post(reverse("accounts:my_data"))
    assert response.status_code == 200
    files = _unzip(_download(response))
    assert json.loads(files["person.json"])["person_id"] == city.user("learner").pk
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor, event.target) == (
        city.user("learner"),
        f"privacy-export:{city.user('learner').pk}",
    )
    assert event.data["self"] is True


def test_the_person_page_links_to_the_export_for_hr_only(city, client_for):
    url = reverse("accounts:staff_detail", args=[city.learner.pk])
    export_url = reverse("accounts:person_export", args=[city.learner.pk])
    assert export_url in client_for("hr").get(url).content.decode()
    assert export_url not in client_for("supervisor").get(url).content.decode()
    own = client_for("learner").get(url).content.decode()
    assert reverse("accounts:my_data") in own

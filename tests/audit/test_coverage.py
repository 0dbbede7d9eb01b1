"""The audit log covers sign-offs, credential decisions, organisation changes, moves between
organisations and API token use (issue 10, point 4): each row through the real service or
page, with its actor, organisation, address, target and what was decided, and the chain still
verifies afterwards."""

import datetime
import json
import uuid

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, RequestFactory
from freezegun import freeze_time

from certificates.models import CredentialDecision, DecisionKind, Verification
from certificates.services.decisions import decision_append
from courses.models import Signoff, SignoffKind
from courses.services import field as field_services
from lms.accounts.models import DataSharing, FundingSource, Organisation
from lms.accounts.roles import ROLE_DEFINITIONS, Role
from lms.api.models import ApiToken
from lms.api.services import api_token_create
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_verify_chain
from tests.factories import JobRoleFactory
from tests.factories.certificates import CredentialTypeFactory, record_external, verify
from tests.factories.field import complete_phase, report, start

IP = "203.0.113.7"


def rows(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def assert_chain_intact():
    assert list(audit_verify_chain()) == []


# --- Sign-offs --------------------------------------------------------------------------------


@pytest.fixture
def training(city):
    return start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)


def test_a_task_sign_off_from_the_phone_form_is_audited_with_its_hashes(city, client_for, training):
    task = training.spec["phases"][0]["tasks"][0]
    response = client_for("fto").post(
        f"/field/{training.pk}/tasks/{task['id']}/",
        {
            "request_key": str(uuid.uuid4()),
            "observed_on": training.organisation.today().isoformat(),
            "satisfactory": "yes",
            "context": "ride_along",
            "ride_along": "",
            "notes": "Checked the stairwell before knocking.",
        },
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    signoff = Signoff.objects.get(kind=SignoffKind.TASK)
    [event] = rows(AuditAction.SIGNOFF_RECORDED)
    assert event.actor == city.fto.user
    assert event.organisation == city.department
    assert event.ip_address == IP
    assert event.target == f"signoff:{signoff.pk}"
    assert event.occurred_at == signoff.signed_at
    assert event.data == {
        "kind": "task",
        "subject": f"task_observation:{signoff.subject_id}",
        "field_training": training.pk,
        "trainee": city.learner.user_id,
        "phase_index": 0,
        "capacity": "Field training officer (primary)",
        "qualifying_credential": signoff.qualifying_credential,
        "statement_version": 1,
        "sequence": signoff.sequence,
        "supersedes": None,
        "content_hash": signoff.content_hash,
        "record_hash": signoff.record_hash,
    }
    # What was observed stays in the sign-off chain, not in the audit log.
    assert "stairwell" not in json.dumps(event.data)
    assert_chain_intact()


def test_a_dor_and_the_trainees_acknowledgement_are_each_audited(city, training):
    dor = report(training, narrative="Spoke calmly with the man at the shelter.")
    ack = field_services.report_acknowledge(
        trainee=city.learner.user, report=dor, comment="Read.", request_key=uuid.uuid4()
    )
    events = rows(AuditAction.SIGNOFF_RECORDED)
    assert [(e.data["kind"], e.actor_id, e.data["capacity"]) for e in events] == [
        ("report", city.fto.user.pk, "Field training officer (primary)"),
        ("report_ack", city.learner.user_id, "Trainee"),
    ]
    assert events[0].data["subject"] == events[1].data["subject"] == f"observation_report:{dor.pk}"
    assert events[1].target == f"signoff:{ack.pk}"
    assert events[1].data["record_hash"] == ack.record_hash
    assert all(e.organisation == city.department and e.ip_address is None for e in events)
    assert "shelter" not in json.dumps([e.data for e in events])
    assert_chain_intact()


def test_phase_approval_from_the_page_and_the_release_are_audited(city, client_for, training):
    for phase_index in range(len(training.spec["phases"])):
        complete_phase(training)
        field_services.phase_recommend(
            fto=city.fto.user, training=training, request_key=uuid.uuid4()
        )
        if phase_index == 0:
            response = client_for("supervisor").post(
                f"/field/{training.pk}/approve/",
                {"request_key": str(uuid.uuid4()), "comment": "Reviewed."},
                REMOTE_ADDR=IP,
            )
            assert response.status_code == 302
        else:
            field_services.phase_approve(
                supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
            )
        training.refresh_from_db()
    release = field_services.training_release(
        supervisor=city.supervisor.user,
        training=training,
        reauthenticated_at=datetime.datetime.now(tz=datetime.UTC),
        request_key=uuid.uuid4(),
    )
    approvals = [
        e for e in rows(AuditAction.SIGNOFF_RECORDED) if e.data["kind"] == "phase_approval"
    ]
    assert [(e.data["phase_index"], e.ip_address) for e in approvals] == [(0, IP), (1, None)]
    assert all(e.actor == city.supervisor.user for e in approvals)
    assert all(e.data["capacity"] == "Supervisor" for e in approvals)
    [released] = [e for e in rows(AuditAction.SIGNOFF_RECORDED) if e.data["kind"] == "release"]
    assert released.target == f"signoff:{release.pk}"
    assert released.data["subject"] == f"field_training:{training.pk}"
    assert released.data["record_hash"] == release.record_hash
    # One audit row per signature, in the same order as the sign-off chain.
    signed = rows(AuditAction.SIGNOFF_RECORDED)
    assert [e.data["sequence"] for e in signed] == list(
        Signoff.objects.order_by("sequence").values_list("sequence", flat=True)
    )
    assert_chain_intact()


# --- Credential decisions ------------------------------------------------------------------------


@pytest.fixture
def pending(city):
    return record_external(
        holder=city.user("learner"),
        credential_type=CredentialTypeFactory(slug="cpr-audit", name="CPR"),
        issued_on=datetime.date(2026, 1, 15),
        expires_on=datetime.date(2028, 1, 15),
    )


def test_recording_and_hr_verification_from_the_page_are_audited(city, client_for, pending):
    response = client_for("hr").post(
        f"/credentials/{pending.public_id}/verify/",
        {"verify-request_key": str(uuid.uuid4()), "verify-reason": ""},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification == Verification.VERIFIED
    recorded, verified = rows(AuditAction.CREDENTIAL_DECIDED)
    assert recorded.actor == city.user("learner")
    assert recorded.data["decision"] == DecisionKind.RECORDED
    assert recorded.data["capacity"] == "Holder"
    decision = CredentialDecision.objects.get(kind=DecisionKind.VERIFIED)
    assert verified.actor == city.user("hr")
    assert verified.organisation == city.department
    assert verified.ip_address == IP
    assert verified.target == f"credential:{pending.pk}"
    assert verified.data == {
        "decision": "verified",
        "credential": str(pending.public_id),
        "credential_type": pending.credential_type_id,
        "title": "CPR",
        "holder": city.user("learner").pk,
        "capacity": decision.actor_role,
        "reason_given": False,
        "sequence": decision.sequence,
        "content_hash": decision.content_hash,
        "record_hash": decision.record_hash,
    }
    assert_chain_intact()


def test_extension_and_revocation_are_audited_without_the_reasons_text(city, client_for, pending):
    verify(credential=pending, actor=city.user("hr"))
    client = client_for("hr")
    response = client.post(
        f"/credentials/{pending.public_id}/extend/",
        {
            "extend-request_key": str(uuid.uuid4()),
            "extend-expires_on": "2028-06-30",
            "extend-reason": "Renewal class cancelled by the provider.",
        },
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302, response.content
    response = client.post(
        f"/credentials/{pending.public_id}/revoke/",
        {"revoke-request_key": str(uuid.uuid4()), "revoke-reason": "Issued in error."},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302, response.content
    events = rows(AuditAction.CREDENTIAL_DECIDED)
    assert [e.data["decision"] for e in events] == ["recorded", "verified", "extended", "revoked"]
    extended, revoked = events[2:]
    assert extended.data["changed"] == {
        "previous_expires_on": "2028-01-15",
        "new_expires_on": "2028-06-30",
    }
    assert extended.data["reason_given"] is True
    assert revoked.ip_address == extended.ip_address == IP
    assert "Issued in error" not in json.dumps(revoked.data)
    assert_chain_intact()


def test_relays_own_automatic_decisions_are_not_person_actions(city, pending):
    before = AuditEvent.objects.count()
    with transaction.atomic():
        decision_append(
            credential=pending,
            kind=DecisionKind.ISSUED,
            actor=None,
            actor_role="Relay",
            decided_at=datetime.datetime.now(tz=datetime.UTC),
            request_key=uuid.uuid4(),
        )
    assert AuditEvent.objects.count() == before
    assert CredentialDecision.objects.filter(kind=DecisionKind.ISSUED).count() == 1


# --- Organisations and moves between them ---------------------------------------------------------


def _organisation_form(organisation: Organisation, **changes) -> dict:
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "kind": organisation.kind,
        "contract_reference": organisation.contract_reference,
        "data_sharing": organisation.data_sharing,
        "funding_source": organisation.funding_source,
        "time_zone": organisation.time_zone,
        "description": organisation.description,
    }
    return data | changes


def test_an_organisation_edited_in_wagtail_records_each_changed_field(city, client_for):
    client = client_for("admin")
    cbo = city.sharing_cbo
    url = f"/cms/organisations/edit/{cbo.pk}/"
    form = _organisation_form(
        cbo,
        data_sharing=DataSharing.NONE,
        funding_source=FundingSource.STATE_GRANT,
        time_zone="America/Chicago",
        description="A new description.",
    )
    assert client.post(url, form, REMOTE_ADDR=IP).status_code == 302
    [event] = rows(AuditAction.ORGANISATION_CHANGED)
    assert event.actor == city.user("admin")
    assert event.organisation == cbo
    assert event.ip_address == IP
    assert event.target == f"organisation:{cbo.pk}"
    assert event.data == {
        "created": False,
        "changed": {
            "data_sharing": [DataSharing.FULL, DataSharing.NONE],
            "funding_source": [cbo.funding_source, FundingSource.STATE_GRANT],
            "time_zone": [cbo.time_zone, "America/Chicago"],
            "description": "changed",
        },
    }
    # Saving it again unchanged records nothing.
    cbo.refresh_from_db()
    assert client.post(url, _organisation_form(cbo)).status_code == 302
    assert len(rows(AuditAction.ORGANISATION_CHANGED)) == 1
    assert_chain_intact()


def test_an_organisation_created_in_wagtail_is_recorded_with_its_values(city, client_for):
    form = _organisation_form(
        city.sharing_cbo, name="Northside Street Outreach", slug="northside", contract_reference=""
    )
    form |= {"kind": "department", "data_sharing": DataSharing.FULL}
    response = client_for("admin").post("/cms/organisations/new/", form, REMOTE_ADDR=IP)
    assert response.status_code == 302, response.content
    created = Organisation.objects.get(slug="northside")
    [event] = rows(AuditAction.ORGANISATION_CHANGED)
    assert event.organisation == created
    assert event.data["created"] is True
    assert event.data["name"] == "Northside Street Outreach"
    assert event.data["data_sharing"] == DataSharing.FULL
    assert event.ip_address == IP
    assert_chain_intact()


def test_an_organisation_edited_in_the_django_admin_is_recorded(city, client_for):
    cbo = city.private_cbo
    response = client_for("admin").post(
        f"/django-admin/accounts/organisation/{cbo.pk}/change/",
        _organisation_form(cbo, name="Harbor Outreach", data_sharing=DataSharing.FULL),
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302, response.content
    [event] = rows(AuditAction.ORGANISATION_CHANGED)
    assert event.data["changed"] == {
        "name": ["Harbor Outreach Collective", "Harbor Outreach"],
        "data_sharing": [DataSharing.NONE, DataSharing.FULL],
    }
    assert event.actor == city.user("admin")
    assert event.ip_address == IP
    assert_chain_intact()


def _admin_form(instance, user, **changes) -> dict:
    """The Django admin's change form for `instance`, as it would be posted back."""
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[type(instance)]
    form = model_admin.get_form(request, instance)(instance=instance)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if field.disabled:
            continue
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, datetime.datetime):
            data[name + "_0"] = value.date().isoformat()
            data[name + "_1"] = value.time().isoformat(timespec="seconds")
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data | changes


def test_a_person_moved_to_another_organisation_in_the_django_admin_is_recorded(city, client_for):
    role = JobRoleFactory(name="Outreach worker")
    profile = city.learner
    profile.job_role = role
    profile.save(update_fields=["job_role"])
    employee_id = profile.employee_id
    data = _admin_form(
        profile, city.user("admin"), organisation=city.sharing_cbo.pk, employee_id="EPP-77"
    )
    client = client_for("admin")  # one client: a TOTP code is accepted once
    response = client.post(
        f"/django-admin/accounts/staffprofile/{profile.pk}/change/", data, REMOTE_ADDR=IP
    )
    assert response.status_code == 302, response.content
    profile.refresh_from_db()
    assert profile.organisation == city.sharing_cbo
    [event] = rows(AuditAction.STAFF_MOVED)
    assert event.actor == city.user("admin")
    assert event.organisation == city.sharing_cbo
    assert event.ip_address == IP
    assert event.target == f"user:{profile.user_id}"
    assert event.data == {
        "from_organisation": {"id": city.department.pk, "name": city.department.name},
        "to_organisation": {"id": city.sharing_cbo.pk, "name": city.sharing_cbo.name},
        "job_role_before": "Outreach worker",
        "job_role_after": "Outreach worker",
        "employee_id_before": employee_id,
        "employee_id_after": "EPP-77",
    }
    # Another edit that keeps the organisation is not a move.
    response = client.post(
        f"/django-admin/accounts/staffprofile/{profile.pk}/change/",
        _admin_form(profile, city.user("admin"), employee_id="EPP-78"),
    )
    assert response.status_code == 302
    assert len(rows(AuditAction.STAFF_MOVED)) == 1
    assert_chain_intact()


# --- API token use ------------------------------------------------------------------------------


@pytest.fixture
def hr_token(city):
    token, secret = api_token_create(
        owner=city.user("hr"), name="HR sync", scopes=["staff:read", "staff:write"]
    )
    return token, Client(headers={"Authorization": f"Bearer {secret}"})


def test_every_write_is_recorded(city, hr_token):
    token, client = hr_token
    body = {"organisation": city.department.slug, "staff": [{"employee_id": "N-1"}]}
    for _ in range(2):
        response = client.post(
            "/api/v1/staff", json.dumps(body), content_type="application/json", REMOTE_ADDR=IP
        )
        assert response.status_code == 400  # a new person needs an address: still a use
    events = rows(AuditAction.API_TOKEN_USED)
    assert len(events) == 2
    for event in events:
        assert event.actor == city.user("hr")
        assert event.organisation == city.department  # the owner's (the token has none)
        assert event.ip_address == IP
        assert event.target == f"api_token:{token.pk}"
        assert event.data == {"method": "POST", "path": "/api/v1/staff", "prefix": token.prefix}
    assert_chain_intact()


def test_reads_are_recorded_once_an_hour(city, hr_token):
    token, client = hr_token
    start_at = datetime.datetime(2026, 3, 2, 9, 5, tzinfo=datetime.UTC)
    for minutes in (0, 0, 10, 59):
        with freeze_time(start_at + datetime.timedelta(minutes=minutes)):
            response = client.get("/api/v1/staff", {"limit": 5}, REMOTE_ADDR=IP)
            assert response.status_code == 200
    [first] = rows(AuditAction.API_TOKEN_USED)
    assert first.occurred_at == start_at
    assert first.data == {
        "method": "GET",
        "path": "/api/v1/staff",
        "prefix": token.prefix,
        "read": "first read this hour",
    }
    assert first.ip_address == IP
    assert first.organisation == city.department
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start_at + datetime.timedelta(
        minutes=59
    )
    with freeze_time(start_at + datetime.timedelta(minutes=61)):
        assert client.get("/api/v1/staff").status_code == 200
    assert [e.occurred_at for e in rows(AuditAction.API_TOKEN_USED)] == [
        start_at,
        start_at + datetime.timedelta(minutes=61),
    ]
    assert_chain_intact()


def test_a_token_limited_to_an_organisation_records_that_organisation(city):
    token, secret = api_token_create(
        owner=city.user("hr"),
        name="Partner sync",
        scopes=["staff:read"],
        organisation=city.sharing_cbo,
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/staff").status_code == 200
    [event] = rows(AuditAction.API_TOKEN_USED)
    assert event.organisation == city.sharing_cbo
    assert event.target == f"api_token:{token.pk}"


def test_groups_changed_in_the_django_admin_are_recorded_as_a_role_change(city, client_for):
    from django.contrib.auth.models import Group

    learner = city.user("learner")
    groups = list(learner.groups.values_list("pk", flat=True))
    fto_group = Group.objects.get(name=ROLE_DEFINITIONS[Role.FTO].group_name)
    data = _admin_form(learner, city.user("admin"), groups=[*groups, fto_group.pk])
    client = client_for("admin")
    response = client.post(
        f"/django-admin/accounts/user/{learner.pk}/change/", data, REMOTE_ADDR=IP
    )
    assert response.status_code == 302, response.content
    [event] = rows(AuditAction.ROLES_CHANGED)
    assert event.actor == city.user("admin")
    assert event.organisation == city.department
    assert event.ip_address == IP
    assert event.target == f"user:{learner.pk}"
    assert fto_group.name not in event.data["before"]["groups"]
    assert fto_group.name in event.data["after"]["groups"]
    assert event.data["source"] == "django_admin"
    # Saving the account unchanged records nothing.
    learner.refresh_from_db()
    data = _admin_form(learner, city.user("admin"))
    assert client.post(f"/django-admin/accounts/user/{learner.pk}/change/", data).status_code == 302
    assert len(rows(AuditAction.ROLES_CHANGED)) == 1
    assert_chain_intact()

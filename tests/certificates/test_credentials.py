"""Credential services: earning from a released task book, recording and verifying external
credentials, decisions and their chain, renewal by CE hours, and FTO qualification."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from certificates.expiry import Status
from certificates.models import (
    ContinuingEducation,
    Credential,
    CredentialDecision,
    CredentialKind,
    CredentialRequirement,
    DecisionKind,
    RequirementKind,
    Verification,
)
from certificates.services import ce, earning, lifecycle
from certificates.services.decisions import decisions_verify_chain
from courses.field.qualification import fto_qualification
from courses.models import ModuleProgress
from courses.services import field as field_services
from lms.uploads import evidence_from_upload
from tests.factories.certificates import (
    CredentialTypeFactory,
    png_bytes,
    record_external,
    upload,
    verify,
)
from tests.factories.field import complete_phase, start, task_book_page

D = datetime.date


def _release(city, book):
    training = start(
        trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user, task_book=book
    )
    for _ in range(len(training.spec["phases"])):
        complete_phase(training)
        field_services.phase_recommend(
            fto=city.fto.user, training=training, request_key=uuid.uuid4()
        )
        field_services.phase_approve(
            supervisor=city.supervisor.user, training=training, request_key=uuid.uuid4()
        )
        training.refresh_from_db()
    field_services.training_release(
        supervisor=city.supervisor.user,
        training=training,
        reauthenticated_at=timezone.now(),
        request_key=uuid.uuid4(),
    )
    return training


def test_releasing_a_task_book_issues_the_credential_it_earns(city):
    book = task_book_page()
    credential_type = CredentialTypeFactory(
        name="Community responder field qualification",
        slug="cr-field",
        issuer="Alder Bay Office of Community Safety",
        kind=CredentialKind.EARNED,
        validity_months=36,
    )
    CredentialRequirement.objects.create(
        credential_type=credential_type, kind=RequirementKind.TASK_BOOK, task_book=book
    )
    training = _release(city, book)
    credential = Credential.objects.get(holder=city.learner.user)
    assert credential.verification == Verification.NOT_NEEDED
    assert credential.earned_against["requirements"][0]["field_training"] == training.pk
    assert credential.expires_on == credential.issued_on.replace(year=credential.issued_on.year + 3)
    decision = credential.decisions.get()
    assert decision.kind == DecisionKind.ISSUED
    assert decision.actor is None
    assert list(decisions_verify_chain()) == []
    # Completing again issues nothing more.
    assert earning.credentials_check_earned(user=city.learner.user) == []


def test_an_external_credential_waits_then_hr_verifies_it(city):
    credential = record_external(holder=city.learner.user)
    assert credential.verification == Verification.PENDING
    assert credential.evidence.name.startswith(f"evidence/{city.learner.user.pk}/")
    assert earning.credential_status(credential, D(2026, 6, 1)) == Status.NOT_YET
    verify(credential=credential, actor=city.hr.user)
    credential.refresh_from_db()
    assert credential.verification == Verification.VERIFIED
    assert earning.credential_status(credential, D(2026, 6, 1)) == Status.ACTIVE
    kinds = list(credential.decisions.values_list("kind", flat=True))
    assert kinds == [DecisionKind.RECORDED, DecisionKind.VERIFIED]
    assert list(decisions_verify_chain()) == []


def test_nobody_verifies_their_own_and_rejection_needs_a_reason(city):
    own = record_external(holder=city.hr.user)
    with pytest.raises(PermissionDenied):
        verify(credential=own, actor=city.hr.user)
    other = record_external(holder=city.learner.user)
    with pytest.raises(ValidationError):
        verify(credential=other, actor=city.hr.user, verified=False, reason=" ")
    verify(
        credential=other, actor=city.hr.user, verified=False, reason="Number not on the registry."
    )
    other.refresh_from_db()
    assert other.verification == Verification.REJECTED


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 this is a Windows program", "certificate.pdf", "not a PDF"),
        (b"", "certificate.pdf", "empty"),
        (b"GIF89a....", "certificate.png", "not a PDF"),
        (b"%PDF-1.4 truncated", "certificate.pdf", "incomplete"),
        (b"\x89PNG\r\n\x1a\nnot really", "scan.png", "damaged"),
    ],
)
def test_bad_evidence_is_refused_by_content(data, name, message):
    with pytest.raises(ValidationError, match=message):
        evidence_from_upload(upload(data, name))


def test_oversized_evidence_is_refused():
    with pytest.raises(ValidationError, match="larger than"):
        evidence_from_upload(upload(png_bytes((200, 200)), "scan.png"), max_bytes=100)


def test_a_png_is_accepted_and_typed_by_content():
    evidence = evidence_from_upload(upload(png_bytes(), "photo.pdf"))
    assert evidence.content_type == "image/png"


def test_expiry_before_issue_is_refused_and_nothing_stored(city):
    with pytest.raises(ValidationError, match="before the issue"):
        record_external(holder=city.learner.user, issued_on=D(2026, 3, 1), expires_on=D(2026, 2, 1))
    assert not Credential.objects.exists()
    assert not CredentialDecision.objects.exists()


def test_decisions_suspend_reinstate_revoke_and_extend_are_recorded(city):
    credential = record_external(holder=city.learner.user)
    verify(credential=credential, actor=city.hr.user)
    hr = city.hr.user
    lifecycle.credential_suspend(
        actor=hr, credential=credential, reason="Under review.", request_key=uuid.uuid4()
    )
    credential.refresh_from_db()
    assert earning.credential_status(credential, D(2026, 6, 1)) == Status.SUSPENDED
    lifecycle.credential_reinstate(
        actor=hr, credential=credential, reason="Review closed.", request_key=uuid.uuid4()
    )
    new_expiry = credential.expires_on + datetime.timedelta(days=60)
    lifecycle.credential_extend(
        actor=hr,
        credential=credential,
        expires_on=new_expiry,
        reason="Class cancelled by the provider.",
        request_key=uuid.uuid4(),
    )
    credential.refresh_from_db()
    assert credential.expires_on == new_expiry
    assert credential.original_expires_on == D(2028, 1, 15)
    extension = credential.decisions.get(kind=DecisionKind.EXTENDED)
    assert extension.payload["previous_expires_on"] == "2028-01-15"
    with pytest.raises(PermissionDenied):
        lifecycle.credential_revoke(
            actor=city.supervisor.user,
            credential=credential,
            reason="x",
            request_key=uuid.uuid4(),
        )
    lifecycle.credential_revoke(
        actor=hr, credential=credential, reason="Certificate withdrawn.", request_key=uuid.uuid4()
    )
    credential.refresh_from_db()
    assert earning.credential_status(credential, D(2026, 6, 1)) == Status.REVOKED
    assert list(decisions_verify_chain()) == []


def test_status_on_a_future_date(city):
    credential = record_external(
        holder=city.learner.user, issued_on=D(2026, 1, 15), expires_on=D(2027, 3, 1)
    )
    verify(credential=credential, actor=city.hr.user)
    credential.refresh_from_db()
    assert earning.credential_status(credential, D(2027, 1, 1)) == Status.WINDOW
    assert earning.credential_status(credential, D(2027, 3, 1)).valid
    assert earning.credential_status(credential, D(2027, 3, 2)) == Status.GRACE
    assert earning.credential_status(credential, D(2027, 4, 1)) == Status.EXPIRED


def test_a_verified_renewal_marks_the_previous_instance_renewed(city):
    credential_type = CredentialTypeFactory()
    first = record_external(
        holder=city.learner.user, credential_type=credential_type, issued_on=D(2024, 3, 1)
    )
    verify(credential=first, actor=city.hr.user)
    second = record_external(
        holder=city.learner.user, credential_type=credential_type, issued_on=D(2026, 2, 1)
    )
    verify(credential=second, actor=city.hr.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.previous == first
    assert first.renewed_on == D(2026, 2, 1)
    assert earning.credential_status(first, D(2026, 2, 2)) == Status.RENEWED
    assert earning.current_credential(city.learner.user, credential_type) == second


def test_ce_hours_in_the_window_renew_an_earned_credential(city):
    today = city.department.today()
    credential_type = CredentialTypeFactory(
        kind=CredentialKind.EARNED,
        validity_months=12,
        window_days=90,
        renewal_ce_hours=Decimal("4"),
        expiry_rule="from_previous_expiry",
    )
    profile = city.learner
    current = Credential.objects.create(
        holder=profile.user,
        organisation=profile.organisation,
        credential_type=credential_type,
        kind=credential_type.kind,
        title=credential_type.name,
        issuer=credential_type.issuer,
        validity_months=12,
        window_days=90,
        grace_days=30,
        expiry_rule=credential_type.expiry_rule,
        issued_on=today - datetime.timedelta(days=330),
        expires_on=today + datetime.timedelta(days=35),
        created_at=timezone.now(),
    )
    ce.ce_record_external(
        holder=profile.user,
        title="Motivational interviewing refresher",
        provider="County behavioral health",
        hours=Decimal("2.5"),
        completed_on=today,
        evidence=evidence_from_upload(upload()),
    )
    assert earning.current_credential(profile.user, credential_type) == current
    ce.ce_record_external(
        holder=profile.user,
        title="Trauma-informed care update",
        provider="State CIT council",
        hours=Decimal("1.5"),
        completed_on=today,
        evidence=evidence_from_upload(upload()),
    )
    renewed = earning.current_credential(profile.user, credential_type)
    assert renewed.previous == current
    assert renewed.expires_on == current.expires_on.replace(year=current.expires_on.year + 1)
    assert renewed.decisions.get().kind == DecisionKind.RENEWED
    assert ContinuingEducation.objects.filter(holder=profile.user).count() == 2


def test_a_ce_entry_in_the_future_is_refused(city):
    with pytest.raises(ValidationError, match="future"):
        ce.ce_record_external(
            holder=city.learner.user,
            title="Conference",
            provider="",
            hours=Decimal(3),
            completed_on=city.department.today() + datetime.timedelta(days=2),
            evidence=evidence_from_upload(upload()),
        )


def test_completed_module_ce_hours_enter_the_ledger_once(city):
    from tests.factories.courses import module_page, program_page

    module = module_page(program_page(), training_type="field", sections=0, n_questions=0)
    module.ce_hours = Decimal("2.00")
    module.save()
    from courses.services.progress import module_complete

    module_complete(user=city.learner.user, module=module, source="test")
    module_complete(user=city.learner.user, module=module, source="test")
    entry = ContinuingEducation.objects.get(holder=city.learner.user)
    assert entry.hours == Decimal("2.00")
    assert ModuleProgress.objects.get(user=city.learner.user, module=module).status == "completed"


def test_an_fto_whose_qualifying_credential_lapsed_cannot_take_trainees_or_sign(city):
    training = start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)
    fto = city.fto.user
    assert fto_qualification(fto) == "Field training officer role"
    qualifying = CredentialTypeFactory(
        name="Field training officer course", slug="fto40", qualifies_fto=True
    )
    assert fto_qualification(fto) is None
    with pytest.raises(PermissionDenied, match="lapsed"):
        field_services.ride_along_log(
            fto=fto,
            training=training,
            started_at=timezone.now() - datetime.timedelta(hours=9),
            ended_at=timezone.now() - datetime.timedelta(hours=1),
            unit="CR-12",
            request_key=uuid.uuid4(),
        )
    held = record_external(
        holder=fto,
        credential_type=qualifying,
        issued_on=city.department.today() - datetime.timedelta(days=10),
    )
    verify(credential=held, actor=city.hr.user)
    assert fto_qualification(fto).startswith("Field training officer course (")
    ride = field_services.ride_along_log(
        fto=fto,
        training=training,
        started_at=timezone.now() - datetime.timedelta(hours=9),
        ended_at=timezone.now() - datetime.timedelta(hours=1),
        unit="CR-12",
        request_key=uuid.uuid4(),
    )
    assert ride.pk


def test_the_decision_chain_command_names_an_altered_decision(city):
    from django.core.management import CommandError, call_command

    credential = record_external(holder=city.learner.user)
    verify(credential=credential, actor=city.hr.user)
    call_command("verify_credential_decisions")
    CredentialDecision.objects.filter(kind=DecisionKind.VERIFIED).update(reason="edited")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_credential_decisions")

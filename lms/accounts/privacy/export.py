"""A person's data export: everything Relay holds about them, as a zip of JSON files and PDFs.

`export_data(user)` reads the records (a fixed number of queries, whatever the history: one or
two per model, never one per row); `export_zip(user)` writes them, the PDFs and a README into a
temporary file; `export_record` writes the audit row. Fields are listed one by one (an allow
list): secrets, password hashes, TOTP seeds and token hashes never leave. What each model
contributes is declared in `inventory`.

The export reads downstream apps (courses, scenarios, certificates), like the HR import reads
job roles: it is the one place that must see everything about a person.
"""

import datetime
import json
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from wagtail.users.models import UserProfile

from lms.accounts.models import Invitation, Notification, StaffProfile, User
from lms.accounts.roles import roles_of
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_record

FORMAT_VERSION = 1
SPOOL_BYTES = 16 * 1024 * 1024  # zips up to this size stay in memory, larger ones on disk

README = """\
Relay: your data export
=======================

Person: {name} (Relay user {pk})
Generated: {generated} (UTC)
Format version: {version}

This archive holds everything Relay keeps about you. Dates and times are ISO 8601; times are
in UTC. Ids are Relay's own record numbers; they let you match records across files.

person.json          Your account (name, email, when it was created and last used, whether it
                     is active), your roles, whether a second factor is set up (its kind and
                     dates, never the secret), your employment (organisation, employee id, job
                     role, supervisor, field training officers, funding source, hire and
                     separation dates), the invitation that created your account, your email
                     addresses, in-app notifications, API tokens (name and dates, never the
                     token), calendar feeds and reminder and admin preferences.
training.json        Programs assigned to you, your progress in each module, every quiz attempt
                     with your answers, scenario runs (path, score, reflection) with the coaching
                     reviews and extra attempts given, role-play assessments, protocol
                     acknowledgements and the acknowledgement requests you were sent.
field_training.json  Your task books (field training), shifts (ride-alongs), Daily Observation
                     Reports about you with their ratings, task observations, and every
                     signature on your field training (task sign-offs, report acknowledgements,
                     phase recommendations and approvals, extensions, release), with its hash.
credentials.json     Your credentials (certificates and licences) with their evidence file's
                     name, type, size and hash, every decision taken on them (with its hash),
                     the certificates issued, their Open Badges links, renewal reminders and
                     continuing-education hours.
career.json          The job roles you said you are interested in. Readiness for a role is
                     computed when it is shown and is not stored, so there is nothing more.
audit.json           Security events where you acted (sign-ins, changes you made) or that were
                     about you (role changes, exports of your data, separation).
xapi.json            The learning statements (xAPI) Relay recorded about you and their
                     forwarding state.
work_for_others.json What you did in your role on other people's records (signatures, reports,
                     assignments, decisions): kind, record id and date only, since the content
                     of those records is the other person's data.
pdf/transcript.pdf   Your training transcript.
pdf/certificates/    One PDF certificate per credential that has one.
pdf/field_training/  Your task book record, one PDF per field training.

Files of evidence you uploaded are not included; credentials.json lists them, and your HR
office can give you a copy. Questions: ask your HR office.
"""


@dataclass
class ExportData:
    """The JSON documents of the export, by file name, and the objects the PDFs are built from."""

    user: User
    profile: StaffProfile | None
    files: dict[str, dict] = field(default_factory=dict)
    credentials: list = field(default_factory=list)  # Credential objects with a certificate
    trainings: list = field(default_factory=list)  # FieldTraining objects


def _rows(queryset, *fields) -> list[dict]:
    return list(queryset.values(*fields))


# --- person.json ---------------------------------------------------------------------------


def _person(user: User, profile: StaffProfile | None) -> dict:
    from certificates.models import CalendarFeed, ReminderPreference
    from lms.api.models import ApiToken

    employment = None
    if profile is not None:
        employment = {
            "id": profile.pk,
            "organisation": {"id": profile.organisation_id, "name": profile.organisation.name},
            "employee_id": profile.employee_id,
            "job_role": profile.job_role.name if profile.job_role else None,
            "job_role_since": profile.job_role_since,
            "hire_date": profile.hire_date,
            "status": profile.status,
            "separated_on": profile.separated_on,
            "supervisor": _person_ref(profile.supervisor),
            "field_training_officers": [
                _person_ref(fto) for fto in profile.field_training_officers.all()
            ],
            "funding_source": profile.position_funding_source,
            "funding_source_is_own": bool(profile.funding_source),
        }
    authenticators = _rows(
        Authenticator.objects.filter(user=user), "type", "created_at", "last_used_at"
    )
    return {
        "account": {
            "id": user.pk,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": user.is_active,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "has_usable_password": user.has_usable_password(),
            "roles": [str(role) for role in roles_of(user)],
            "mfa_enabled": any(a["type"] == Authenticator.Type.TOTP for a in authenticators),
            "second_factors": authenticators,
        },
        "employment": employment,
        "email_addresses": _rows(
            EmailAddress.objects.filter(user=user), "email", "verified", "primary"
        ),
        "invitation": _rows(
            Invitation.objects.filter(accepted_user=user),
            "id",
            "email",
            "first_name",
            "last_name",
            "organisation__name",
            "employee_id",
            "job_role__name",
            "hire_date",
            "role",
            "invited_by_id",
            "created_at",
            "expires_at",
            "accepted_at",
        ),
        "notifications": _rows(
            Notification.objects.filter(user=user), "message", "url", "created_at", "read_at"
        ),
        "api_tokens": _rows(
            ApiToken.objects.filter(owner=user),
            "name",
            "prefix",
            "scopes",
            "organisation_id",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ),
        "calendar_feeds": _rows(CalendarFeed.objects.filter(user=user), "created_at", "revoked_at"),
        "reminder_preferences": _rows(ReminderPreference.objects.filter(user=user), "by_email"),
        "admin_preferences": _rows(
            UserProfile.objects.filter(user=user),
            "preferred_language",
            "current_time_zone",
            "theme",
            "contrast",
            "density",
            "keyboard_shortcuts",
        ),
    }


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _person_ref(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


# --- training.json -------------------------------------------------------------------------


def _training(user: User) -> dict:
    from courses.models import (
        AcknowledgementRequest,
        Assignment,
        ModuleProgress,
        ProgressReset,
        ProtocolAcknowledgement,
        QuizAttempt,
    )
    from scenarios.models import (
        AttemptAllowance,
        CoachingReview,
        RoleplayAssessment,
        ScenarioAttempt,
    )

    return {
        "assignments": _rows(
            Assignment.objects.filter(user=user),
            "id",
            "program_id",
            "program_title",
            "source",
            "assigned_by_id",
            "assigned_on",
            "due_on",
            "created_at",
            "completed_at",
            "ended_at",
            "ended_by_id",
            "end_reason",
        ),
        "module_progress": _rows(
            ModuleProgress.objects.filter(user=user),
            "id",
            "module_id",
            "module__title",
            "status",
            "sections_viewed",
            "last_section",
            "seconds_on_task",
            "started_at",
            "last_activity_at",
            "completed_at",
            "completed_revision_id",
            "completion_source",
            "completion_evidence",
            "completed_title",
            "completed_training_type",
            "completed_ce_hours",
            "completed_minutes",
        ),
        "progress_resets": _rows(
            ProgressReset.objects.filter(progress__user=user),
            "id",
            "progress_id",
            "reset_by_id",
            "reason",
            "previous_status",
            "attempts_before",
            "reset_at",
        ),
        "quiz_attempts": _rows(
            QuizAttempt.objects.filter(user=user),
            "id",
            "module_id",
            "module__title",
            "revision_id",
            "number",
            "answers",
            "score",
            "pass_mark",
            "passed",
            "submitted_at",
        ),
        "scenario_runs": _rows(
            ScenarioAttempt.objects.filter(user=user),
            "id",
            "scenario_id",
            "scenario__title",
            "revision_id",
            "number",
            "status",
            "current_step",
            "path",
            "started_at",
            "finished_at",
            "total",
            "percent",
            "passed",
            "critical_errors",
            "reflection",
        ),
        "coaching_reviews": _rows(
            CoachingReview.objects.filter(attempt__user=user),
            "id",
            "attempt_id",
            "coach_id",
            "coach_name",
            "coach_role",
            "feedback",
            "verdict",
            "reviewed_at",
        ),
        "extra_attempts": _rows(
            AttemptAllowance.objects.filter(user=user),
            "id",
            "scenario_id",
            "extra",
            "granted_by_id",
            "review_id",
            "reason",
            "created_at",
        ),
        "roleplay_assessments": _rows(
            RoleplayAssessment.objects.filter(trainee=user),
            "id",
            "scenario_id",
            "assessor_id",
            "assessor_name",
            "assessor_role",
            "rubric_snapshot",
            "ratings",
            "notes",
            "outcome",
            "recorded_at",
        ),
        "protocol_acknowledgements": _rows(
            ProtocolAcknowledgement.objects.filter(user=user),
            "id",
            "protocol_version_id",
            "protocol_version__title",
            "protocol_version__version",
            "revision_id",
            "statement",
            "acknowledged_at",
        ),
        "acknowledgement_requests": _rows(
            AcknowledgementRequest.objects.filter(user=user),
            "id",
            "protocol_version_id",
            "due_on",
            "created_at",
            "completed_at",
        ),
    }


# --- field_training.json -------------------------------------------------------------------


def _field_training(user: User) -> tuple[dict, list]:
    from courses.models import (
        FieldTraining,
        ObservationRating,
        ObservationReport,
        PhaseExtension,
        RideAlong,
        Signoff,
        TaskObservation,
    )

    trainings = list(FieldTraining.objects.filter(trainee=user).order_by("started_on", "id"))
    call_types = defaultdict(list)
    for ride_id, name in RideAlong.call_types.through.objects.filter(
        ridealong__trainee=user
    ).values_list("ridealong_id", "calltype__name"):
        call_types[ride_id].append(name)
    shifts = _rows(
        RideAlong.objects.filter(trainee=user),
        "id",
        "training_id",
        "fto_id",
        "shift_date",
        "started_at",
        "ended_at",
        "unit",
        "phase_index",
        "notes",
        "created_at",
    )
    for shift in shifts:
        shift["call_types"] = sorted(call_types.get(shift["id"], []))
    ratings = defaultdict(list)
    for rating in ObservationRating.objects.filter(report__trainee=user).values(
        "report_id",
        "position",
        "category_id",
        "category_name",
        "rating",
        "not_observed",
        "not_responding",
        "remedial_minutes",
        "narrative",
    ):
        ratings[rating.pop("report_id")].append(rating)
    reports = _rows(
        ObservationReport.objects.filter(trainee=user),
        "id",
        "training_id",
        "fto_id",
        "ride_along_id",
        "number",
        "shift_date",
        "phase_index",
        "phase_name",
        "most_satisfactory",
        "least_satisfactory",
        "comments",
        "supersedes_id",
        "correction_reason",
        "created_at",
    )
    for report in reports:
        report["ratings"] = sorted(ratings.get(report["id"], []), key=lambda r: r["position"])
    data = {
        "field_trainings": [
            {
                "id": t.pk,
                "title": t.title,
                "organisation_id": t.organisation_id,
                "task_book_id": t.task_book_id,
                "revision_id": t.revision_id,
                "primary_fto_id": t.primary_fto_id,
                "secondary_fto_id": t.secondary_fto_id,
                "assigned_by_id": t.assigned_by_id,
                "started_on": t.started_on,
                "phase_index": t.phase_index,
                "phase_started_on": t.phase_started_on,
                "status": t.status,
                "released_at": t.released_at,
                "created_at": t.created_at,
                "task_book": t.spec,
            }
            for t in trainings
        ],
        "phase_extensions": _rows(
            PhaseExtension.objects.filter(training__trainee=user),
            "id",
            "training_id",
            "phase_index",
            "days",
            "reason",
            "granted_by_id",
            "created_at",
        ),
        "shifts": shifts,
        "observation_reports": reports,
        "task_observations": _rows(
            TaskObservation.objects.filter(trainee=user),
            "id",
            "training_id",
            "fto_id",
            "task_id",
            "task_number",
            "task_title",
            "phase_index",
            "observed_on",
            "context",
            "satisfactory",
            "ride_along_id",
            "notes",
            "supersedes_id",
            "correction_reason",
            "created_at",
        ),
        "signatures": _rows(
            Signoff.objects.filter(trainee=user).order_by("sequence"),
            "sequence",
            "kind",
            "training_id",
            "subject_id",
            "phase_index",
            "signer_id",
            "signer_name",
            "signer_role",
            "qualifying_credential",
            "signed_at",
            "time_zone",
            "statement_version",
            "statement",
            "comment",
            "supersedes_id",
            "payload",
            "content_hash",
            "previous_hash",
            "record_hash",
        ),
    }
    return data, trainings


# --- credentials.json ----------------------------------------------------------------------


def _credentials(user: User) -> tuple[dict, list]:
    from certificates.models import (
        CertificateDocument,
        ContinuingEducation,
        Credential,
        CredentialDecision,
        Reminder,
    )
    from certificates.pdf.certificate import verify_url
    from certificates.services.documents import certificate_available

    credentials = list(
        Credential.objects.filter(holder=user)
        .select_related("organisation", "credential_type", "holder", "previous")
        .order_by("issued_on", "id")
    )
    documents = {
        row["credential_id"]: row
        for row in CertificateDocument.objects.filter(credential__holder=user).values(
            "credential_id", "data_sha256", "pdf_sha256", "rendered_at"
        )
    }
    data = {
        "credentials": [
            {
                "id": c.pk,
                "public_id": c.public_id,
                "organisation": c.organisation.name,
                "credential_type_id": c.credential_type_id,
                "kind": c.kind,
                "title": c.title,
                "issuer": c.issuer,
                "validity_months": c.validity_months,
                "expiry_rule": c.expiry_rule,
                "earned_against": c.earned_against,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "original_expires_on": c.original_expires_on,
                "certificate_number": c.certificate_number,
                "evidence": {
                    "name": c.evidence_name,
                    "type": c.evidence_type,
                    "size": c.evidence_size,
                    "sha256": c.evidence_sha256,
                }
                if c.evidence_sha256
                else None,
                "verification": c.verification,
                "state": c.state,
                "renews_credential_id": c.previous_id,
                "renewed_on": c.renewed_on,
                "recorded_by_id": c.recorded_by_id,
                "created_at": c.created_at,
                "verify_url": verify_url(c.public_id),
                "certificate": documents.get(c.pk),
                "open_badge": _absolute(reverse("credentials:badge_download", args=[c.public_id]))
                if certificate_available(c)
                else None,
            }
            for c in credentials
        ],
        "decisions": _rows(
            CredentialDecision.objects.filter(credential__holder=user).order_by("sequence"),
            "sequence",
            "credential_id",
            "kind",
            "actor_id",
            "actor_name",
            "actor_role",
            "decided_at",
            "time_zone",
            "statement_version",
            "statement",
            "reason",
            "payload",
            "content_hash",
            "previous_hash",
            "record_hash",
        ),
        "reminders": _rows(
            Reminder.objects.filter(credential__holder=user),
            "credential_id",
            "kind",
            "expires_on",
            "created_on",
            "notified_at",
            "emailed_at",
        ),
        "continuing_education": _rows(
            ContinuingEducation.objects.filter(holder=user),
            "id",
            "source",
            "module_id",
            "title",
            "provider",
            "hours",
            "completed_on",
            "evidence_name",
            "evidence_type",
            "evidence_sha256",
            "created_at",
        ),
    }
    with_certificate = [c for c in credentials if certificate_available(c)]
    return data, with_certificate


# --- career.json, audit.json, xapi.json, work_for_others.json -------------------------------


def _career(user: User) -> dict:
    from certificates.models import CareerInterest

    return {
        "interests": _rows(
            CareerInterest.objects.filter(user=user), "role_id", "role__name", "created_at"
        ),
        "readiness": "Computed when shown, never stored: nothing to export.",
    }


def audit_targets(user: User, profile: StaffProfile | None, ids: dict[str, list]) -> list[str]:
    """The audit `target` values that name this person or one of their records."""
    targets = [f"user:{user.pk}", f"privacy-export:{user.pk}"]
    if profile is not None:
        targets.append(f"staff:{profile.pk}")
    for prefix, values in ids.items():
        targets.extend(f"{prefix}:{value}" for value in values)
    return targets


def _audit(user: User, targets: list[str]) -> dict:
    return {
        "events": _rows(
            AuditEvent.objects.filter(Q(actor=user) | Q(target__in=targets)).order_by("id"),
            "id",
            "occurred_at",
            "action",
            "actor_id",
            "actor_label",
            "organisation_id",
            "ip_address",
            "target",
            "data",
            "record_hash",
        )
    }


def _xapi(user: User) -> dict:
    from lms.xapi.models import Statement

    return {
        "statements": _rows(
            Statement.objects.filter(actor=user).order_by("timestamp", "source"),
            "id",
            "source",
            "verb",
            "object_id",
            "timestamp",
            "stored",
            "payload",
            "status",
            "forwarded_at",
        )
    }


# (model path, field, date field): the person's acts on other people's records.
_WORK_FOR_OTHERS = (
    ("lms.accounts.models.StaffProfile", "supervisor", None),
    ("lms.accounts.models.StaffProfile", "field_training_officers", None),
    ("lms.accounts.models.Invitation", "invited_by", "created_at"),
    ("courses.models.Assignment", "assigned_by", "created_at"),
    ("courses.models.Assignment", "ended_by", "ended_at"),
    ("courses.models.ProgressReset", "reset_by", "reset_at"),
    ("courses.models.FieldTraining", "primary_fto", "started_on"),
    ("courses.models.FieldTraining", "secondary_fto", "started_on"),
    ("courses.models.FieldTraining", "assigned_by", "created_at"),
    ("courses.models.PhaseExtension", "granted_by", "created_at"),
    ("courses.models.RideAlong", "fto", "shift_date"),
    ("courses.models.ObservationReport", "fto", "shift_date"),
    ("courses.models.TaskObservation", "fto", "observed_on"),
    ("courses.models.Signoff", "signer", "signed_at"),
    ("scenarios.models.CoachingReview", "coach", "reviewed_at"),
    ("scenarios.models.AttemptAllowance", "granted_by", "created_at"),
    ("scenarios.models.RoleplayAssessment", "assessor", "recorded_at"),
    ("certificates.models.Credential", "recorded_by", "created_at"),
    ("certificates.models.CredentialDecision", "actor", "decided_at"),
    ("certificates.models.CertificateBatch", "requested_by", "created_at"),
)


def _model(path: str):
    from importlib import import_module

    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def _work_for_others(user: User) -> dict:
    work = {}
    for path, relation, date_field in _WORK_FOR_OTHERS:
        model = _model(path)
        fields = ["pk"] + ([date_field] if date_field else [])
        rows = model.objects.filter(**{relation: user}).order_by("pk").values_list(*fields)
        work[f"{model._meta.label}.{relation}"] = [
            {"id": row[0], "date": row[1] if date_field else None} for row in rows
        ]
    return work


# --- Putting it together -------------------------------------------------------------------


def export_data(user: User) -> ExportData:
    """Every record about `user`, as the JSON documents of the export (no PDFs yet). A fixed
    number of queries, whatever the length of the person's history."""
    user = (
        User.objects.select_related(
            "staff_profile__organisation",
            "staff_profile__job_role",
            "staff_profile__supervisor",
        )
        .prefetch_related("staff_profile__field_training_officers")
        .get(pk=user.pk)
    )
    profile = getattr(user, "staff_profile", None)
    field_training, trainings = _field_training(user)
    credentials, with_certificate = _credentials(user)
    targets = audit_targets(
        user,
        profile,
        {
            "credential": [c["id"] for c in credentials["credentials"]],
            "field_training": [t.pk for t in trainings],
            "observation_report": [r["id"] for r in field_training["observation_reports"]],
        },
    )
    person = _person(user, profile)
    targets.extend(f"invitation:{row['id']}" for row in person["invitation"])
    data = ExportData(user=user, profile=profile, credentials=with_certificate, trainings=trainings)
    data.files = {
        "person.json": person,
        "training.json": _training(user),
        "field_training.json": field_training,
        "credentials.json": credentials,
        "career.json": _career(user),
        "audit.json": _audit(user, targets),
        "xapi.json": _xapi(user),
        "work_for_others.json": _work_for_others(user),
    }
    return data


def _json_bytes(document: dict, *, user: User, generated_at: datetime.datetime) -> bytes:
    wrapped = {
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "person_id": user.pk,
        **document,
    }
    return json.dumps(wrapped, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def _pdfs(data: ExportData) -> list[tuple[str, bytes]]:
    """The transcript, each certificate and each task book record, by the existing builders
    (each costs its own few queries: PDFs are per document by nature)."""
    from certificates.pdf.transcript import transcript_pdf
    from certificates.services.documents import certificate_document
    from courses.field.pdf.task_book import task_book_pdf

    pdfs = []
    if data.profile is not None:
        pdfs.append(("pdf/transcript.pdf", transcript_pdf(data.profile)))
    for credential in data.credentials:
        document = certificate_document(credential=credential)
        with document.pdf.open("rb") as handle:
            name = slugify(credential.title)[:60] or "certificate"
            pdfs.append((f"pdf/certificates/{credential.pk}-{name}.pdf", handle.read()))
    for training in data.trainings:
        name = slugify(training.title)[:60] or "task-book"
        pdfs.append((f"pdf/field_training/{training.pk}-{name}.pdf", task_book_pdf(training)))
    return pdfs


def export_zip(user: User, *, now: datetime.datetime | None = None) -> IO[bytes]:
    """The export of `user` as a zip in a temporary file (in memory while small), rewound."""
    generated_at = now or timezone.now()
    data = export_data(user)
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                name=data.user.display_name,
                pk=data.user.pk,
                generated=generated_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
                version=FORMAT_VERSION,
            ),
        )
        for name, document in data.files.items():
            archive.writestr(name, _json_bytes(document, user=data.user, generated_at=generated_at))
        for name, pdf in _pdfs(data):
            archive.writestr(name, pdf)
    handle.seek(0)
    return handle


def export_filename(user: User, *, now: datetime.datetime | None = None) -> str:
    day = (now or timezone.now()).date().isoformat()
    return f"relay-data-{user.pk}-{day}.zip"


def export_record(*, actor: User, person: User, request=None) -> AuditEvent:
    """The audit row of one export: who exported whose data, in the person's organisation."""
    profile = StaffProfile.objects.filter(user=person).select_related("organisation").first()
    return audit_record(
        action=AuditAction.EXPORTED,
        actor=actor,
        organisation=profile.organisation if profile else None,
        request=request,
        target=f"privacy-export:{person.pk}",
        data={"what": "personal_data_export", "self": actor.pk == person.pk},
    )

"""The retention rule for separated staff (docs/retention.md): once a person has been separated
for `RELAY_RETENTION_PSEUDONYMISE_MONTHS`, their account is pseudonymised. Training,
certification and sign-off records are kept, and so stay valid: every hash in Relay (sign-offs,
credential decisions, the audit log) covers ids and the names *copied into the record* when it
was made, never the live `User` row, so renaming the account changes no hash.

`retention_sweep` finds the people due and calls `person_pseudonymise` for each, one transaction
and one audit row per person, so a crash part-way leaves everyone either done or untouched and a
rerun picks up the rest."""

import datetime
from dataclasses import dataclass, field
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from lms.accounts.models import Invitation, Notification, StaffProfile, StaffStatus, User
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

PSEUDONYM_DOMAIN = "pseudonymised.invalid"  # RFC 2606: can never receive mail
PSEUDONYM_FIRST_NAME = "Former staff member"
PSEUDONYMISED_ACTION = AuditAction.STAFF_PSEUDONYMISED


def pseudonym_email(user_id: int) -> str:
    return f"former-staff-{user_id}@{PSEUDONYM_DOMAIN}"


def pseudonym_name(user_id: int) -> tuple[str, str]:
    """First and last name: together "Former staff member #<id>"."""
    return PSEUDONYM_FIRST_NAME, f"#{user_id}"


def is_pseudonymised(user: User) -> bool:
    return user.email == pseudonym_email(user.pk)


def pseudonymise_months() -> int:
    return settings.RELAY_RETENTION_PSEUDONYMISE_MONTHS


def pseudonymise_cutoff(today: datetime.date) -> datetime.date:
    """People separated on or before this day are due for pseudonymisation on `today`."""
    from certificates.expiry import add_months

    return add_months(today, -pseudonymise_months())


def records_cutoff(today: datetime.date) -> datetime.date:
    """People separated on or before this day are past the records retention period."""
    from certificates.expiry import add_months

    return add_months(today, -12 * settings.RELAY_RETENTION_RECORDS_YEARS)


def due_for_pseudonymisation(*, today: datetime.date):
    """Separated staff past the period whose account is not pseudonymised yet."""
    return (
        StaffProfile.objects.filter(
            status=StaffStatus.SEPARATED, separated_on__lte=pseudonymise_cutoff(today)
        )
        .exclude(user__email__endswith=f"@{PSEUDONYM_DOMAIN}")
        .select_related("user", "organisation")
        .order_by("separated_on", "pk")
    )


def _user_sessions(user_ids: set[int], *, now: datetime.datetime) -> dict[int, list[str]]:
    """Live session keys by user id (sessions carry the user only in their encoded data)."""
    found: dict[int, list[str]] = {}
    if not user_ids:
        return found
    decoder = _session_store()()
    wanted = {str(pk): pk for pk in user_ids}
    for key, data in Session.objects.filter(expire_date__gt=now).values_list(
        "session_key", "session_data"
    ):
        owner = decoder.decode(data).get("_auth_user_id")
        if owner in wanted:
            found.setdefault(wanted[owner], []).append(key)
    return found


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _delete_sessions(keys: list[str]) -> int:
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()  # the cache entry too, for cached_db
    return len(keys)


def person_pseudonymise(
    *,
    profile: StaffProfile,
    now: datetime.datetime | None = None,
    session_keys: list[str] | None = None,
) -> dict:
    """Replace the person's name and email with a pseudonym, close the account for good and
    remove what only served signing in or contacting them. Their records stay; fields that any
    record's hash covers are not touched (the `User` row is covered by none). Returns what was
    removed, as recorded in the audit row."""
    now = now or timezone.now()
    user = profile.user
    first, last = pseudonym_name(user.pk)
    with transaction.atomic():
        from certificates.models import (
            CalendarFeed,
            CareerInterest,
            CertificateDocument,
            ReminderPreference,
        )
        from lms.api.models import ApiToken

        removed = {
            "second_factors": Authenticator.objects.filter(user=user).delete()[0],
            "api_tokens": ApiToken.objects.filter(owner=user).delete()[0]
            + apps.get_model("wagtailcore", "APIToken").objects.filter(user=user).delete()[0],
            "email_addresses": EmailAddress.objects.filter(user=user).delete()[0],
            "calendar_feeds": CalendarFeed.objects.filter(user=user).delete()[0],
            "notifications": Notification.objects.filter(user=user).delete()[0],
            "career_interests": CareerInterest.objects.filter(user=user).delete()[0],
            "reminder_preferences": ReminderPreference.objects.filter(user=user).delete()[0],
            "admin_profile": _delete_wagtail_profile(user),
            "sessions": _delete_sessions(session_keys or []),
        }
        # Stored certificate PDFs print the real name; they are rendered again on demand.
        documents = list(CertificateDocument.objects.filter(credential__holder=user))
        for document in documents:
            name, storage = document.pdf.name, document.pdf.storage
            transaction.on_commit(lambda n=name, s=storage: s.delete(n))
        removed["certificate_pdfs"] = CertificateDocument.objects.filter(
            pk__in=[d.pk for d in documents]
        ).delete()[0]
        Invitation.objects.filter(accepted_user=user).update(
            email=pseudonym_email(user.pk), first_name=first, last_name=last
        )
        user.first_name, user.last_name = first, last
        user.email = pseudonym_email(user.pk)
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        audit_record(
            action=PSEUDONYMISED_ACTION,
            organisation=profile.organisation,
            target=f"user:{user.pk}",
            data={
                "retention": "pseudonymised",
                "separated_on": profile.separated_on.isoformat(),
                "after_months": pseudonymise_months(),
                "removed": removed,
            },
            now=now,
        )
    return removed


def _delete_wagtail_profile(user: User) -> int:
    from wagtail.users.models import UserProfile

    profiles = list(UserProfile.objects.filter(user=user))
    for profile in profiles:
        if profile.avatar:
            profile.avatar.delete(save=False)
    return UserProfile.objects.filter(pk__in=[p.pk for p in profiles]).delete()[0]


@dataclass
class SweepResult:
    today: datetime.date
    cutoff: datetime.date
    dry_run: bool
    pseudonymised: list[int] = field(default_factory=list)  # user ids (or due, on a dry run)
    records_past_retention: int = 0


def retention_sweep(
    *, today: datetime.date | None = None, dry_run: bool = False, now=None
) -> SweepResult:
    """Pseudonymise every separated person past the period (see the module docstring). On a
    dry run, only say who is due. Records past their own retention period are counted for a
    person to review (docs/retention.md): Relay never deletes them on its own."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult(today=today, cutoff=pseudonymise_cutoff(today), dry_run=dry_run)
    due = list(due_for_pseudonymisation(today=today))
    result.records_past_retention = StaffProfile.objects.filter(
        status=StaffStatus.SEPARATED, separated_on__lte=records_cutoff(today)
    ).count()
    if dry_run:
        result.pseudonymised = [profile.user_id for profile in due]
        return result
    sessions = _user_sessions({profile.user_id for profile in due}, now=now)
    for profile in due:
        person_pseudonymise(profile=profile, now=now, session_keys=sessions.get(profile.user_id))
        result.pseudonymised.append(profile.user_id)
    return result

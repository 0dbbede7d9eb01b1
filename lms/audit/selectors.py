"""Reading the audit log: who may see which events, and the search HR and administrators run."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from lms.accounts.permissions import organisations_in_reach

from .models import AuditEvent, data_text


def can_search_audit(*, user) -> bool:
    """HR and administrators search the log (`audit.view_auditevent`)."""
    return user.is_authenticated and user.has_perm("audit.view_auditevent")


def events_visible_to(*, user) -> QuerySet[AuditEvent]:
    """Administrators (`view_all_staff`) see every event, including those tied to no
    organisation (a failed sign-in for an unknown address, a signing key added); anyone else
    who may search sees the events of the organisations in their reach."""
    if not can_search_audit(user=user):
        return AuditEvent.objects.none()
    if user.has_perm("accounts.view_all_staff"):
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation__in=organisations_in_reach(user=user))


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""  # part of the actor's email address
    target: str = ""  # part of the target ("user:12", "credential:...")
    organisation_id: int | None = None
    since: datetime.datetime | None = None  # inclusive, aware
    until: datetime.datetime | None = None  # exclusive, aware

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.action:
            events = events.filter(action=self.action)
        if self.actor:
            events = events.filter(actor_label__icontains=self.actor)
        if self.target:
            events = events.filter(target__icontains=self.target)
        if self.organisation_id:
            events = events.filter(organisation_id=self.organisation_id)
        if self.since:
            events = events.filter(occurred_at__gte=self.since)
        if self.until:
            events = events.filter(occurred_at__lt=self.until)
        return events


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    older: int | None  # the `before` cursor of the next page, if there is one


def audit_search(
    *, user, filters: AuditFilters, before: int | None = None, limit: int = 50
) -> AuditPage:
    """The newest `limit` matching events older than event `before`: one query, however long
    the log (a cursor on the id rather than a page number, so no count of the whole log)."""
    events = filters.apply(events_visible_to(user=user)).select_related("organisation")
    if before:
        events = events.filter(id__lt=before)
    rows = list(events.order_by("-id")[: limit + 1])
    older = rows[limit - 1].id if len(rows) > limit else None
    return AuditPage(events=rows[:limit], older=older)


EXPORT_HEADER = (
    "Event id",
    "Occurred at (UTC)",
    "Action",
    "Actor",
    "Organisation",
    "IP address",
    "Target",
    "Details",
    "Record hash",
    "Previous hash",
)


def audit_export_rows(*, user, filters: AuditFilters, limit: int) -> Iterator[tuple]:
    """Every matching event, newest first, as export rows, streamed in one query."""
    events = (
        filters.apply(events_visible_to(user=user))
        .order_by("-id")
        .values_list(
            "id",
            "occurred_at",
            "action",
            "actor_label",
            "organisation__name",
            "ip_address",
            "target",
            "data",
            "record_hash",
            "previous_hash",
        )[:limit]
    )
    for (
        event_id,
        occurred_at,
        action,
        actor,
        organisation,
        ip,
        target,
        data,
        digest,
        prev,
    ) in events.iterator(chunk_size=2000):
        yield (
            event_id,
            occurred_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            action,
            actor,
            organisation or "",
            ip or "",
            target,
            data_text(data),
            digest,
            prev,
        )

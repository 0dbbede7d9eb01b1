"""Reads for xAPI: the lookups statements need (a constant number of queries for any batch) and
the forwarding summary of the admin page."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from wagtail.models import Page

from lms.accounts.models import StaffProfile

from .events import Lookups, OrganisationRef, PageRef
from .models import Statement, StatementStatus


def lookups_load(
    *, page_ids: Iterable[int] = (), user_ids: Iterable[int] = (), depth: int = 2
) -> Lookups:
    """Titles of `page_ids` and of their ancestors up to `depth` levels (a scenario's module and
    program), and the organisation of each of `user_ids`. At most three queries."""
    lookups = Lookups()
    page_ids = {pk for pk in page_ids if pk is not None}
    if page_ids:
        rows = list(Page.objects.filter(pk__in=page_ids).values_list("pk", "path", "title"))
        step = Page.steplen
        wanted = {
            path[: len(path) - step * level]
            for _, path, _ in rows
            for level in range(1, depth + 1)
            if len(path) - step * level >= step
        }
        if wanted:
            rows += list(Page.objects.filter(path__in=wanted).values_list("pk", "path", "title"))
        by_path = {path: PageRef(pk, title) for pk, path, title in rows}
        for path, page in by_path.items():
            lookups.pages[page.id] = page
            parent = by_path.get(path[:-step])
            if parent is not None:
                lookups.parents[page.id] = parent
    user_ids = {pk for pk in user_ids if pk is not None}
    if user_ids:
        for user_id, org_id, slug, name in StaffProfile.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "organisation_id", "organisation__slug", "organisation__name"):
            lookups.organisations[user_id] = OrganisationRef(org_id, slug, name)
    return lookups


def lrs_configured() -> bool:
    return bool(getattr(settings, "XAPI_LRS_ENDPOINT", ""))


@dataclass(frozen=True)
class ForwardingSummary:
    pending: int
    due: int
    sent: int
    failed: int
    retrying: int
    oldest_pending: object | None
    lrs_configured: bool

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed


def forwarding_summary(*, now) -> ForwardingSummary:
    """Counts by forwarding state, in one query."""
    pending = Q(status=StatementStatus.PENDING)
    counts = Statement.objects.aggregate(
        pending=Count("pk", filter=pending),
        due=Count("pk", filter=pending & Q(next_attempt_at__lte=now)),
        sent=Count("pk", filter=Q(status=StatementStatus.SENT)),
        failed=Count("pk", filter=Q(status=StatementStatus.FAILED)),
        retrying=Count("pk", filter=pending & Q(attempts__gt=0)),
        oldest=Min("stored", filter=pending),
    )
    return ForwardingSummary(
        pending=counts["pending"],
        due=counts["due"],
        sent=counts["sent"],
        failed=counts["failed"],
        retrying=counts["retrying"],
        oldest_pending=counts["oldest"],
        lrs_configured=lrs_configured(),
    )

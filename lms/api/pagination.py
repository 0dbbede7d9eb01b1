"""Offset pagination: ``?limit=`` (default 50, at most 500) and ``?offset=``; every list answers
``{"count": n, "next": url | null, "items": [...]}`` in two queries (count, page), or three
with `paginate_by_ids` (count, the page's ids, the page's rows)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from django.http import HttpRequest
from pydantic import Field

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Items per page (1-500).")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Items to skip.")]


@dataclass
class Page:
    count: int
    next: str | None
    items: list


def next_url(request: HttpRequest, *, offset: int, limit: int, count: int) -> str | None:
    """The absolute URL of the next page, or None on the last one."""
    following = offset + limit
    if following >= count:
        return None
    query = request.GET.copy()
    query["offset"] = str(following)
    query["limit"] = str(limit)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request: HttpRequest, rows, *, limit: int, offset: int) -> Page:
    """One page of a queryset (or a list)."""
    count = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    items = list(rows[offset : offset + limit]) if offset < count else []
    following = next_url(request, offset=offset, limit=limit, count=count)
    return Page(count=count, next=following, items=items)


def paginate_by_ids(
    request: HttpRequest, rows, *, limit: int, offset: int, fetch: Callable[[list], dict]
) -> Page:
    """One page of an ordered queryset whose rows are costly to join: the page's primary keys
    first (the filter and the sort on the table alone), then `fetch(ids)` (id -> row) joins
    only those; the page keeps the queryset's order."""
    count = rows.count()
    ids = list(rows.values_list("pk", flat=True)[offset : offset + limit]) if offset < count else []
    found = fetch(ids) if ids else {}
    following = next_url(request, offset=offset, limit=limit, count=count)
    return Page(count=count, next=following, items=[found[pk] for pk in ids if pk in found])

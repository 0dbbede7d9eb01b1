"""``/api/v1/...``: the API (django-ninja), ``/api/tokens/...``: the token pages.

Every API URL is wrapped so that what ninja or Django would answer in HTML is JSON in the
API's error shape too: an oversized body (413, refused from its Content-Length before anything
reads it), an unknown path under ``/api/v1/`` (404) and a method the path does not take (405).
"""

from functools import wraps

from django.http import Http404, JsonResponse
from django.urls import URLPattern, include, path, re_path

from . import views
from .api import api
from .errors import error_payload

KB = 1024
DEFAULT_BODY_LIMIT = 1024 * KB
# Larger bodies, by URL name: external credentials carry their evidence as base64.
BODY_LIMITS = {
    "credential_external": 4096 * KB,
    "staff_upsert": 2048 * KB,  # up to 1,000 people per batch
}


def json_error(status: int, message: str, **headers) -> JsonResponse:
    return JsonResponse(error_payload(message), status=status, headers=headers or None)


def json_guard(view, *, limit: int):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "The Content-Length header is not a number.")
        if length > limit:
            return json_error(413, f"The request body is larger than {limit // KB} KB.")
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return json_error(404, "Not found.")
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return json_error(
                405,
                f"This path does not take {request.method}.",
                Allow=response.get("Allow", ""),
            )
        return response

    return guarded


def not_found(request, *args, **kwargs):
    return json_error(404, "Not found.")


def _guarded(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            limit = BODY_LIMITS.get(pattern.name, DEFAULT_BODY_LIMIT)
            yield URLPattern(
                pattern.pattern,
                json_guard(pattern.callback, limit=limit),
                pattern.default_args,
                pattern.name,
            )
        else:  # pragma: no cover - ninja only makes plain patterns
            yield pattern


api_patterns, api_app, api_namespace = api.urls

token_patterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]

urlpatterns = [
    path("tokens/", include((token_patterns, "api_tokens"))),
    path("v1/", include(([*_guarded(api_patterns)], api_app), namespace=api_namespace)),
    re_path(r"^v1/", not_found, name="api_not_found"),
]

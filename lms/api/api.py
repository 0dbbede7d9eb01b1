"""The Relay API (``/api/v1/``): django-ninja, bearer tokens, one JSON error shape.

Operations live in `lms.api.routers`; the HR-system sync's staff writes (`lms.api.staff_write`)
share the ``/staff`` router with the staff reads. The OpenAPI document and its page are for
signed-in API administrators only (`permissions.can_read_api_docs`).
"""

import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase

from . import permissions, staff_write
from .auth import TokenAuth
from .errors import ApiError, error_payload
from .routers import completions, credentials, readiness, staff

logger = logging.getLogger(__name__)

DESCRIPTION = """Relay's integration API.

Authenticate with a personal API token: `Authorization: Bearer relay_...`. Create one under
*API tokens*; it carries scopes and, optionally, one organisation, and never reaches beyond what
its owner may see. Lists take `limit` (1-500, default 50) and `offset` and answer
`{"count", "next", "items"}`. Every error is JSON:
`{"message": "...", "field": "dotted.path" | null, "errors": [{"field", "message"}]}`.
"""


def docs_decorator(view):
    """The OpenAPI document and its page: signed-in API administrators only."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.can_read_api_docs(user=request.user):
            raise PermissionDenied("The API documentation is for API administrators.")
        return view(request, *args, **kwargs)

    return guarded


class RelayDocs(DocsBase):
    """A server-rendered page of the operations (no CDN, no script: the site's CSP holds)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        from .docs import operations

        schema = api.get_openapi_schema(path_params=kwargs)
        context = {
            "title": api.title,
            "version": api.version,
            "operations": operations(schema),
            "openapi_url": self.get_openapi_url(api, kwargs),
        }
        return render(request, "api/docs.html", context)


api = NinjaAPI(
    title="Relay API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=RelayDocs(),
    docs_decorator=docs_decorator,
)


# --- Errors: one JSON shape ----------------------------------------------------------------------


def _field_path(location) -> str | None:
    """``("body", "payload", "items", 3, "email")`` -> ``items.3.email``; query and path
    parameters keep their name."""
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[2:]  # the source, then the operation's parameter name
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    return ".".join(parts) or None


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind == "missing":
        return "This field is required."
    message = str(error.get("msg", "Invalid value."))
    return message.removeprefix("Value error, ")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_path(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
    if not errors:  # pragma: no cover - ninja always says what failed
        errors = [{"field": None, "message": "The request is invalid."}]
    first = errors[0]
    if first["field"] is None and first["message"] == "This field is required.":
        first["message"] = "The request body is required."
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    if len(errors) > 1:
        message = f"{len(errors)} fields are invalid; the first: {message}"
    return api.create_response(
        request, error_payload(message, field=first["field"], errors=errors), status=400
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ApiError):
        payload = exc.payload()
    elif isinstance(exc, AuthenticationError):
        payload = error_payload("Send a valid API token: Authorization: Bearer <token>.")
    elif str(exc).startswith("Cannot parse request body"):
        payload = error_payload("The request body is not valid JSON.")
    else:
        payload = error_payload(str(exc) or "The request failed.")
    response = api.create_response(request, payload, status=exc.status_code)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="relay"'
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_payload("Not found."), status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, error_payload(str(exc) or "You cannot do this."), status=403
    )


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API server error on %s %s", request.method, request.path)
    return api.create_response(
        request, error_payload("Relay could not answer this request (server error)."), status=500
    )


# --- Operations -------------------------------------------------------------------------------

api.add_router("/staff", staff.register(staff_write.router))
api.add_router("/credentials", credentials.router)
api.add_router("/completions", completions.router)
api.add_router("/readiness", readiness.router)

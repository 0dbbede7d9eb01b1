"""Answers 503 with `Retry-After` while the database is unreachable, instead of a 500.

Most requests first touch the database in a middleware (the session, the user, the cache),
not in the view, and Django turns an exception raised there into a 500 response before an
outer middleware sees it. So this middleware, near the top of `MIDDLEWARE`, has two hooks:
`process_exception` for errors raised by the view, and a `got_request_exception` receiver
that marks the request when any inner layer failed with a database error, which `__call__`
then answers with the 503 page in place of the 500. The page is rendered without a request
(no context processors, no user, no session), so it never touches the database itself.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
API_MESSAGE = "The service is briefly unavailable. Please retry in a few seconds."
_MARK = "_relay_database_unavailable"


def is_database_unavailable(exception: BaseException | None) -> bool:
    """An error from the database driver saying it could not be reached or answer (connection
    refused or lost, server shutting down, SQLite busy past its timeout)."""
    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with `Retry-After`: JSON `{"message": ...}` under /api/, else the 503 page."""
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"message": API_MESSAGE}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _mark_request(sender, request=None, **kwargs) -> None:
    """`got_request_exception` fires inside the `except` block that caught the error."""
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_request, dispatch_uid="relay-database-unavailable")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code >= 500:
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_unavailable(exception):
            return None
        logger.error("Database unavailable: %s", exception, exc_info=exception)
        return database_unavailable_response(request)

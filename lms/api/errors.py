"""The API's one error shape: ``{"message", "field", "errors": [{"field", "message"}]}``.

Raise :class:`ApiError` (or call :func:`api_error`) anywhere under an API operation; the API's
exception handlers (``lms.api.api``) render it, and turn ninja's own errors (validation,
authentication, 404, unexpected exceptions) into the same shape.
"""

from ninja.errors import HttpError


class ApiError(HttpError):
    """An HTTP error with the field at fault (a dotted path such as ``items.3.email``)."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        errors: list[dict] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.field = field
        self.errors = errors if errors is not None else [{"field": field, "message": message}]

    def payload(self) -> dict:
        return error_payload(self.message, field=self.field, errors=self.errors)


def api_error(
    status: int, message: str, field: str | None = None, errors: list[dict] | None = None
) -> ApiError:
    """The exception to raise for a JSON error: ``raise api_error(404, "No such person.")``."""
    return ApiError(status, message, field=field, errors=errors)


def error_payload(message: str, *, field: str | None = None, errors: list[dict] | None = None):
    """The JSON body of every API error."""
    return {
        "message": message,
        "field": field,
        "errors": errors if errors is not None else [{"field": field, "message": message}],
    }

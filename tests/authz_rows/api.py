"""The REST API and the personal token pages.

The API takes bearer tokens only: a signed-in session is not an API credential, so every
operation answers 401 (JSON) to every role here, whatever the method; an operation opened with
a method it does not take answers 405. The OpenAPI document and its page are for signed-in
administrators. Token pages are for holders of `accounts.use_api` (HR, administrators); the
token revoked here is HR's, which its owner and administrators may revoke (404 to others).
"""

from django.urls import reverse

from tests.test_authorization_matrix import (
    BAD_REQUEST,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    REDIRECT,
    Row,
    everyone,
    roles,
)

UNAUTHORIZED = "401"
TOKEN_PAGES = roles(FORBIDDEN, anonymous=LOGIN, hr=OK, admin=OK)

ROWS: dict[str, Row] = {
    **{
        f"api:{name}": Row(everyone(UNAUTHORIZED), post=everyone(UNAUTHORIZED))
        for name in ("staff_list", "staff_upsert")
    },
    **{
        f"api:{name}": Row(everyone(UNAUTHORIZED))
        for name in ("staff_detail", "credential_list", "completion_list", "readiness_list")
    },
    "api:credential_external": Row(everyone(NOT_ALLOWED), post=everyone(UNAUTHORIZED)),
    "api:api-root": Row(everyone(NOT_FOUND)),
    "api_not_found": Row(everyone(NOT_FOUND)),
    "api:openapi-json": Row(roles(FORBIDDEN, anonymous=LOGIN, admin=OK)),
    "api:openapi-view": Row(roles(FORBIDDEN, anonymous=LOGIN, admin=OK)),
    "api_tokens:list": Row(TOKEN_PAGES),
    # An empty form is refused with its errors.
    "api_tokens:create": Row(
        TOKEN_PAGES,
        post=roles(FORBIDDEN, anonymous=LOGIN, hr=BAD_REQUEST, admin=BAD_REQUEST),
    ),
    "api_tokens:revoke": Row(
        roles(NOT_FOUND, anonymous=LOGIN, hr=OK, admin=OK),
        post=roles(NOT_FOUND, anonymous=LOGIN, hr=REDIRECT, admin=REDIRECT),
    ),
}


def paths(city) -> dict[str, str]:
    from lms.api.services import api_token_create

    token, _secret = api_token_create(owner=city.user("hr"), name="Matrix", scopes=["staff:read"])
    return {"api_tokens:revoke": reverse("api_tokens:revoke", args=[token.pk])}

"""While the database cannot be reached, every page answers 503 with `Retry-After` (the API in
JSON) instead of a 500, and the 503 page itself never touches the database."""

from unittest import mock

import pytest
from django.conf import settings as live_settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import InterfaceError, OperationalError, ProgrammingError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from lms.middleware import DatabaseUnavailableMiddleware, database_unavailable_response


def _raises(error):
    def view(request):
        raise error

    return view


# Used by the tests marked `pytest.mark.urls(__name__)`: views that fail in the view itself.
urlpatterns = [
    path("operational/", _raises(OperationalError("server closed the connection"))),
    path("interface/", _raises(InterfaceError("connection already closed"))),
    path("programming/", _raises(ProgrammingError("column x does not exist"))),
    path("api/v1/operational/", _raises(OperationalError("could not connect to server"))),
]


def _database_down():
    """Every new query fails as it does when the server refuses connections."""
    return mock.patch.object(
        BaseDatabaseWrapper,
        "ensure_connection",
        side_effect=OperationalError('connection to server at "127.0.0.1" failed'),
    )


def _assert_503_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")
    assert "Relay is back in a moment" in response.content.decode()


def test_the_middleware_runs_just_inside_security():
    middleware = live_settings.MIDDLEWARE
    assert middleware.index("lms.middleware.DatabaseUnavailableMiddleware") == 1
    assert middleware[0] == "django.middleware.security.SecurityMiddleware"


def test_the_503_page_renders_without_a_single_query(db, django_assert_num_queries):
    request = RequestFactory().get("/courses/")
    with django_assert_num_queries(0), _database_down():
        response = database_unavailable_response(request)
    _assert_503_page(response)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/operational/", "/interface/"])
def test_a_view_failing_on_the_database_answers_503(db, url):
    _assert_503_page(Client().get(url))


@pytest.mark.urls(__name__)
def test_an_api_path_answers_503_in_json(db):
    response = Client().get("/api/v1/operational/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "message": "The service is briefly unavailable. Please retry in a few seconds."
    }


@pytest.mark.urls(__name__)
def test_other_database_errors_are_still_server_errors(db):
    """A bad query is a bug, not an outage: it is not hidden behind a 503."""
    response = Client(raise_request_exception=False).get("/programming/")
    assert response.status_code == 500


def test_a_signed_in_page_answers_503_when_the_server_is_down(city):
    """The session, the cache and the user are read in middleware before the view runs: the
    failure there is answered 503 too, not 500."""
    client = Client(raise_request_exception=False)
    client.force_login(city.learner.user)
    assert client.get("/").status_code == 200
    with _database_down():
        response = client.get("/")
        api = client.get("/api/v1/me/")
    _assert_503_page(response)
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert "message" in api.json()


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/verify/C0FFEE1234/"), ("post", "/accounts/login/"), ("get", "/healthz/")],
)
def test_an_anonymous_request_answers_503_when_the_server_is_down(db, method, url):
    client = Client(raise_request_exception=False)
    with _database_down():
        response = getattr(client, method)(url, {"login": "a@relay.test", "password": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_a_post_answers_503_and_writes_nothing_when_the_server_is_down(city):
    from lms.accounts.models import Notification

    client = Client(raise_request_exception=False)
    client.force_login(city.learner.user)
    before = Notification.objects.count()
    with _database_down():
        response = client.post("/accounts/logout/")
    _assert_503_page(response)
    assert Notification.objects.count() == before


def test_a_response_that_failed_for_another_reason_is_left_alone():
    """Only a request marked by a database error is turned into a 503."""
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse(status=500))
    assert middleware(RequestFactory().get("/")).status_code == 500


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_connections_give_up_after_three_seconds():
    assert live_settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3

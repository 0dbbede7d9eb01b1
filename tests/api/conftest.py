"""API test helpers: tokens made through the service, and a client that sends them."""

import pytest
from django.test import Client

from lms.api.models import ApiScope
from lms.api.services import api_token_create

ALL_SCOPES = [str(scope) for scope in ApiScope]


def grant(user, *permissions: str):
    """Give `user` permissions directly (beside their roles), as an administrator could."""
    from django.contrib.auth.models import Permission

    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_relay_group_names"):
        user.__dict__.pop(attr, None)
    return user


def make_token(user, scopes=None, organisation=None, **kwargs) -> str:
    """A token's secret for `user` with `scopes` (default: every scope they may hold)."""
    from lms.api.permissions import grantable_scopes

    wanted = scopes if scopes is not None else [str(s) for s in grantable_scopes(user=user)]
    _token, secret = api_token_create(
        owner=user, name="Test integration", scopes=wanted, organisation=organisation, **kwargs
    )
    return secret


class ApiClient:
    """A Django test client that sends a bearer token and reads JSON."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body=None, *, raw: bytes | None = None, **extra):
        import json

        data = raw if raw is not None else json.dumps(body)
        return self.client.post(
            path, data, content_type="application/json", headers=self.headers, **extra
        )


@pytest.fixture
def api_for(city):
    """`api_for("hr")` is an API client with a token of that person (every scope they may
    hold); `api_for("hr", scopes=[...], organisation=org)` narrows it."""

    def make(role: str, **kwargs) -> ApiClient:
        return ApiClient(make_token(city.user(role), **kwargs))

    return make

"""Fixtures the credential and career tests share."""

import pytest


@pytest.fixture
def today(city):
    """Today in the department's time zone."""
    return city.department.today()

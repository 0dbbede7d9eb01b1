"""`api_staff_list` on the test city: HR's token reads a page of staff. Behaviour only; nothing
is timed here."""

import pytest

from bench import runner
from bench.api import TOKEN_NAME, api_staff_list
from bench.context import BenchContext
from bench.scenarios import REGISTRY
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from lms.api.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    settings.TEMPLATES = BENCH_TEMPLATES


def test_the_request_reads_staff_with_a_fresh_token(city):
    request = api_staff_list(BenchContext(size=12))
    response = request()
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == request.extra["staff_readable"]
    assert request.extra["items"] == len(body["items"]) > 0
    # Set-up again replaces the bench token rather than piling them up.
    api_staff_list(BenchContext(size=12))
    assert ApiToken.objects.filter(name=TOKEN_NAME).count() == 1


def test_the_scenario_runs_in_the_runner(city):
    registry = {**REGISTRY, "api_staff_list": api_staff_list}
    results = runner.run_scenarios(
        names=["api_staff_list"], size=12, repeat=3, warmup=1, registry=registry
    )
    _baseline, listed = results
    assert listed.name == "api_staff_list"
    assert listed.repeats == 3
    assert 0 < listed.queries <= 5
    assert listed.extra["items"] > 0

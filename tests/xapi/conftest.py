"""A fake Learning Record Store, and Relay configured to forward to it."""

import pytest

from tests.xapi.fake_lrs import PASSWORD, USERNAME, FakeLRS


@pytest.fixture
def lrs(settings):
    store = FakeLRS().start()
    settings.XAPI_LRS_ENDPOINT = store.endpoint
    settings.XAPI_LRS_USERNAME = USERNAME
    settings.XAPI_LRS_PASSWORD = PASSWORD
    settings.XAPI_LRS_TIMEOUT = 5.0
    settings.XAPI_LRS_BATCH_SIZE = 100
    yield store
    store.stop()


@pytest.fixture
def no_lrs(settings):
    settings.XAPI_LRS_ENDPOINT = ""

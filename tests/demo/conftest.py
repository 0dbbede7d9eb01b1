"""Demo seeding tests build a whole city once per module; its evidence files go to a private
folder of that module (not the shared `var/test-private`, which parallel workers would share)."""

import pytest
from django.test import override_settings


@pytest.fixture(scope="module", autouse=True)
def _module_private_storage(tmp_path_factory):
    with override_settings(PRIVATE_STORAGE_ROOT=tmp_path_factory.mktemp("private")):
        yield

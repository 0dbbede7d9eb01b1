"""The demo's sample HR file (`lms/demo/hris_sample.csv`) imports cleanly into the demo city's
Office of Community Safety, as the demo HR officer, and a second time changes nothing."""

import datetime
from pathlib import Path

import pytest

from lms.accounts.hris import staff_csv_import
from lms.accounts.models import Organisation, StaffProfile, User
from lms.demo import seed

SAMPLE = Path(seed.__file__).with_name("hris_sample.csv")
TODAY = datetime.date(2026, 11, 30)
NOW = datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_the_demo_sample_imports_into_the_demo_city():
    seed.seed_city(0, today=TODAY, curriculum=False)
    organisation = Organisation.objects.get(slug="office-of-community-safety")
    hr = User.objects.get(email="hr@relay.test")
    data = SAMPLE.read_bytes()

    summary = staff_csv_import(actor=hr, organisation=organisation, data=data, now=NOW)

    assert (summary.rows, summary.created) == (6, 6)
    led = StaffProfile.objects.get(employee_id="OCS-H0005")
    assert led.supervisor.email == "kwame.asante@alderbay.test"
    assert not User.objects.get(email="noah.feld@alderbay.test").is_active
    again = staff_csv_import(actor=hr, organisation=organisation, data=data, now=NOW)
    assert again.changed == 0

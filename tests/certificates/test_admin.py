"""HR edits credential types in the Wagtail admin (never deletes them)."""

import pytest
from django.urls import reverse

from certificates.models import CredentialKind, CredentialType, ExpiryRule
from tests.factories.certificates import CredentialTypeFactory

pytestmark = pytest.mark.django_db


def _form_data(**overrides):
    data = {
        "name": "Crisis Intervention Team (40 h)",
        "slug": "cit-40",
        "issuer": "Alder Bay CIT program",
        "description": "",
        "kind": CredentialKind.EXTERNAL,
        "validity_months": "24",
        "expiry_rule": ExpiryRule.FROM_COMPLETION,
        "fixed_month": "",
        "fixed_day": "",
        "minimum_active_months": "0",
        "window_days": "90",
        "grace_days": "30",
        "refresher_program": "",
        "renewal_ce_hours": "8",
        "renewal_field_observations": "0",
        "active": "on",
        "requirements-TOTAL_FORMS": "0",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    return data | overrides


def test_hr_lists_searches_and_filters_credential_types(client_for):
    CredentialTypeFactory(name="BLS Provider (CPR/AED)", slug="aha-bls")
    CredentialTypeFactory(name="Mental Health First Aid", slug="mhfa", validity_months=36)
    client = client_for("hr")
    response = client.get(reverse("credential-types:index"))
    assert response.status_code == 200
    assert b"BLS Provider (CPR/AED)" in response.content
    assert b"Mental Health First Aid" in response.content
    searched = client.get(reverse("credential-types:index"), {"q": "first aid"})
    assert b"Mental Health First Aid" in searched.content
    assert b"BLS Provider" not in searched.content
    filtered = client.get(reverse("credential-types:index"), {"kind": CredentialKind.EARNED})
    assert filtered.status_code == 200
    assert b"BLS Provider" not in filtered.content


def test_hr_opens_the_add_form_with_the_requirements_panel(client_for):
    response = client_for("hr").get(reverse("credential-types:add"))
    assert response.status_code == 200
    assert b"requirements-TOTAL_FORMS" in response.content
    assert b"renewal_field_observations" in response.content


def test_hr_adds_a_credential_type(client_for):
    response = client_for("hr").post(reverse("credential-types:add"), _form_data())
    assert response.status_code == 302, response.content[:2000]
    created = CredentialType.objects.get(slug="cit-40")
    assert created.validity_months == 24


def test_a_fixed_date_type_without_its_date_is_refused(client_for):
    response = client_for("hr").post(
        reverse("credential-types:add"), _form_data(expiry_rule=ExpiryRule.FIXED_DATE)
    )
    assert response.status_code == 200
    assert not CredentialType.objects.filter(slug="cit-40").exists()


def test_hr_edits_and_inspects_but_never_deletes(client_for):
    credential_type = CredentialTypeFactory(name="Naloxone administration", slug="naloxone")
    client = client_for("hr")
    edit = reverse("credential-types:edit", args=[credential_type.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, _form_data(name="Naloxone administration", slug="naloxone", window_days="60")
    )
    assert response.status_code == 302, response.content[:2000]
    credential_type.refresh_from_db()
    assert credential_type.window_days == 60
    assert (
        client.get(reverse("credential-types:inspect", args=[credential_type.pk])).status_code
        == 200
    )
    delete = reverse("credential-types:delete", args=[credential_type.pk])
    assert client.get(delete).status_code in (302, 403)
    client.post(delete)
    assert CredentialType.objects.filter(pk=credential_type.pk).exists()


@pytest.mark.parametrize("role", ["learner", "supervisor", "fto"])
def test_other_roles_cannot_reach_credential_types(client_for, role):
    response = client_for(role).get(reverse("credential-types:index"))
    assert response.status_code in (302, 403)

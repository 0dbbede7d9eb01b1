import pytest
from django.contrib.auth.models import AnonymousUser

from lms.accounts.models import StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.accounts.roles import Role
from lms.accounts.services import roles_set
from lms.audit.models import AuditAction, AuditEvent

# viewer -> the city people they may see (by City attribute name)
EXPECTED = {
    "learner": {"learner"},
    "fto": {"fto", "learner"},
    "supervisor": {"supervisor", "fto", "learner", "hr", "author", "admin"},
    "hr": {
        "supervisor",
        "fto",
        "learner",
        "hr",
        "author",
        "admin",
        "cbo_supervisor",
        "cbo_learner",
    },
    "cbo_supervisor": {"cbo_supervisor", "cbo_learner"},
    "cbo_learner": {"cbo_learner"},
    "admin": {
        "supervisor",
        "fto",
        "learner",
        "hr",
        "author",
        "admin",
        "cbo_supervisor",
        "cbo_learner",
        "private_cbo_learner",
    },
}
PEOPLE = [
    "learner",
    "fto",
    "supervisor",
    "hr",
    "author",
    "admin",
    "cbo_learner",
    "cbo_supervisor",
    "private_cbo_learner",
]


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_queryset_and_object_rule_agree(city, viewer):
    user = city.user(viewer)
    visible = set(StaffProfile.objects.visible_to(user).values_list("pk", flat=True))
    expected = {getattr(city, name).pk for name in EXPECTED[viewer]}
    assert visible == expected
    for name in PEOPLE:
        profile = getattr(city, name)
        assert can_view_staff(viewer=user, profile=profile) == (profile.pk in expected), name


def test_anonymous_sees_nobody(city):
    assert not StaffProfile.objects.visible_to(AnonymousUser()).exists()


def test_contracted_organisation_never_sees_another(city, client_for):
    client = client_for("cbo_supervisor")
    assert client.get(f"/people/{city.learner.pk}/").status_code == 404
    assert client.get(f"/people/{city.private_cbo_learner.pk}/").status_code == 404
    assert client.get(f"/people/{city.cbo_learner.pk}/").status_code == 200
    listing = client.get("/people/").content.decode()
    assert city.cbo_learner.user.display_name in listing
    assert city.learner.user.display_name not in listing
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 2


def test_hr_sees_contracted_people_only_where_shared(city, client_for):
    client = client_for("hr")
    assert client.get(f"/people/{city.cbo_learner.pk}/").status_code == 200
    assert client.get(f"/people/{city.private_cbo_learner.pk}/").status_code == 404
    home = client.get("/").content.decode()
    assert "Harbor Outreach Collective" in home
    assert "Shares headcount only" in home


def test_people_list_runs_constant_queries(city, client_for, django_assert_max_num_queries):
    from tests.factories import StaffProfileFactory

    client = client_for("hr")
    with django_assert_max_num_queries(14):
        assert client.get("/people/").status_code == 200
    StaffProfileFactory.create_batch(25, organisation=city.department)
    with django_assert_max_num_queries(14):
        assert client.get("/people/").status_code == 200


@pytest.mark.parametrize("role", ["learner", "fto", "supervisor", "hr", "admin"])
def test_home_runs_constant_queries(city, client_for, role, django_assert_max_num_queries):
    from tests.factories import StaffProfileFactory

    client = client_for(role)
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
    StaffProfileFactory.create_batch(
        20, organisation=city.department, field_training_officers=[city.user("fto")]
    )
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200


def test_admin_changes_roles_with_an_audit_row(city, client_for):
    client = client_for("admin")
    response = client.post(f"/people/{city.learner.pk}/roles/", {"roles": ["fto"]})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.ROLES_CHANGED)
    assert event.data == {"before": ["learner"], "after": ["learner", "fto"]}
    assert city.user("learner").has_perm("accounts.sign_off_trainees")


def test_supervisor_cannot_change_roles(city, client_for):
    response = client_for("supervisor").post(
        f"/people/{city.learner.pk}/roles/", {"roles": ["admin"]}
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.ROLES_CHANGED).exists()


def test_nobody_changes_their_own_roles(city):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        roles_set(actor=city.user("admin"), user=city.user("admin"), roles={Role.LEARNER})


def test_unknown_role_in_form_changes_nothing(city, client_for):
    client = client_for("admin")
    response = client.post(f"/people/{city.learner.pk}/roles/", {"roles": ["emperor"]})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.ROLES_CHANGED).exists()


def test_people_list_paginates_and_keeps_filters(city, client_for):
    from tests.factories import StaffProfileFactory

    StaffProfileFactory.create_batch(55, organisation=city.department)
    client = client_for("hr")
    first = client.get("/people/", {"organisation": city.department.pk})
    assert first.status_code == 200
    assert len(first.context["people"]) == 50
    assert f"organisation={city.department.pk}&amp;page=2" in first.content.decode()
    second = client.get("/people/", {"organisation": city.department.pk, "page": 2})
    assert len(second.context["people"]) == 61 - 50  # 6 in the fixture + 55
    # A nonsense page number shows the last page instead of failing.
    assert client.get("/people/", {"page": "zzz"}).status_code == 200

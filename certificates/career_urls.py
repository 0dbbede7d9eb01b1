"""Career pathways (every staff member) and readiness for city roles (HR, supervisors)."""

from django.urls import path

from certificates.views import careers, readiness

app_name = "careers"

urlpatterns = [
    path("careers/", careers.my_career, name="mine"),
    path("careers/interest/<int:role_id>/", careers.interest, name="interest"),
    path("careers/roles/", careers.roles, name="roles"),
    path("careers/roles/<int:role_id>/", careers.role, name="role"),
    path("careers/readiness/", readiness.dashboard, name="dashboard"),
    path(
        "careers/readiness/<int:role_id>/people/<int:profile_id>/",
        readiness.person,
        name="person",
    ),
]

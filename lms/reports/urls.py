from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/training-hours/", views.training_hours, name="training_hours"),
    path("reports/funding/", views.funding, name="funding"),
    path("reports/fto-workload/", views.fto_workload_view, name="fto_workload"),
    path("reports/field-release/", views.field_release_view, name="field_release"),
    path("reports/credential-compliance/", views.compliance, name="compliance"),
]

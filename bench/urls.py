"""Relay's URLs plus the baseline page that every scenario is compared with."""

from django.urls import include, path

from lms.urls import handler403, handler404, handler500  # noqa: F401 - the same error pages

from . import views

urlpatterns = [
    path("bench/baseline/", views.baseline, name="bench_baseline"),
    path("", include("lms.urls")),
]

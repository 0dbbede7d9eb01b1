from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("learn/scenarios/<int:pk>/", views.play, name="play"),
    path("learn/scenarios/<int:pk>/start/", views.start, name="start"),
    path("learn/scenarios/attempts/<int:pk>/choose/", views.choose, name="choose"),
    path("learn/scenarios/attempts/<int:pk>/debrief/", views.debrief, name="debrief"),
]

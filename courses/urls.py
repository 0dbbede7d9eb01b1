from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("learn/programs/<int:pk>/", views.program, name="program"),
    path("learn/modules/<int:pk>/", views.module, name="module"),
    path(
        "learn/modules/<int:pk>/sections/<int:index>/check/<int:position>/",
        views.knowledge_check,
        name="knowledge_check",
    ),
    path("learn/modules/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("learn/modules/<int:pk>/quiz/<int:attempt>/", views.quiz_result, name="quiz_result"),
    path("learn/protocols/<int:pk>/", views.protocol, name="protocol"),
    path("learn/transcript/", views.transcript, name="transcript"),
    path("team/training/", views.team, name="team"),
    path("team/training/<int:pk>/", views.team_grid, name="team_grid"),
    path("team/people/<int:profile_pk>/training/", views.assign, name="assign"),
    path("team/assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("team/progress/<int:pk>/reset/", views.progress_reset, name="progress_reset"),
    path("team/protocols/", views.team_protocols, name="team_protocols"),
]

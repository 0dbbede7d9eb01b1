from django.urls import path

from . import coaching_views as views

app_name = "coaching"

urlpatterns = [
    path("coach/", views.queue, name="queue"),
    path("coach/attempts/<int:pk>/", views.review, name="review"),
    path("coach/roleplay/", views.roleplay_list, name="roleplay_list"),
    path("coach/roleplay/new/", views.roleplay_new, name="roleplay_new"),
]

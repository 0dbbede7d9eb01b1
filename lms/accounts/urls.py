from django.urls import path

from . import hris_views, privacy_views, views

app_name = "accounts"

urlpatterns = [
    path("people/", views.staff_list, name="staff_list"),
    path("people/import/", hris_views.hris_import, name="hris_import"),
    path("people/import/sample.csv", hris_views.hris_sample, name="hris_sample"),
    path("people/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("people/<int:pk>/roles/", views.staff_roles, name="staff_roles"),
    path("people/<int:pk>/job-role/", views.staff_job_role, name="staff_job_role"),
    path("people/<int:pk>/export/", privacy_views.person_export, name="person_export"),
    path("account/my-data/", privacy_views.my_data, name="my_data"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<uuid:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

from django.urls import path

from . import field_views as views

app_name = "field"

urlpatterns = [
    path("field/", views.fto_home, name="fto_home"),
    path("field/supervise/", views.supervise, name="supervise"),
    path("field/mine/", views.my_field_training, name="mine"),
    path("field/start/<int:profile_pk>/", views.start, name="start"),
    path("field/signoffs/verify/", views.verify_chain, name="verify"),
    path("field/<int:pk>/", views.record, name="record"),
    path("field/<int:pk>/trends/", views.trends, name="trends"),
    path("field/<int:pk>/task-book.pdf", views.task_book_download, name="task_book_pdf"),
    path("field/<int:pk>/shifts/new/", views.shift_new, name="shift_new"),
    path("field/<int:pk>/reports/new/", views.report_new, name="report_new"),
    path("field/<int:pk>/tasks/<str:task_id>/", views.task_sign, name="task_sign"),
    path("field/<int:pk>/recommend/", views.phase_recommend, name="recommend"),
    path("field/<int:pk>/approve/", views.phase_approve, name="approve"),
    path("field/<int:pk>/extend/", views.phase_extend, name="extend"),
    path("field/<int:pk>/release/", views.release, name="release"),
    path(
        "field/observations/<int:pk>/correct/",
        views.observation_correct,
        name="observation_correct",
    ),
    path("field/reports/<int:pk>/", views.report_detail, name="report"),
    path(
        "field/reports/<int:pk>/acknowledge/", views.report_acknowledge, name="report_acknowledge"
    ),
    path("field/reports/<int:pk>/correct/", views.report_correct, name="report_correct"),
    path("field/reports/<int:pk>/dor.pdf", views.report_download, name="report_pdf"),
]

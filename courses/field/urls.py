from django.urls import path

from courses.field.views import homes, record, signing

app_name = "field"

urlpatterns = [
    path("field/", homes.fto_home, name="fto_home"),
    path("field/supervise/", homes.supervise, name="supervise"),
    path("field/mine/", homes.my_field_training, name="mine"),
    path("field/start/<int:profile_pk>/", homes.start, name="start"),
    path("field/signoffs/verify/", homes.verify_chain, name="verify"),
    path("field/<int:pk>/", record.record, name="record"),
    path("field/<int:pk>/trends/", record.trends, name="trends"),
    path("field/<int:pk>/task-book.pdf", record.task_book_download, name="task_book_pdf"),
    path("field/<int:pk>/shifts/new/", signing.shift_new, name="shift_new"),
    path("field/<int:pk>/reports/new/", signing.report_new, name="report_new"),
    path("field/<int:pk>/tasks/<str:task_id>/", signing.task_sign, name="task_sign"),
    path("field/<int:pk>/recommend/", signing.phase_recommend, name="recommend"),
    path("field/<int:pk>/approve/", signing.phase_approve, name="approve"),
    path("field/<int:pk>/extend/", signing.phase_extend, name="extend"),
    path("field/<int:pk>/release/", signing.release, name="release"),
    path(
        "field/observations/<int:pk>/correct/",
        signing.observation_correct,
        name="observation_correct",
    ),
    path("field/reports/<int:pk>/", record.report_detail, name="report"),
    path(
        "field/reports/<int:pk>/acknowledge/", record.report_acknowledge, name="report_acknowledge"
    ),
    path("field/reports/<int:pk>/correct/", signing.report_correct, name="report_correct"),
    path("field/reports/<int:pk>/dor.pdf", record.report_download, name="report_pdf"),
]

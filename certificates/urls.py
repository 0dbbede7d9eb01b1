from django.urls import path

from certificates.views import board, mine, renewal

app_name = "credentials"

urlpatterns = [
    path("credentials/", mine.mine, name="mine"),
    path("credentials/new/", mine.record, name="record"),
    path("credentials/verify/", board.verification_queue, name="verification_queue"),
    path("credentials/compliance/", board.compliance, name="compliance"),
    path("credentials/ce/", renewal.ce_ledger, name="ce"),
    path("credentials/ce/new/", renewal.ce_new, name="ce_new"),
    path("credentials/ce/<int:pk>/evidence/", renewal.ce_evidence, name="ce_evidence"),
    path("credentials/preferences/", renewal.preferences, name="preferences"),
    path("credentials/calendar/", renewal.calendar_manage, name="calendar"),
    path("credentials/calendar/<str:token>.ics", renewal.calendar_feed, name="calendar_feed"),
    path("credentials/<uuid:public_id>/", mine.detail, name="detail"),
    path("credentials/<uuid:public_id>/evidence/", mine.evidence, name="evidence"),
    *[
        path(
            f"credentials/<uuid:public_id>/{action}/", mine.decide, {"action": action}, name=action
        )
        for action in mine.ACTIONS
    ],
]

from django.urls import path

from certificates.views import badges, board, documents, mine, renewal

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

# --- Certificates and transcripts on paper (certificates/views/documents.py) ---

urlpatterns += [
    path(
        "credentials/<uuid:public_id>/certificate.pdf",
        documents.certificate,
        name="certificate_pdf",
    ),
    path("credentials/transcript.pdf", documents.my_transcript, name="my_transcript_pdf"),
    path("credentials/people/<int:pk>/transcript.pdf", documents.transcript, name="transcript_pdf"),
    path("credentials/certificates/", documents.batches, name="certificate_batches"),
    path("credentials/certificates/<int:pk>/", documents.batch, name="certificate_batch"),
]

# --- Open Badges 3.0: the holder's download, the public check, the status lists
# (certificates/views/badges.py; the JWK set is at /.well-known/jwks.json in lms/urls.py) ---

urlpatterns += [
    path("credentials/<uuid:public_id>/badge.jwt", badges.download, name="badge_download"),
    path("credentials/badge-check/", badges.check, name="badge_check"),
    path("credentials/status/<slug:purpose>/", badges.status_list, name="badge_status"),
]

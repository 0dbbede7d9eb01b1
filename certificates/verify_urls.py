"""The public verification page, at `/verify/<public_id>/` (no sign-in).

Any string reaches the view, so a malformed id gets the page's own friendly "no credential with
this id" answer rather than the resolver's 404.
"""

from django.urls import path

from certificates.views import verify

app_name = "verify"

urlpatterns = [
    path("verify/<str:public_id>/", verify.verify, name="page"),
]

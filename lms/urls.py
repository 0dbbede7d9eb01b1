from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_rq.models import Dashboard
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from certificates.views import badges as badge_views
from lms import views

# The Django admin signs in through allauth like every other page (and so through its MFA).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Relay administration"
# django-rq's dashboard answers unknown queue numbers with a server error; operators use
# `manage.py rqstats` instead. django_rq stays installed for its `rqworker` command.
if admin.site.is_registered(Dashboard):
    admin.site.unregister(Dashboard)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path(".well-known/jwks.json", badge_views.jwks, name="jwks"),
    # The public verification page a certificate's QR code leads to (early: it is hot).
    path("", include("certificates.verify_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("lms.accounts.urls")),
    path("", include("courses.urls")),
    path("", include("courses.field.urls")),
    path("", include("scenarios.coaching_urls")),
    path("", include("scenarios.urls")),
    path("", include("certificates.urls")),
    path("", include("certificates.career_urls")),
    path("", include("lms.reports.urls")),
    path("", include("lms.audit.urls")),
    path("api/", include("lms.api.urls")),
    path("django-admin/", admin.site.urls),
    # Wagtail's own sign-in form would skip allauth's second factor: send it to allauth's.
    path("cms/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("cms/logout/", RedirectView.as_view(pattern_name="account_logout")),
    # Wagtail's deliberate-crash page exists to test error reporting; not in Relay.
    path("cms/failwhale/", views.not_found),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Wagtail serves curriculum pages (and "view live" links) here; each page type hands over
    # to the permission-checked learner views.
    # Wagtail's own front-end sign-in (for private pages) would skip the second factor too.
    path(
        "pages/_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("pages/", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "lms.views.bad_request"
handler403 = "lms.views.permission_denied"
handler404 = "lms.views.page_not_found"
handler500 = "lms.views.server_error"

"""Cross-cutting views: the role-aware home, health check and the friendly error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from lms.accounts.backends import granted_permissions
from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import HomeData, has_people_panels, home_for
from lms.home import home_page, home_panels


@login_required
def home(request):
    """One page per person, its panels chosen by their roles: their own training first.

    The person's training panels and record card come from `lms.home` (cached until what they
    show changes); the panels about other people are read on every request, and only for the
    roles that have them.
    """
    user = request.user
    # One masked token for the whole page (the context processor would mask another).
    csrf_token = get_token(request)
    granted = granted_permissions(user)  # what `perms` in the template would ask one by one

    def render_page(panels, token, home):
        context = {
            "panels": panels,
            "csrf_token": token,
            "home": home,
            "Role": Role,
            "can_invite": "accounts.invite_staff" in granted,
            "can_open_admin": "wagtailadmin.access_admin" in granted,
        }
        return loader.render_to_string("home.html", context, request)

    if has_people_panels(user=user):
        home = home_for(user=user)
        panels = home_panels(request, csrf_token=csrf_token, home=home)
        return HttpResponse(render_page(panels, csrf_token, home))
    # Nothing on the page reads the profile outside the cached record card.
    home = HomeData(profile=None, roles=roles_of(user))
    page = home_page(
        request,
        csrf_token=csrf_token,
        render_page=lambda panels, token: render_page(panels, token, home),
    )
    return HttpResponse(page)


@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503, headers={"Retry-After": "5"})
    return JsonResponse({"status": "ok"})


def bad_request(request, exception=None):
    """Django's answer to a SuspiciousOperation. A body over the size limits (the form fields'
    `DATA_UPLOAD_MAX_MEMORY_SIZE`, an upload's `RELAY_MAX_UPLOAD_BODY_SIZE`) is a 413, refused
    before the rest of it is read; too many fields or files, a bad Host and the like are a 400.
    Both pages are rendered without the request (its host or session may be what is wrong), and
    under `/api/` they are JSON in the API's error shape."""
    if isinstance(exception, RequestDataTooBig):
        status, template = 413, "413.html"
        limit = settings.RELAY_MAX_UPLOAD_BODY_SIZE // (1024 * 1024)
        message = f"The request is too large: uploads may be up to {limit} MB."
    else:
        status, template = 400, "400.html"
        message = "The request could not be read."
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            message = "The request has too many fields or files."
    if request.path.startswith("/api/"):
        from lms.api.errors import error_payload

        return JsonResponse(error_payload(message), status=status)
    return HttpResponse(loader.get_template(template).render({"message": message}), status=status)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a request: the context processors may need the database that failed.
    return HttpResponseServerError(loader.get_template("500.html").render())


def not_found(request, *args, **kwargs):
    """Stands in front of third-party URLs that Relay switches off."""
    raise Http404

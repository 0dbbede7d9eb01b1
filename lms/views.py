"""Cross-cutting views: the role-aware home, health check and the friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from courses.selectors import learner_home
from lms.accounts.roles import Role
from lms.accounts.selectors import home_for


@login_required
def home(request):
    """One page per person, its panels chosen by their roles: their own training first."""
    home = home_for(user=request.user)
    # The person's own organisation decides what "today" is (due and overdue).
    on = home.profile.organisation.today() if home.profile else None
    context = {
        "home": home,
        "training": learner_home(user=request.user, on=on),
        "Role": Role,
    }
    return render(request, "home.html", context)


@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503, headers={"Retry-After": "5"})
    return JsonResponse({"status": "ok"})


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

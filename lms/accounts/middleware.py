"""Second-factor enforcement for the roles that require it.

allauth asks for a TOTP code at sign-in once one is set up, but has no setting that forces a
person to set one up. Until they do, a person holding a role that requires MFA reaches only the
pages needed to set it up (and to sign out).
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .backends import HAS_TOTP, load_access
from .roles import requires_mfa

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")


def has_totp(user) -> bool:
    """Whether the user has set up TOTP; read with their roles and permissions."""
    if getattr(user, HAS_TOTP, None) is None:
        load_access(user)
    return getattr(user, HAS_TOTP)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and requires_mfa(user)
            and not has_totp(user)
        ):
            if request.path.startswith("/api/v1/"):  # the JSON API; its token pages redirect
                return JsonResponse(
                    {
                        "message": "Set up two-factor authentication before using this role.",
                        "field": None,
                        "errors": [],
                    },
                    status=403,
                )
            messages.warning(
                request,
                "Your role requires two-factor authentication. Set up an authenticator app "
                "to continue.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

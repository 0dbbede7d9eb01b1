"""Personal API token pages (signed in with the site's session and second factor): list, create
(the secret shown once, on the page that answers the form), revoke."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from certificates.expiry import valid_until

from . import permissions, services
from .forms import TokenForm
from .models import ApiToken

OTHERS_LIMIT = 200


def _zone(user) -> zoneinfo.ZoneInfo:
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        return profile.organisation.zone
    return zoneinfo.ZoneInfo(settings.RELAY_TIME_ZONE)


@login_required
def token_list(request):
    permissions.ensure_can_hold_tokens(user=request.user)
    now = timezone.now()
    mine = list(ApiToken.objects.filter(owner=request.user).select_related("organisation"))
    others = None
    if permissions.is_api_administrator(user=request.user):
        others = list(
            ApiToken.objects.usable(now=now)
            .exclude(owner=request.user)
            .select_related("owner", "organisation")[:OTHERS_LIMIT]
        )
    return render(
        request,
        "api/token_list.html",
        {
            "tokens": [(token, token.state(now=now)) for token in mine],
            "others": others,
            "others_limit": OTHERS_LIMIT,
            "can_read_docs": permissions.can_read_api_docs(user=request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_create(request):
    permissions.ensure_can_hold_tokens(user=request.user)
    zone = _zone(request.user)
    form = TokenForm(
        request.POST if request.method == "POST" else None,
        owner=request.user,
        today=timezone.localdate(timezone=zone),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_on = data.get("expires_on")
        try:
            token, secret = services.api_token_create(
                owner=request.user,
                name=data["name"],
                scopes=data["scopes"],
                organisation=data.get("organisation"),
                expires_at=valid_until(expires_on, zone) if expires_on else None,
                request=request,
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                field = "expires_on" if name == "expires_at" else name
                form.add_error(field if field in form.fields else None, problems)
        else:
            # The secret is in this answer only: it is not stored and cannot be shown again.
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "api/token_form.html", {"form": form}, status=status)


def _revocable(request, pk: int) -> ApiToken:
    token = ApiToken.objects.select_related("owner", "organisation").filter(pk=pk).first()
    if token is None or not permissions.can_revoke(actor=request.user, token=token):
        raise Http404("No such token.")
    return token


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    token = _revocable(request, pk)
    if request.method == "POST":
        services.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, f"Token “{token.name}” ({token.prefix}…) revoked.")
        return redirect("api_tokens:list")
    return render(
        request,
        "api/token_revoke.html",
        {"token": token, "state": token.state(), "mine": token.owner_id == request.user.pk},
    )

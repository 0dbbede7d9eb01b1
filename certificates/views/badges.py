"""Open Badges 3.0 on the web: the holder's download, the public key set, the status lists and
the public check of a pasted or uploaded badge.

- `download`: the holder's own credential in force, signed now with the current key, as a
  `.jwt` file. Anyone else gets 404 (as for other people's records); a credential not in force
  (pending, suspended, expired, renewed, ...) goes back to its page with the reason.
- `jwks` (`/.well-known/jwks.json`) and `status_list`: public and cacheable for a short time.
- `check` (`/credentials/badge-check/`): public, no sign-in. A form (paste or upload) and, with
  `Accept: application/json` or `?format=json`, a JSON API. Limited per client address (a fixed
  window counted in the cache: 30 checks a minute, then 429) and to 64 KB of request body (413).
  Input that is not a signed credential at all is a 400 with the reason; a credential that
  fails a later check is a 200 that says which check failed and why.
"""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from certificates.badges import credential as badge_credential
from certificates.badges import keys, status
from certificates.badges.verify import verify_token
from certificates.models import Credential
from lms.audit.services import client_ip

CHECK_RATE_LIMIT = 30
CHECK_RATE_WINDOW_SECONDS = 60
MAX_BODY_BYTES = 64 * 1024
JWT_CONTENT_TYPE = "application/vc+jwt"


@login_required
@require_GET
def download(request, public_id):
    credential = (
        Credential.objects.select_related("organisation", "credential_type", "holder")
        .filter(public_id=public_id, holder=request.user)
        .first()
    )
    if credential is None:
        raise Http404("No such credential.")
    if not badge_credential.badge_available(credential, on=credential.organisation.today()):
        messages.error(
            request,
            "An Open Badge is available only for a credential in force: earned in Relay or"
            " verified by HR, and neither expired, suspended, revoked nor renewed.",
        )
        return redirect("credentials:detail", public_id=credential.public_id)
    token = badge_credential.sign_credential(credential)
    response = HttpResponse(token, content_type=JWT_CONTENT_TYPE)
    filename = f"{credential.credential_type.slug}-{credential.public_id}.jwt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def jwks(request):
    response = JsonResponse(keys.jwks(), content_type="application/jwk-set+json")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _wants_json(request) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", ""
    )


@require_GET
def status_list(request, purpose: str):
    if purpose not in status.PURPOSES:
        raise Http404("No such status list.")
    if _wants_json(request):
        response = JsonResponse(status.list_credential(purpose))
    else:
        response = HttpResponse(status.list_jwt(purpose), content_type=JWT_CONTENT_TYPE)
    # A revocation shows within a minute.
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _retry_after(request) -> int | None:
    """Seconds until this address may check again, or None while within the limit."""
    moment = time.time()
    window = int(moment // CHECK_RATE_WINDOW_SECONDS)
    key = f"badge-check-rate:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=CHECK_RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts a new count
        cache.set(key, 1, timeout=CHECK_RATE_WINDOW_SECONDS * 2)
        count = 1
    if count <= CHECK_RATE_LIMIT:
        return None
    return max(1, int((window + 1) * CHECK_RATE_WINDOW_SECONDS - moment))


def _refuse(request, *, status_code: int, errors: list[str], retry_after: int | None = None):
    if _wants_json(request):
        response = JsonResponse({"valid": False, "errors": errors}, status=status_code)
    else:
        response = render(
            request,
            "certificates/badges/check.html",
            {"errors": errors, "retry_after": retry_after},
            status=status_code,
        )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _submitted(request) -> tuple[str | bytes | None, list[str]]:
    """The credential pasted (`credential`) or uploaded (`file`), or the reason there is none."""
    upload = request.FILES.get("file")
    pasted = (request.POST.get("credential") or "").strip()
    if upload and pasted:
        return None, ["Paste the credential or choose its file, not both."]
    if upload:
        if upload.size > MAX_BODY_BYTES:
            return None, ["The file is larger than any credential Relay issues (64 KB at most)."]
        return upload.read(), []
    if pasted:
        return pasted, []
    body = request.body if request.content_type in ("application/vc+jwt", "text/plain") else b""
    if body.strip():
        return body, []
    return None, ["Nothing to check: paste the credential or choose its file."]


# A public check that changes nothing and needs no session: other systems POST to it without a
# CSRF token, and a forged request could only check a credential on its sender's behalf.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def check(request):
    if request.method == "GET":
        if _wants_json(request):
            return JsonResponse(
                {"errors": ["POST the credential (a compact VC-JWT) to check it."]}, status=405
            )
        return render(request, "certificates/badges/check.html", {})
    retry_after = _retry_after(request)
    if retry_after is not None:
        return _refuse(
            request,
            status_code=429,
            errors=[f"Too many checks from this address. Try again in {retry_after} seconds."],
            retry_after=retry_after,
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _refuse(
            request,
            status_code=413,
            errors=["That is larger than any credential Relay issues (64 KB at most)."],
        )
    raw, errors = _submitted(request)
    if raw is None:
        return _refuse(request, status_code=400, errors=errors)
    result = verify_token(raw)
    status_code = 200 if result.readable else 400
    if _wants_json(request):
        response = JsonResponse(result.as_dict(), status=status_code)
    else:
        response = render(
            request,
            "certificates/badges/check.html",
            {"result": result, "summary": result.summary()},
            status=status_code,
        )
    response["Cache-Control"] = "no-store"
    return response

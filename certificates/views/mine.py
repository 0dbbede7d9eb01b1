"""A holder's credentials, recording an external one, one credential with its signed decisions
(and HR's decision forms), and its evidence."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from certificates import permissions, selectors
from certificates.forms import DecisionForm, ExtendForm, RecordForm, StatusOnForm
from certificates.models import Credential, CredentialState, DecisionKind, Verification
from certificates.services import external, lifecycle
from certificates.services.decisions import STATEMENTS
from lms import uploads
from lms.accounts.models import StaffProfile
from lms.storage import private_file_response


def _today(user):
    profile = StaffProfile.objects.select_related("organisation").filter(user=user).first()
    return profile.organisation.today() if profile else timezone.localdate()


def _credential(request, public_id) -> Credential:
    """The credential asked for, if the user may see it; otherwise 404 (the refusal logged),
    as for other people's records."""
    try:
        credential = selectors.credential_for_page(public_id)
    except Credential.DoesNotExist:
        raise Http404("No such credential.") from None
    try:
        permissions.ensure_can_view_credential(user=request.user, credential=credential)
    except PermissionDenied:
        raise Http404("No such credential.") from None
    return credential


@login_required
def mine(request):
    today = _today(request.user)
    form = StatusOnForm(request.GET or None)
    on = today
    if form.is_bound:
        if form.is_valid():
            on = form.cleaned_data["on"] or today
        else:
            messages.error(request, "Give the date as YYYY-MM-DD; statuses below are for today.")
    data = selectors.my_credentials(user=request.user, on=on, today=today)
    return render(
        request,
        "certificates/mine.html",
        {"data": data, "form": form if form.is_bound else StatusOnForm(initial={"on": on})},
    )


@login_required
def record(request):
    """A staff member records a credential earned elsewhere, with evidence, for HR to verify."""
    form = RecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Read at call time, so the limit is one setting (and tests can lower it).
            evidence = uploads.evidence_from_upload(
                form.cleaned_data["evidence"], max_bytes=uploads.MAX_EVIDENCE_BYTES
            )
        except ValidationError as error:
            form.add_error("evidence", error.messages)
        else:
            try:
                credential = external.external_record(
                    actor=request.user,
                    holder=request.user,
                    credential_type=form.cleaned_data["credential_type"],
                    issued_on=form.cleaned_data["issued_on"],
                    expires_on=form.cleaned_data["expires_on"],
                    certificate_number=form.cleaned_data["certificate_number"],
                    evidence=evidence,
                    request_key=form.cleaned_data["request_key"],
                    request=request,
                )
            except ValidationError as error:
                form.apply(error)
            else:
                messages.success(
                    request, f"{credential.title} recorded. It now awaits verification by HR."
                )
                return redirect("credentials:detail", public_id=credential.public_id)
    return render(
        request,
        "certificates/record.html",
        {"form": form, "statement": STATEMENTS[DecisionKind.RECORDED][1]},
        status=400 if request.method == "POST" else 200,
    )


# --- One credential and the decisions on it ---------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str
    label: str
    button: str
    may: Callable[..., bool]
    applies: Callable[[Credential], bool]
    reason_required: bool = True
    reason_label: str = "Reason"
    extend: bool = False


def _decided(credential: Credential) -> bool:
    return credential.verification not in (Verification.PENDING, Verification.REJECTED)


ACTIONS: dict[str, Action] = {
    "verify": Action(
        DecisionKind.VERIFIED,
        "Verify",
        "Verify",
        permissions.can_verify,
        lambda c: c.verification == Verification.PENDING,
        reason_required=False,
        reason_label="Note (optional)",
    ),
    "reject": Action(
        DecisionKind.REJECTED,
        "Reject",
        "Reject",
        permissions.can_verify,
        lambda c: c.verification == Verification.PENDING,
    ),
    "suspend": Action(
        DecisionKind.SUSPENDED,
        "Suspend",
        "Suspend",
        permissions.can_manage,
        lambda c: _decided(c) and c.state == CredentialState.ACTIVE,
    ),
    "reinstate": Action(
        DecisionKind.REINSTATED,
        "Reinstate",
        "Reinstate",
        permissions.can_manage,
        lambda c: _decided(c) and c.state == CredentialState.SUSPENDED,
    ),
    "revoke": Action(
        DecisionKind.REVOKED,
        "Revoke",
        "Revoke",
        permissions.can_manage,
        lambda c: _decided(c) and c.state != CredentialState.REVOKED,
    ),
    "extend": Action(
        DecisionKind.EXTENDED,
        "Extend the expiry",
        "Extend",
        permissions.can_manage,
        lambda c: _decided(c) and c.state != CredentialState.REVOKED and c.expires_on is not None,
        extend=True,
    ),
}


def _form(name: str, action: Action, data=None):
    if action.extend:
        return ExtendForm(data, prefix=name)
    return DecisionForm(
        data,
        prefix=name,
        reason_required=action.reason_required,
        reason_label=action.reason_label,
    )


def _render_detail(request, credential: Credential, *, bound=None, status=200):
    user = request.user
    forms = {}
    for name, action in ACTIONS.items():
        if action.applies(credential) and action.may(actor=user, credential=credential):
            forms[name] = bound[1] if bound and bound[0] == name else _form(name, action)
    on = credential.organisation.today()
    context = {
        "credential": credential,
        "detail": selectors.credential_detail(credential=credential, on=on),
        "on": on,
        "actions": [
            (name, ACTIONS[name], form, STATEMENTS[ACTIONS[name].kind][1])
            for name, form in forms.items()
        ],
        "is_holder": user.pk == credential.holder_id,
        "can_open_evidence": bool(credential.evidence)
        and permissions.can_view_evidence(user=user, credential=credential),
    }
    return render(request, "certificates/detail.html", context, status=status)


@login_required
def detail(request, public_id):
    return _render_detail(request, _credential(request, public_id))


@login_required
@require_POST
def decide(request, public_id, action: str):
    credential = _credential(request, public_id)
    spec = ACTIONS[action]
    ensure = (
        permissions.ensure_can_verify
        if spec.may is permissions.can_verify
        else permissions.ensure_can_manage
    )
    ensure(actor=request.user, credential=credential)
    form = _form(action, spec, request.POST)
    if form.is_valid():
        if not spec.applies(credential):
            form.add_error(None, f"“{spec.label}” does not apply to this credential now.")
        else:
            try:
                _apply(action, credential, request, form.cleaned_data)
            except ValidationError as error:
                form.apply(error)
            else:
                messages.success(request, f"{credential.title}: {_DONE[action]}")
                return redirect("credentials:detail", public_id=credential.public_id)
    return _render_detail(request, credential, bound=(action, form), status=400)


_DONE = {
    "verify": "verified.",
    "reject": "rejected. The holder sees your reason.",
    "suspend": "suspended.",
    "reinstate": "reinstated.",
    "revoke": "revoked.",
    "extend": "expiry extended.",
}


def _apply(action: str, credential: Credential, request, data: dict) -> None:
    common = {
        "actor": request.user,
        "credential": credential,
        "request_key": data["request_key"],
        "request": request,
    }
    if action in ("verify", "reject"):
        external.external_verify(**common, verified=action == "verify", reason=data["reason"])
    elif action == "extend":
        lifecycle.credential_extend(**common, expires_on=data["expires_on"], reason=data["reason"])
    else:
        service = {
            "suspend": lifecycle.credential_suspend,
            "reinstate": lifecycle.credential_reinstate,
            "revoke": lifecycle.credential_revoke,
        }[action]
        service(**common, reason=data["reason"])


@login_required
def evidence(request, public_id):
    """The private evidence file, to the holder and to HR and supervisors who see the holder;
    404 to everyone else (the refusal logged)."""
    credential = _credential(request, public_id)
    try:
        permissions.ensure_can_view_evidence(user=request.user, credential=credential)
    except PermissionDenied:
        raise Http404("No such file.") from None
    if not credential.evidence:
        raise Http404("This credential has no evidence file.")
    return private_file_response(
        credential.evidence,
        filename=credential.evidence_name,
        content_type=credential.evidence_type,
    )

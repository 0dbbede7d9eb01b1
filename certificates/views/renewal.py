"""Continuing education, reminder preferences and the private iCalendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from certificates import ical, permissions, selectors
from certificates.forms import CEForm, FeedForm, PreferenceForm
from certificates.models import CalendarFeed, ContinuingEducation, ReminderPreference
from certificates.services import calendar, ce
from lms import uploads
from lms.storage import private_file_response


@login_required
def ce_ledger(request):
    return render(
        request, "certificates/ce.html", {"ledger": selectors.ce_ledger(user=request.user)}
    )


@login_required
def ce_new(request):
    """An external CE event with its certificate of attendance."""
    form = CEForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence = uploads.evidence_from_upload(
                form.cleaned_data["evidence"], max_bytes=uploads.MAX_EVIDENCE_BYTES
            )
        except ValidationError as error:
            form.add_error("evidence", error.messages)
        else:
            try:
                entry = ce.ce_record_external(
                    holder=request.user,
                    title=form.cleaned_data["title"],
                    provider=form.cleaned_data["provider"],
                    hours=form.cleaned_data["hours"],
                    completed_on=form.cleaned_data["completed_on"],
                    evidence=evidence,
                    request_key=form.cleaned_data["request_key"],
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(
                    request, f"{entry.hours.normalize()} hours recorded: {entry.title}."
                )
                return redirect("credentials:ce")
    return render(
        request,
        "certificates/ce_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def preferences(request):
    """Email and in-app, or in-app only (reminders always appear in Relay)."""
    current = ReminderPreference.objects.filter(user=request.user).first()
    by_email = current.by_email if current else True
    form = PreferenceForm(
        request.POST or None, initial={"channel": "email" if by_email else "in_app"}
    )
    if request.method == "POST" and form.is_valid():
        preference = calendar.preference_set(
            user=request.user, by_email=form.cleaned_data["channel"] == "email"
        )
        messages.success(
            request,
            "Reminders will come in Relay and by email."
            if preference.by_email
            else "Reminders will come in Relay only.",
        )
        return redirect("credentials:preferences")
    return render(
        request,
        "certificates/preferences.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
def calendar_manage(request):
    """Create a feed (its address is shown once) or revoke it."""
    form = FeedForm(request.POST or None)
    feed_url = None
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, "Choose to create or to revoke the calendar feed.")
        elif form.cleaned_data["action"] == "create":
            _feed, token = calendar.feed_create(user=request.user)
            feed_url = request.build_absolute_uri(
                reverse("credentials:calendar_feed", args=[token])
            )
        else:
            calendar.feed_revoke(user=request.user)
            messages.success(request, "Calendar feed revoked: its address no longer works.")
            return redirect("credentials:calendar")
    context = {
        "feed_url": feed_url,
        "active": CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first(),
    }
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "certificates/calendar.html", context, status=status)


def calendar_feed(request, token: str):
    """The feed itself: no sign-in (calendar apps cannot), the token is the key; unknown or
    revoked tokens are 404."""
    feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    body = ical.calendar(
        name=f"Relay credentials: {feed.user.display_name}",
        credentials=selectors.current_for_calendar(user=feed.user),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="relay-credentials.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def ce_evidence(request, pk: int):
    """The certificate of attendance of an external CE entry: to the holder and to those who
    may see their credential evidence; 404 to everyone else (the refusal logged)."""
    entry = ContinuingEducation.objects.select_related("holder").filter(pk=pk).first()
    if entry is None or not entry.evidence:
        raise Http404("No such file.")
    try:
        permissions.ensure_can_view_evidence(user=request.user, credential=entry)
    except PermissionDenied:
        raise Http404("No such file.") from None
    return private_file_response(
        entry.evidence, filename=entry.evidence_name, content_type=entry.evidence_type
    )

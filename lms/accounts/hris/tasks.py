"""Background work for HR-system imports: the welcome emails of the people hired, and the
assignment rules of a large import's hires and moves."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ..models import User
from ..tasks import one_line
from .rules import rules_apply_queued


def set_password_url(user: User) -> str:
    """allauth's password-reset link for `user`: valid for PASSWORD_RESET_TIMEOUT (3 days by
    default) and until a password is set."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


@task()
def send_welcome_emails(*, user_ids: list[int]) -> int:
    """Email each imported person (still active, still without a password) a link to choose
    their password. The link is made here, when the email is sent, so no secret waits in the
    queue. Returns how many were sent."""
    users = (
        User.objects.filter(pk__in=user_ids, is_active=True)
        .select_related("staff_profile__organisation")
        .order_by("pk")
    )
    messages = []
    for user in users:
        if user.has_usable_password():
            continue
        context = {
            "user": user,
            "organisation": user.staff_profile.organisation,
            "set_password_url": set_password_url(user),
            "reset_url": settings.SITE_URL.rstrip("/") + reverse("account_reset_password"),
        }
        messages.append(
            EmailMessage(
                subject=one_line(f"[Relay] Your account at {user.staff_profile.organisation.name}"),
                body=render_to_string("accounts/hris/welcome_email.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


@task()
def apply_assignment_rules(*, changes: list[list]) -> int:
    """The curriculum's rules for people a large import hired or moved (see `rules`)."""
    return rules_apply_queued(changes)

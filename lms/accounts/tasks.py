"""Background work for accounts: outbound email only."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from .models import Invitation


def one_line(text: str) -> str:
    """`text` as one line for an email header: any run of white space (line breaks included,
    which would make Django refuse the header) becomes one space."""
    return " ".join(text.split())


@task()
def send_invitation_email(*, invitation_id: str, accept_url: str) -> str:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    context = {"invitation": invitation, "accept_url": accept_url}
    send_mail(
        subject=one_line(f"[Relay] You are invited to join {invitation.organisation.name}"),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return invitation.email

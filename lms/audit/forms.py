"""The audit search form (GET): every filter optional; an unknown action or an organisation
out of reach is a form error, not an empty result."""

from django import forms

from lms.forms import date_input, within_calendar

from .models import AuditAction

DATE_ERROR = "Give the date as YYYY-MM-DD, for example 2026-09-01."


class AuditSearchForm(forms.Form):
    action = forms.ChoiceField(
        required=False,
        choices=[("", "Any action"), *AuditAction.choices],
        error_messages={"invalid_choice": "There is no such action: choose one from the list."},
    )
    actor = forms.CharField(
        label="Actor's email contains", required=False, max_length=254, strip=True
    )
    target = forms.CharField(
        label="Target contains",
        required=False,
        max_length=200,
        strip=True,
        help_text='For example "user:12" or "credential:".',
    )
    organisation = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": "There is no such organisation among those you can see: "
            "choose one from the list."
        },
    )
    since = forms.DateField(
        label="From", required=False, widget=date_input(), error_messages={"invalid": DATE_ERROR}
    )
    until = forms.DateField(
        label="To (inclusive)",
        required=False,
        widget=date_input(),
        error_messages={"invalid": DATE_ERROR},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "All organisations"), *organisations]

    def clean(self):
        cleaned = super().clean()
        for name in ("since", "until"):
            try:
                within_calendar(cleaned.get(name))
            except forms.ValidationError as error:
                self.add_error(name, error)
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

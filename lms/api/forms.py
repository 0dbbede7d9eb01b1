"""The form that creates a personal API token."""

import datetime

from django import forms

from lms.accounts.models import Organisation

from . import permissions
from .models import ApiScope


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses the token, e.g. “HRIS nightly sync”."
    )
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what the integration needs. A token never does more than you may.",
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Every organisation whose staff I see",
        help_text="Limit the token to one organisation's records.",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Valid through the end of this day. Leave empty for no expiry.",
    )

    def __init__(self, *args, owner, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        labels = dict(ApiScope.choices)
        self.fields["scopes"].choices = [
            (str(scope), f"{labels[scope]} ({scope})")
            for scope in permissions.grantable_scopes(user=owner)
        ]
        self.fields["organisation"].queryset = permissions.token_organisation_choices(user=owner)

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < self.today:
            raise forms.ValidationError("Choose today or a later day.")
        if day is not None and day.year > 2999:
            raise forms.ValidationError("Choose a day before the year 3000.")
        return day

"""Forms of the credential pages. Decision forms carry a hidden `request_key` (see
`courses.field.forms.KeyedForm`), so a double tap reaches the service with the same key."""

from django import forms

from certificates.models import CredentialKind, CredentialType, JobRole
from courses.field.forms import KeyedForm
from lms.accounts.models import Organisation
from lms.forms import date_input, within_calendar

EVIDENCE_HELP = "A PDF, PNG or JPEG scan or photo of the certificate, up to 10 MB."


class StatusOnForm(forms.Form):
    """`?on=YYYY-MM-DD`: every status as it will be (or was) on that day."""

    on = forms.DateField(label="Status on", widget=date_input(), required=False)

    def clean_on(self):
        return within_calendar(self.cleaned_data["on"])


class RecordForm(KeyedForm):
    credential_type = forms.ModelChoiceField(
        label="Credential",
        queryset=CredentialType.objects.filter(kind=CredentialKind.EXTERNAL, active=True),
        empty_label="Choose the credential",
    )
    issued_on = forms.DateField(label="Issued on", widget=date_input())
    expires_on = forms.DateField(
        label="Expires on",
        widget=date_input(),
        required=False,
        help_text="As printed on the certificate. Leave empty only if it never expires.",
    )
    certificate_number = forms.CharField(label="Certificate number", max_length=80, required=False)
    evidence = forms.FileField(
        label="Certificate file",
        help_text=EVIDENCE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
        error_messages={"required": "Attach the certificate as a PDF, PNG or JPEG."},
    )

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date cannot be before the issue date.")
        return cleaned


class DecisionForm(KeyedForm):
    """Verify (note optional), reject, suspend, reinstate or revoke (reason required)."""

    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, reason_required: bool = True, reason_label: str = "Reason", **kw):
        super().__init__(*args, **kw)
        self.fields["reason"].required = reason_required
        self.fields["reason"].label = reason_label


class ExtendForm(KeyedForm):
    expires_on = forms.DateField(label="New expiry date", widget=date_input())
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ComplianceFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="All organisations"
    )
    job_role = forms.ModelChoiceField(
        label="Job role", queryset=JobRole.objects.none(), required=False, empty_label="All roles"
    )

    def __init__(self, *args, organisations, job_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["job_role"].queryset = job_roles


class CEForm(KeyedForm):
    title = forms.CharField(label="Course or event", max_length=255)
    provider = forms.CharField(max_length=200, required=False)
    hours = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0.25,
        max_value=200,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    completed_on = forms.DateField(label="Date completed", widget=date_input())
    evidence = forms.FileField(
        label="Certificate of attendance",
        help_text=EVIDENCE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
        error_messages={"required": "Attach the certificate as a PDF, PNG or JPEG."},
    )


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label="Send my credential reminders",
        choices=[("email", "In Relay and by email"), ("in_app", "In Relay only")],
        widget=forms.RadioSelect,
    )


class FeedForm(forms.Form):
    action = forms.ChoiceField(choices=[("create", "Create"), ("revoke", "Revoke")])

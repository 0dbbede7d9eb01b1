from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator

from certificates.models import JobRole

from .models import FundingSource, StaffStatus, User
from .permissions import inviteable_organisations
from .roles import Role

# A name is one line of text: no tab, line break or other control character (as the HR import
# refuses them), so it can never break an email header or a CSV row.
_NAME_VALIDATORS = [
    RegexValidator(
        r"[\x00-\x1f\x7f]",
        inverse_match=True,
        message="A name cannot contain a tab, a line break or another control character.",
    )
]


class InvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150, validators=_NAME_VALIDATORS)
    last_name = forms.CharField(max_length=150, validators=_NAME_VALIDATORS)
    email = forms.EmailField(help_text="The invitation link is sent here.")
    organisation = forms.ModelChoiceField(queryset=None)
    employee_id = forms.CharField(max_length=40, label="Employee id")
    job_role = forms.ModelChoiceField(queryset=JobRole.objects.all(), required=False)
    hire_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.LEARNER)
    supervisor = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = inviteable_organisations(user=inviter)
        self.fields["organisation"].queryset = organisations
        self.fields["supervisor"].queryset = User.objects.filter(
            staff_profile__organisation__in=organisations,
            groups__permissions__codename="view_organisation_staff",
            is_active=True,
        ).distinct()
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Repeat the password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class StaffFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All organisations"
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *StaffStatus.choices], required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.LEARNER],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Everyone keeps the learner role.",
    )


class JobRoleForm(forms.Form):
    job_role = forms.ModelChoiceField(queryset=JobRole.objects.all(), label="New job role")
    effective_on = forms.DateField(
        label="Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    funding_source = forms.ChoiceField(
        label="Funding source of the position",
        choices=[("", "The organisation's"), *FundingSource.choices],
        required=False,
        help_text="For grant reports; leave as the organisation's unless this position is "
        "paid otherwise.",
    )


class StaffImportForm(forms.Form):
    """A CSV file from the HR system, for one organisation (see `lms.accounts.hris`)."""

    organisation = forms.ModelChoiceField(
        queryset=None, help_text="The organisation the people in the file work for."
    )
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header line; at most 5 MB and 20,000 people.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()

    def clean_file(self) -> bytes:
        """The file's bytes, if it is not too large (its content is checked by the import)."""
        from .hris import MAX_BYTES

        upload = self.cleaned_data["file"]
        too_large = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it."
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(too_large)
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(too_large)
        return data

from django import forms
from django.contrib.auth import password_validation

from certificates.models import JobRole

from .models import StaffStatus, User
from .permissions import inviteable_organisations
from .roles import Role


class InvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
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

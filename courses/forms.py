from django import forms

from lms.accounts.models import Organisation

from .models import TrainingProgramPage


class AssignForm(forms.Form):
    program = forms.ModelChoiceField(queryset=TrainingProgramPage.objects.live().order_by("title"))
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class GridFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), required=False, empty_label="All organisations"
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

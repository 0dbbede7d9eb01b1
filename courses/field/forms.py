"""Forms of field training. Each carries a hidden `request_key` made when the form is first
shown, so a double tap or a resubmission reaches the service with the same key."""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError

from courses.field.engine import RatingInput, TaskBookSpec
from courses.models import CallType, ObservationContext, RideAlong, TaskBookPage
from lms.accounts.models import User
from lms.forms import date_input

NOT_OBSERVED = "NO"


class KeyedForm(forms.Form):
    request_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())

    def apply(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the form: on the field it names, else on top."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RideAlongForm(KeyedForm):
    shift_date = forms.DateField(label="Date", widget=date_input())
    start = forms.TimeField(label="Start", widget=_time_input())
    end = forms.TimeField(
        label="End", widget=_time_input(), help_text="An end before the start means overnight."
    )
    unit = forms.CharField(label="Unit or call sign", max_length=60)
    call_types = forms.ModelMultipleChoiceField(
        label="Call types handled",
        queryset=CallType.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, zone, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("shift_date"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            started_at = datetime.datetime.combine(day, start, tzinfo=self.zone)
            ended_at = datetime.datetime.combine(day, end, tzinfo=self.zone)
            if ended_at <= started_at:
                ended_at += datetime.timedelta(days=1)
            cleaned["started_at"], cleaned["ended_at"] = started_at, ended_at
        return cleaned


class CategoryFields:
    """The bound fields of one evaluation category, for the template."""

    def __init__(self, form, category):
        self.category = category
        self.rating = form[f"rating-{category.id}"]
        self.not_responding = form[f"nrt-{category.id}"]
        self.remedial = form[f"remedial-{category.id}"]
        self.narrative = form[f"narrative-{category.id}"]

    @property
    def errors(self):
        return self.rating.errors


class ReportForm(KeyedForm):
    """A Daily Observation Report: the shift, a rating (or not observed) for every category,
    the day's most and least satisfactory performance."""

    ride_along = forms.ModelChoiceField(label="Shift", queryset=RideAlong.objects.none())
    most_satisfactory = forms.CharField(
        label="Most satisfactory performance",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    least_satisfactory = forms.CharField(
        label="Least satisfactory performance",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comments = forms.CharField(
        label="Additional comments",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, spec: TaskBookSpec, shifts, zone, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["ride_along"].queryset = shifts
        self.fields["ride_along"].label_from_instance = lambda ride: (
            f"{ride.shift_date:%a %-d %b}, {ride.started_at.astimezone(zone):%H:%M}"
            f" to {ride.ended_at.astimezone(zone):%H:%M} ({ride.unit})"
        )
        scale = spec.scale
        choices = [(str(v), str(v)) for v in scale.values] + [(NOT_OBSERVED, "N.O.")]
        for category in spec.categories:
            self.fields[f"rating-{category.id}"] = forms.ChoiceField(
                label=category.name,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Give a rating or mark it not observed."},
            )
            self.fields[f"nrt-{category.id}"] = forms.BooleanField(
                label="Not responding to training", required=False
            )
            self.fields[f"remedial-{category.id}"] = forms.IntegerField(
                label="Remedial training (minutes)", required=False, min_value=0, max_value=600
            )
            self.fields[f"narrative-{category.id}"] = forms.CharField(
                label="Narrative",
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if correcting:
            self.fields["correction_reason"] = forms.CharField(
                label="Why this report is corrected",
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def categories(self) -> list[CategoryFields]:
        return [CategoryFields(self, category) for category in self.spec.categories]

    def header_fields(self):
        return [self["ride_along"]]

    def narrative_fields(self):
        names = ["most_satisfactory", "least_satisfactory", "comments"]
        if "correction_reason" in self.fields:
            names.append("correction_reason")
        return [self[name] for name in names]

    def ratings(self) -> list[RatingInput]:
        ratings = []
        for category in self.spec.categories:
            value = self.cleaned_data.get(f"rating-{category.id}")
            ratings.append(
                RatingInput(
                    category_id=category.id,
                    rating=None if value in (None, "", NOT_OBSERVED) else int(value),
                    not_observed=value == NOT_OBSERVED,
                    not_responding=bool(self.cleaned_data.get(f"nrt-{category.id}")),
                    remedial_minutes=self.cleaned_data.get(f"remedial-{category.id}") or 0,
                    narrative=self.cleaned_data.get(f"narrative-{category.id}") or "",
                )
            )
        return ratings

    def apply(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                if name.startswith("rating-") and name in self.fields:
                    self.add_error(name, messages)
                else:
                    self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


def report_initial(report) -> dict:
    """A correction starts from the report it corrects."""
    initial = {
        "ride_along": report.ride_along_id,
        "most_satisfactory": report.most_satisfactory,
        "least_satisfactory": report.least_satisfactory,
        "comments": report.comments,
    }
    for rating in report.ratings.all():
        key = rating.category_id
        initial[f"rating-{key}"] = NOT_OBSERVED if rating.not_observed else str(rating.rating)
        initial[f"nrt-{key}"] = rating.not_responding
        initial[f"remedial-{key}"] = rating.remedial_minutes or None
        initial[f"narrative-{key}"] = rating.narrative
    return initial


class TaskObservationForm(KeyedForm):
    observed_on = forms.DateField(label="Date performed", widget=date_input())
    satisfactory = forms.TypedChoiceField(
        label="Performance",
        choices=[("yes", "Satisfactory: to the standard"), ("no", "Not yet to the standard")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    context = forms.ChoiceField(
        label="Where", choices=ObservationContext.choices, initial=ObservationContext.RIDE_ALONG
    )
    ride_along = forms.ModelChoiceField(
        label="Shift", queryset=RideAlong.objects.none(), required=False, empty_label="No shift"
    )
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, shifts, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ride_along"].queryset = shifts
        self.fields["ride_along"].label_from_instance = lambda ride: (
            f"{ride.shift_date:%a %-d %b} ({ride.unit})"
        )
        if correcting:
            self.fields["correction_reason"] = forms.CharField(
                label="Why this sign-off is corrected",
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


class CommentForm(KeyedForm):
    comment = forms.CharField(
        label="Comment", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionForm(KeyedForm):
    days = forms.IntegerField(label="Extend by (days)", min_value=1, max_value=90, initial=10)
    reason = forms.CharField(
        label="Reason and remedial plan", max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReleaseForm(KeyedForm):
    comment = forms.CharField(
        label="Comment", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attest = forms.BooleanField(
        label="I have reviewed the complete record and release this trainee to solo duty."
    )


class StartForm(KeyedForm):
    task_book = forms.ModelChoiceField(queryset=TaskBookPage.objects.none())
    primary_fto = forms.ModelChoiceField(label="Primary FTO", queryset=User.objects.none())
    secondary_fto = forms.ModelChoiceField(
        label="Secondary FTO", queryset=User.objects.none(), required=False
    )
    started_on = forms.DateField(label="Starts on", widget=date_input())

    def __init__(self, *args, task_books, ftos, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_book"].queryset = task_books
        for name in ("primary_fto", "secondary_fto"):
            self.fields[name].queryset = ftos
            self.fields[name].label_from_instance = lambda user: user.display_name

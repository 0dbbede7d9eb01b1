"""Forms of the coaching pages: labelled, phone-first; the services validate again."""

from django import forms

from .models import CoachingVerdict, RoleplayOutcome, RoleplayRubric

CRITERION_PREFIX = "criterion_"


class CoachingReviewForm(forms.Form):
    feedback = forms.CharField(
        label="Feedback for the learner",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Simple formatting (paragraphs, bold, lists, links) is kept; anything else is "
        "removed.",
    )
    verdict = forms.ChoiceField(
        label="Verdict",
        choices=CoachingVerdict.choices,
        widget=forms.RadioSelect,
        help_text="“Needs practice” gives the learner another attempt.",
    )


class RoleplayForm(forms.Form):
    """One radio group per rubric criterion (levels 1 to 4, each with its description)."""

    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=RoleplayOutcome.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, rubric: RoleplayRubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(rubric.criteria.select_related("competency"))
        rating_fields = {}
        for criterion in self.criteria:
            rating_fields[f"{CRITERION_PREFIX}{criterion.pk}"] = forms.TypedChoiceField(
                label=str(criterion.competency),
                coerce=int,
                choices=[
                    (level, f"{level} {label}: {text}")
                    for level, label, text in criterion.level_descriptions()
                ],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Rate {criterion.competency} (1 to 4).",
                    "invalid_choice": f"Rate {criterion.competency} on the scale of 1 to 4.",
                },
            )
        # Ratings first, then notes and outcome.
        self.fields = {**rating_fields, **self.fields}

    def ratings(self) -> dict[str, int]:
        return {
            name.removeprefix(CRITERION_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(CRITERION_PREFIX)
        }

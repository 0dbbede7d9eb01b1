"""HR's job-role form in the Wagtail admin: the role, its credential requirements and its
pathways (the `panels` of `JobRole`), checked as a whole before anything is saved.

Per row, the models check themselves (`RoleCredential.clean` refuses a retired credential type,
`Pathway.clean` a pathway to the role itself). What only the whole form can see is checked here:
the same credential type twice on the role, and the career map that the role's pathways make
with the stored pathways of every other role (`certificates.pathways.pathway_problems`). Each
problem is reported at the top of the form and on the rows it is about; the form is then
invalid, so the role, its requirements and its pathways are left as they were.
"""

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from .models import JobRole, Pathway
from .pathways import Edge, pathway_problems

REQUIREMENTS = "credential_requirements"
PATHWAYS = "pathways_out"
# Stands for the role in the map while it has no primary key (a role being added).
NEW_ROLE = "new-role"


def _deleted(formset: forms.BaseFormSet, form: forms.Form) -> bool:
    if not hasattr(form, "cleaned_data"):
        form.full_clean()  # the row validates itself once; its errors are kept
    return formset.can_delete and bool(form.cleaned_data.get(forms.formsets.DELETION_FIELD_NAME))


def _submitted(form: forms.Form, name: str) -> Any:
    """What the row asks for in field `name`, read from the submitted data (the row's own
    validation may already have dropped it from `cleaned_data`), or None."""
    try:
        return form.fields[name].clean(form[name].data)
    except ValidationError:
        return None


def _rows(formset: forms.BaseFormSet, *names: str) -> list[tuple[forms.Form, tuple]]:
    """The rows to be saved (not marked for deletion) with their submitted `names`; rows
    missing any of them are left to their own errors (or are added rows left blank)."""
    rows = []
    for form in formset.forms:
        if _deleted(formset, form):
            continue
        values = tuple(_submitted(form, name) for name in names)
        if all(value not in (None, "") for value in values):
            rows.append((form, values))
    return rows


def _mark(form: forms.Form, message: str) -> None:
    """Show `message` on the row too, unless the row says something already."""
    if not form.errors:
        form.add_error(None, message)


class JobRoleForm(WagtailAdminModelForm):
    def clean(self):
        cleaned_data = super().clean()
        if REQUIREMENTS in self.formsets:
            self._check_requirements(self.formsets[REQUIREMENTS])
        if PATHWAYS in self.formsets:
            self._check_pathways(self.formsets[PATHWAYS])
        return cleaned_data

    # --- credential requirements -------------------------------------------------------------

    def _check_requirements(self, formset: forms.BaseFormSet) -> None:
        by_type: dict[int, list[forms.Form]] = defaultdict(list)
        for form, (credential_type,) in _rows(formset, "credential_type"):
            by_type[credential_type.pk].append(form)
            if not credential_type.active:
                # `RoleCredential.clean` has said so on the row already.
                self.add_error(None, f"“{credential_type}” is retired; choose an active type.")
        for rows in by_type.values():
            if len(rows) < 2:
                continue
            credential_type = _submitted(rows[0], "credential_type")
            message = (
                f"“{credential_type}” is listed more than once; keep one row, required or "
                "preferred."
            )
            self.add_error(None, message)
            for form in rows[1:]:
                _mark(form, message)

    # --- pathways ----------------------------------------------------------------------------

    def _check_pathways(self, formset: forms.BaseFormSet) -> None:
        role_id: Hashable = self.instance.pk or NEW_ROLE
        role_name = self.cleaned_data.get("name") or self.instance.name or "This role"
        names: dict[Hashable, str] = dict(JobRole.objects.values_list("pk", "name"))
        names[role_id] = role_name
        rows: dict[tuple[Hashable, Hashable], list[forms.Form]] = defaultdict(list)
        edges = []
        for form, (to_role, kind) in _rows(formset, "to_role", "kind"):
            edge = Edge(role_id, to_role.pk, kind, role_name, names.get(to_role.pk, ""))
            edges.append(edge)
            rows[edge.pair].append(form)
        stored = Pathway.objects.values_list("from_role_id", "to_role_id", "kind")
        if self.instance.pk:
            stored = stored.exclude(from_role_id=self.instance.pk)
        edges.extend(
            Edge(from_id, to_id, kind, names.get(from_id, ""), names.get(to_id, ""))
            for from_id, to_id, kind in stored
        )
        for problem in pathway_problems(edges, changed_from=role_id):
            self.add_error(None, problem.message)
            for pair in problem.edges:
                for form in rows.get(pair, ()):
                    _mark(form, problem.message)

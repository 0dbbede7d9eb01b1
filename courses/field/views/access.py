"""The lookups every field training view starts with: the training or report asked for, if the
user may see it, and whether they may sign for the trainee. The rules themselves live in
`courses.permissions`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses import permissions
from courses.models import FieldTraining, ObservationReport


def _training(request, pk: int) -> FieldTraining:
    training = get_object_or_404(
        FieldTraining.objects.select_related(
            "trainee", "organisation", "primary_fto", "secondary_fto", "task_book"
        ),
        pk=pk,
    )
    try:
        permissions.ensure_can_view_field_training(user=request.user, training=training)
    except PermissionDenied:
        # Logged as a denial; answered as if it did not exist, as for other people's records.
        raise Http404("No such field training.") from None
    return training


def _signer(request, training: FieldTraining) -> None:
    permissions.ensure_can_sign_for_trainee(officer=request.user, training=training)


def _report(request, pk: int) -> ObservationReport:
    report = get_object_or_404(ObservationReport.objects.select_related("training"), pk=pk)
    _training(request, report.training_id)
    return report

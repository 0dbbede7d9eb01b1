"""The curriculum's domain signals, handed straight to credential services (STYLE.md §1)."""

from django.dispatch import receiver

from courses.signals import module_completed, program_completed

from .services.ce import ce_from_module
from .services.earning import credentials_check_earned


@receiver(module_completed, dispatch_uid="certificates.on_module_completed")
def on_module_completed(sender, *, progress, **kwargs):
    """CE hours into the ledger; then credentials a module's scenario or task book earns."""
    ce_from_module(progress=progress)
    module = progress.module
    pages = {module.pk, *module.get_children().values_list("pk", flat=True)}
    credentials_check_earned(user=progress.user, page_ids=pages, now=progress.completed_at)


@receiver(program_completed, dispatch_uid="certificates.on_program_completed")
def on_program_completed(sender, *, assignment, **kwargs):
    """Credentials earned or renewed by completing a program."""
    credentials_check_earned(
        user=assignment.user, page_ids={assignment.program_id}, now=assignment.completed_at
    )

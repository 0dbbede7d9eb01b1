"""Upstream domain signals handed straight to curriculum services (STYLE.md §1)."""

from django.dispatch import receiver

from lms.accounts.signals import staff_hired, staff_moved

from .services.assignment import assignment_apply_rules


@receiver(staff_hired, dispatch_uid="courses.assign_on_hire")
@receiver(staff_moved, dispatch_uid="courses.assign_on_move")
def assign_programs_for_role(sender, *, profile, on, **kwargs):
    assignment_apply_rules(profile=profile, on=on)

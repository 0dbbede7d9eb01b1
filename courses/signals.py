"""Domain signals the curriculum sends downstream (credentials listen from issue 6 on)."""

from django.dispatch import Signal

# Sent with `assignment` when every required module of an assigned program is complete.
program_completed = Signal()
# Sent with `progress` when a module completes, whatever completed it.
module_completed = Signal()

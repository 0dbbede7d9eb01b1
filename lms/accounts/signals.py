"""Domain signals that downstream apps (the curriculum) listen to. Sent only by services."""

from django.dispatch import Signal

# Sent with `profile` (a StaffProfile) and `on` (the date it takes effect).
staff_hired = Signal()
staff_moved = Signal()

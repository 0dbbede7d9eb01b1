"""Read models of field training pages (STYLE.md §2): `homes` for the FTO's home, the
supervisor's queue and a trainee's own list; `record` for one trainee's record and trends."""

from courses.field.selectors.homes import (
    FLAG_WINDOW_DAYS,
    FtoHome,
    TraineeCard,
    fto_home,
    my_field_trainings,
    people_without_field_training,
    supervisor_queue,
    trainee_cards,
)
from courses.field.selectors.record import (
    FieldRecord,
    PhaseRecord,
    TaskRow,
    TrendRow,
    Trends,
    field_record,
    trends,
)

__all__ = [
    "FLAG_WINDOW_DAYS",
    "FieldRecord",
    "FtoHome",
    "PhaseRecord",
    "TaskRow",
    "TraineeCard",
    "TrendRow",
    "Trends",
    "field_record",
    "fto_home",
    "my_field_trainings",
    "people_without_field_training",
    "supervisor_queue",
    "trainee_cards",
    "trends",
]

"""Input types every API operation shares: text that the database can store (no NUL, no lone
surrogate, bounded length), slugs, and dates in a sane range (date arithmetic near the ends of
the calendar would overflow). Usable in ninja query, path and body parameters alike."""

import datetime
import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2999, 12, 31)
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """Refuse what PostgreSQL cannot store in a text column (NUL, lone surrogates)."""
    if _UNSTORABLE.search(value):
        raise ValueError("Text may not contain NUL characters or unpaired surrogates.")
    return value


def sane_date(value: datetime.date) -> datetime.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"Use a date between {MIN_DATE} and {MAX_DATE}.")
    return value


def text(max_length: int) -> type[str]:
    """A string of at most `max_length` characters that the database can store."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(storable_text),
    ]


Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]
EmployeeId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(storable_text),
]
ApiDate = Annotated[datetime.date, AfterValidator(sane_date)]

"""Importing staff from the city's HR system (HRIS): a CSV upload or the API's staff write.

- `csvfile`: reading a UTF-8 CSV file into rows with their line numbers.
- `snapshot`: what Relay holds for the organisation, read in a handful of queries.
- `rows`: the columns, and the pure check of every row against the snapshot.
- `importer`: the service (`staff_rows_import`, `staff_csv_import`), all or nothing.
- `writes`: its bulk writes; `tasks`: the welcome emails of the people hired.
"""

from .csvfile import MAX_BYTES, MAX_ROWS
from .importer import ImportSummary, staff_csv_import, staff_rows_import
from .rows import COLUMN_HELP, COLUMNS, REQUIRED_COLUMNS, ImportRejected, RowError

__all__ = [
    "COLUMNS",
    "COLUMN_HELP",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportRejected",
    "ImportSummary",
    "RowError",
    "staff_csv_import",
    "staff_rows_import",
]

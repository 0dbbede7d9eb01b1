"""More rows of the authorization matrix, one module per area.

Each module here defines `ROWS: dict[str, Row]` (keyed like `MATRIX`) and may define
`paths(city) -> dict[str, str]`: real paths for its parameterised URL names. The matrix test
merges every module it finds, so an area adds its URLs' rows without editing the matrix file.
"""

import importlib
import pkgutil


def modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        yield importlib.import_module(f"{__name__}.{info.name}")

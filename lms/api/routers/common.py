"""What every operation module shares: the documented error responses."""

from ..schemas import Error

READ_ERRORS = {400: Error, 401: Error, 403: Error}
DETAIL_ERRORS = {**READ_ERRORS, 404: Error}
WRITE_ERRORS = {**DETAIL_ERRORS, 413: Error}

"""The audit log's search page: HR and administrators only."""

from tests.test_authorization_matrix import FORBIDDEN, LOGIN, OK, Row, roles

ROWS = {"audit:search": Row(roles(FORBIDDEN, anonymous=LOGIN, hr=OK, admin=OK))}

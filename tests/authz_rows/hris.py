"""The HR-system import page and its sample file: people who import staff (HR, administrators)."""

from tests.test_authorization_matrix import BAD_REQUEST, FORBIDDEN, LOGIN, OK, Row, roles

ROWS: dict[str, Row] = {
    # An empty POST is allowed but refused (no organisation, no file).
    "accounts:hris_import": Row(
        roles(FORBIDDEN, anonymous=LOGIN, hr=OK, admin=OK),
        post=roles(FORBIDDEN, anonymous=LOGIN, hr=BAD_REQUEST, admin=BAD_REQUEST),
    ),
    "accounts:hris_sample": Row(roles(FORBIDDEN, anonymous=LOGIN, hr=OK, admin=OK)),
}

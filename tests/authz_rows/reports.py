"""Program reports: supervisors (their organisation), HR and administrators; and the other
organisation's supervisor for their own. Learners, FTOs and authors are refused."""

from tests.test_authorization_matrix import FORBIDDEN, LOGIN, OK, Row, roles

REPORT_ACCESS = roles(OK, anonymous=LOGIN, learner=FORBIDDEN, fto=FORBIDDEN, author=FORBIDDEN)

ROWS: dict[str, Row] = {
    name: Row(REPORT_ACCESS)
    for name in (
        "reports:index",
        "reports:training_hours",
        "reports:funding",
        "reports:fto_workload",
        "reports:field_release",
        "reports:compliance",
    )
}

"""A person's data export. The object is the department's learner: HR and administrators may
export (the GET explains, the POST downloads the zip); the learner is sent to their own page;
supervisors and FTOs, who see the learner, are refused; people who do not see them get 404.
`/account/my-data/` is everyone's own export."""

from django.urls import reverse

from tests.test_authorization_matrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Row, roles

PERSON_EXPORT = roles(
    FORBIDDEN,
    anonymous=LOGIN,
    learner=REDIRECT,
    hr=OK,
    admin=OK,
    author=NOT_FOUND,
    other_org=NOT_FOUND,
)

ROWS: dict[str, Row] = {
    "accounts:person_export": Row(PERSON_EXPORT, post=PERSON_EXPORT),
    "accounts:my_data": Row(roles(OK, anonymous=LOGIN), post=roles(OK, anonymous=LOGIN)),
}


def paths(city) -> dict[str, str]:
    return {"accounts:person_export": reverse("accounts:person_export", args=[city.learner.pk])}

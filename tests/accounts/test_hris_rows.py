"""The HR-system import's pure parts: reading a CSV and checking rows against a snapshot.
No database."""

import codecs
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.accounts.hris.csvfile import MAX_BYTES, MAX_ROWS, read_csv
from lms.accounts.hris.rows import COLUMNS, Change, ImportRejected, RowError, plan_rows
from lms.accounts.hris.snapshot import Person, Snapshot

TODAY = datetime.date(2026, 3, 2)
RESPONDER, MEDIC = 1, 2


def person(employee_id: str, **changes) -> Person:
    number = int("".join(c for c in employee_id if c.isdigit()) or 0)
    values = {
        "profile_id": 100 + number,
        "user_id": 200 + number,
        "employee_id": employee_id,
        "email": f"{employee_id.lower()}@relay.test",
        "first_name": "Ada",
        "last_name": "Stone",
        "job_role_id": RESPONDER,
        "job_role_since": None,
        "hire_date": datetime.date(2025, 1, 6),
        "status": "active",
        "separated_on": None,
        "supervisor_user_id": None,
        "funding_source": "",
    }
    return Person(**{**values, **changes})


def snapshot(*people: Person, in_use=None, actor_user_id=None, manages_roles=False) -> Snapshot:
    return Snapshot(
        people={p.employee_id: p for p in people},
        job_roles={"community responder": RESPONDER, "responder medic": MEDIC},
        emails_in_use=in_use or {p.email: p.user_id for p in people},
        today=TODAY,
        actor_user_id=actor_user_id,
        actor_manages_roles=manages_roles,
    )


def hire(employee_id="N1", **values) -> dict:
    return {
        "employee_id": employee_id,
        "email": f"{employee_id.lower()}@new.test",
        "first_name": "Nia",
        "last_name": "New",
        "job_role": "Community responder",
        "hire_date": "2026-03-09",
        **values,
    }


def plan(rows, snap=None):
    return plan_rows(rows, lines=[i + 2 for i in range(len(rows))], snapshot=snap or snapshot())


def errors(rows, snap=None) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as caught:
        plan(rows, snap)
    return [(e.line, e.field, e.message) for e in caught.value.errors]


def fields(rows, snap=None) -> list[tuple[int, str]]:
    return [(line, field) for line, field, _ in errors(rows, snap)]


# --- What each row is -------------------------------------------------------------------------


def test_a_new_employee_id_is_a_hire_with_defaults():
    [row] = plan([hire()])

    assert row.change == Change.HIRE
    assert row.target.status == "trainee"
    assert row.target.job_role_id == RESPONDER
    assert row.target.hire_date == datetime.date(2026, 3, 9)
    assert row.target.email == "n1@new.test"
    assert row.target.supervisor_employee_id is None


def test_a_row_matching_what_is_stored_changes_nothing_and_left_out_columns_keep():
    stored = person("E1", supervisor_user_id=202)
    boss = person("E2")
    rows = [
        {"employee_id": "E1", "job_role": "community RESPONDER", "status": "Active"},
        {"employee_id": "E2", "email": "E2@relay.test", "first_name": "", "last_name": ""},
    ]

    plans = plan(rows, snapshot(stored, boss))

    assert [p.change for p in plans] == [Change.NONE, Change.NONE]
    assert plans[0].target.supervisor_employee_id is None  # left out: kept


@pytest.mark.parametrize(
    ("values", "change", "changed"),
    [
        ({"job_role": "Responder medic"}, Change.MOVE, {"job_role"}),
        ({"job_role": ""}, Change.MOVE, {"job_role"}),
        ({"status": "separated", "separated_on": "2026-02-27"}, Change.SEPARATION, None),
        ({"status": "on_leave"}, Change.UPDATE, {"status"}),
        ({"first_name": "Adaeze"}, Change.UPDATE, {"first_name"}),
        ({"funding_source": "State grant"}, Change.UPDATE, {"funding_source"}),
        ({"supervisor_employee_id": "E2"}, Change.UPDATE, {"supervisor"}),
        ({"hire_date": "2025-01-07"}, Change.UPDATE, {"hire_date"}),
    ],
)
def test_what_a_changed_row_is(values, change, changed):
    [row, _] = plan(
        [{"employee_id": "E1", **values}, {"employee_id": "E2"}],
        snapshot(person("E1"), person("E2")),
    )

    assert row.change == change
    if changed is not None:
        assert row.changed == changed


def test_a_separated_person_given_another_status_is_reinstated_and_their_date_cleared():
    gone = person("E1", status="separated", separated_on=datetime.date(2025, 12, 1))

    [row] = plan([{"employee_id": "E1", "status": "active"}], snapshot(gone))

    assert row.change == Change.REINSTATEMENT
    assert row.target.separated_on is None


def test_a_separated_person_keeps_their_date_when_the_cell_is_blank():
    gone = person("E1", status="separated", separated_on=datetime.date(2025, 12, 1))

    [row] = plan([{"employee_id": "E1", "status": "separated", "separated_on": ""}], snapshot(gone))

    assert row.change == Change.NONE


def test_a_supervisor_outside_the_organisation_is_replaced_when_the_column_is_there():
    stored = person("E1", supervisor_user_id=999)  # not in this organisation

    [kept] = plan([{"employee_id": "E1"}], snapshot(stored))
    [replaced] = plan([{"employee_id": "E1", "supervisor_employee_id": ""}], snapshot(stored))

    assert kept.change == Change.NONE
    assert replaced.changed == {"supervisor"}


def test_a_supervisor_may_be_hired_in_the_same_file():
    plans = plan([hire("N1", supervisor_employee_id="N2"), hire("N2")])

    assert plans[0].target.supervisor_employee_id == "N2"


# --- Every problem, by line and column ----------------------------------------------------------


def test_every_problem_of_every_row_is_reported():
    rows = [
        hire("N1", hire_date="05/01/2026"),
        hire("N2", job_role="Astronaut", status="retired"),
        hire("N1"),
        hire("N3", email="not-an-address", funding_source="lottery"),
        hire("N4", hire_date="2026-02-30"),
        {"employee_id": ""},
        hire("N5", status="separated"),
        hire("N6", separated_on="2026-03-01"),
        hire("N7", supervisor_employee_id="NOBODY"),
        hire("N8", email="", hire_date=""),
    ]

    assert fields(rows) == [
        (2, "hire_date"),
        (3, "job_role"),
        (3, "status"),
        (4, "employee_id"),
        (5, "email"),
        (5, "funding_source"),
        (6, "hire_date"),
        (7, "employee_id"),
        (8, "separated_on"),
        (9, "separated_on"),
        (10, "supervisor_employee_id"),
        (11, "email"),
        (11, "hire_date"),
    ]


def test_messages_say_what_is_wrong_and_where_the_first_one_was():
    found = errors(
        [hire("N1"), hire("N1", email="other@new.test"), hire("N2", email="N1@new.test")]
    )

    assert found == [
        (3, "employee_id", "Employee id N1 is already on line 2."),
        (4, "email", "This email address is already on line 2."),
    ]


def test_an_address_that_already_has_an_account_is_refused():
    snap = snapshot(in_use={"taken@relay.test": 77})

    assert errors([hire("N1", email="Taken@Relay.test")], snap) == [
        (2, "email", "This email address already has a Relay account.")
    ]


def test_an_import_never_changes_a_sign_in_address():
    [(line, field, message)] = errors(
        [{"employee_id": "E1", "email": "new.address@relay.test"}], snapshot(person("E1"))
    )

    assert (line, field) == (2, "email")
    assert "does not change it" in message


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"separated_on": "2024-12-31", "status": "separated"}, "separated_on"),  # before hire
        ({"hire_date": "2027-06-01"}, "hire_date"),  # more than a year ahead
        ({"hire_date": "1850-01-01"}, "hire_date"),
        ({"hire_date": "20260309"}, "hire_date"),
        ({"first_name": "A\x00da"}, "first_name"),
        ({"last_name": "x" * 301}, "last_name"),
        ({"last_name": "x" * 151}, "last_name"),
        ({"supervisor_employee_id": "E1"}, "supervisor_employee_id"),  # themselves
        ({"supervisor_employee_id": "E9"}, "supervisor_employee_id"),  # separated
        ({"employee_id": "E" * 41}, "employee_id"),
        ({"shoe_size": "44"}, "shoe_size"),
    ],
)
def test_a_wrong_value_names_its_column(row, field):
    gone = person("E9", status="separated", separated_on=datetime.date(2025, 2, 1))
    snap = snapshot(person("E1"), gone)

    assert fields([{"employee_id": "E1", **row}], snap) == [(2, field)]


def test_a_reference_to_a_wrong_row_is_not_reported_twice():
    rows = [hire("N1", hire_date="soon"), hire("N2", supervisor_employee_id="N1")]

    assert fields(rows) == [(2, "hire_date")]


def test_problems_found_before_are_reported_with_the_rest():
    with pytest.raises(ImportRejected) as caught:
        plan_rows(
            [hire("N1", job_role="Astronaut")],
            lines=[3],
            snapshot=snapshot(),
            problems=[RowError(2, "", "This line has 3 values; the header names 6 columns.")],
        )

    assert [(e.line, e.field) for e in caught.value.errors] == [(2, ""), (3, "job_role")]
    assert str(caught.value) == "2 problems; nothing was imported."


def test_nobody_changes_their_own_record_or_a_guarded_one_without_managing_roles():
    me, admin = person("E1"), person("E2", guarded=True)
    rows = [{"employee_id": "E1", "status": "on_leave"}, {"employee_id": "E2", "job_role": ""}]

    assert fields(rows, snapshot(me, admin, actor_user_id=me.user_id)) == [(2, ""), (3, "")]
    # An unchanged row is fine; someone who manages roles may change the administrator.
    allowed = snapshot(me, admin, actor_user_id=me.user_id, manages_roles=True)
    assert [p.change for p in plan([{"employee_id": "E1"}, rows[1]], allowed)] == [
        Change.NONE,
        Change.MOVE,
    ]


# --- Properties ---------------------------------------------------------------------------------

names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30)
days = st.dates(min_value=datetime.date(1990, 1, 1), max_value=TODAY)


@settings(max_examples=60, deadline=None)
@given(
    first=names,
    last=names,
    hired=days,
    status=st.sampled_from(["trainee", "active", "on_leave", "separated"]),
    job_role=st.sampled_from([None, RESPONDER, MEDIC]),
    funding=st.sampled_from(["", "state_grant", "private"]),
)
def test_a_person_written_back_as_a_row_is_unchanged(first, last, hired, status, job_role, funding):
    separated_on = hired if status == "separated" else None
    stored = person(
        "E1",
        first_name=first.strip(),
        last_name=last.strip(),
        hire_date=hired,
        status=status,
        separated_on=separated_on,
        job_role_id=job_role,
        funding_source=funding,
    )
    role_names = {None: "", RESPONDER: "Community responder", MEDIC: "responder medic"}
    row = {
        "employee_id": "E1",
        "email": stored.email.upper(),
        "first_name": first,
        "last_name": last,
        "job_role": role_names[job_role],
        "hire_date": hired.isoformat(),
        "status": status,
        "separated_on": separated_on.isoformat() if separated_on else "",
        "supervisor_employee_id": "",
        "funding_source": funding,
    }

    [result] = plan([row], snapshot(stored))

    assert result.change == Change.NONE


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=12))
def test_a_date_is_either_read_or_reported_never_an_exception(value):
    row = hire("N1", hire_date=value)
    problems: set = set()
    try:
        [result] = plan([row])
    except ImportRejected as rejected:
        problems = {(e.line, e.field) for e in rejected.errors}
        result = None

    assert problems <= {(2, "hire_date")}
    if result is not None:
        assert result.target.hire_date.isoformat() == value.strip()


# --- Reading the CSV ------------------------------------------------------------------------------


def csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def test_the_header_is_read_in_any_case_and_order_and_rows_keep_their_line():
    data = csv(
        "Hire Date,EMPLOYEE-ID, email ", "", "2026-01-05,N1,a@b.test", ",,", "2026-01-06,N2,"
    )

    read = read_csv(data)

    assert read.rows == [
        {"hire_date": "2026-01-05", "employee_id": "N1", "email": "a@b.test"},
        {"hire_date": "2026-01-06", "employee_id": "N2", "email": ""},
    ]
    assert read.lines == [3, 5]
    assert read.problems == []


def test_a_byte_order_mark_and_quoted_commas_are_fine():
    data = codecs.BOM_UTF8 + csv("employee_id,last_name", 'N1,"Ng, Jr."')

    assert read_csv(data).rows == [{"employee_id": "N1", "last_name": "Ng, Jr."}]


def test_lines_of_the_wrong_width_or_over_several_lines_are_problems_of_their_line():
    data = csv("employee_id,last_name", "N1", 'N2,"two', 'lines"', "N3,Ok,extra", "N4,Fine")

    read = read_csv(data)

    assert [(p.line, p.field) for p in read.problems] == [(2, ""), (3, ""), (5, "")]
    assert read.lines == [6]


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"", 1, "empty"),
        (b"\n\n", 1, "empty"),
        (csv("employee_id,email"), 2, "nobody below"),
        (b"employee_id,last_name\nN1,Mu\xf1oz\n", 2, "byte 6 of the line, 0xf1"),
        ("employee_id\nN1\n".encode("utf-16"), 1, "UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", 1, "workbook"),
        (b"employee_id\nN\x001\n", 2, "NUL"),
        (csv("employee_id;email", "N1;a@b.test"), 1, "commas"),
        (csv("employee_id,email", 'N1,"a@b.test"x'), 2, "cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_once_naming_the_line(data, line, words):
    with pytest.raises(ImportRejected) as caught:
        read_csv(data)

    [error] = caught.value.errors
    assert error.line == line
    assert words in error.message


def test_unknown_repeated_and_missing_columns_are_named():
    with pytest.raises(ImportRejected) as caught:
        read_csv(csv("email,Email,badge_number,", "a@b.test,a@b.test,7,"))

    assert [(e.line, e.field) for e in caught.value.errors] == [
        (1, "email"),
        (1, "badge_number"),
        (1, ""),
        (1, "employee_id"),
    ]
    messages = " ".join(e.message for e in caught.value.errors)
    assert "appears twice" in messages
    assert "Unknown column 'badge_number'" in messages
    assert "required column 'employee_id' is missing" in messages


def test_size_and_row_limits():
    with pytest.raises(ImportRejected, match="problem"):
        read_csv(b"employee_id\n" + b"x" * MAX_BYTES)
    too_many = csv("employee_id", *(f"N{n}" for n in range(MAX_ROWS + 1)))
    with pytest.raises(ImportRejected) as caught:
        read_csv(too_many)
    assert "more than 20,000 rows" in caught.value.errors[0].message


def test_every_column_is_known_to_the_reader():
    read = read_csv(csv(",".join(COLUMNS), ",".join(["x"] * len(COLUMNS))))

    assert list(read.rows[0]) == list(COLUMNS)

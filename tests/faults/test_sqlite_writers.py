"""SQLite under 16 concurrent writer processes: no "database is locked", every write kept, the
audit hash chain (read the last hash, insert the next) still verifies.

The writers are separate processes with the real settings (WAL, IMMEDIATE transactions, a 20 s
busy timeout), on a file copy of the test database's schema; see
scripts/faults/sqlite_writers.py, which runs the same writers standalone and prints figures.
"""

import sqlite3

import pytest
from django.db import connection

from scripts.faults.sqlite_writers import run_writers

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")

WRITERS = 16
TRANSACTIONS = 25


@pytest.fixture
def database_file(transactional_db, tmp_path):
    """A file holding the migrated test schema (SQLite's backup of the test database, taken
    outside a transaction: the shared in-memory database cannot be copied while one is open)."""
    path = tmp_path / "writers.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return path


def test_sixteen_writer_processes_lose_nothing_and_never_see_a_locked_database(database_file):
    figures = run_writers(database_file, writers=WRITERS, transactions=TRANSACTIONS)

    expected = WRITERS * TRANSACTIONS
    assert figures["database_locked_errors"] == 0, figures["first_errors"]
    assert figures["errors"] == 0, figures["first_errors"]
    assert figures["committed"] == expected
    assert figures["audit_events"] == expected
    assert figures["distinct_audit_events"] == expected
    assert figures["notifications"] == expected
    assert figures["chain_breaks"] == 0

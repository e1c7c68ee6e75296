"""The demo data for the suite's modules: loaded once per test process, replayed after that.

``load_demo`` (loaddata of ``fixtures/``, first history records, the four Leverkusen scenarios
built through the services) takes 1.3 s on SQLite and 3.4 s on PostgreSQL; some seventy test
modules need it, in a transaction of their own that is rolled back when the module is done, and
the browser and job tests need it committed (their database is flushed after each test). The
first load of a process runs the command itself and notes every row it added, changed or
removed, table by table, as the database returned them; every later load replays those rows
with one ``executemany`` a table (0.05 s / 0.2 s). The rows are the command's own, so the data
is the same to the byte, primary keys included.

What makes the replay safe:

- it happens in the same database (each test process has its own), which holds no demo data
  before (a module's transaction is rolled back, a transactional test's data flushed);
- the command writes no row that the migrations made (no auth, content type, base rate or pay
  rise row); the flush of a transactional test removes those, so a snapshot taken after one is
  the same;
- the replay runs in one transaction: foreign keys are checked when it commits (Django creates them ``DEFERRABLE
  INITIALLY DEFERRED`` on PostgreSQL and SQLite), so the tables' order does not matter;
- PostgreSQL's sequences are never rolled back: after the first load they stand beyond every
  id of the demo data, so rows a test adds get new ids, as they did before. SQLite moves its
  ``sqlite_sequence`` by itself when a larger id is inserted;
- the command is tested as itself (``tests/test_kim_admin_commands.py``), with the rule check.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connection, transaction

from kim_admin.demo import ensure_demo_users


@dataclass
class TableChange:
    table: str
    columns: list[str]
    # The key columns a removed row is found by: the primary key, else every column.
    key: list[str]
    added: list[tuple]
    removed: list[tuple]


_changes: list[TableChange] | None = None


def load(users: bool = False) -> None:
    """The demo data (``users``: with the demo logins, as ``load_demo`` without ``--no-users``):
    the command the first time in this process, its rows replayed after that. In one
    transaction of its own (a savepoint inside a module's)."""
    global _changes
    with transaction.atomic():
        if _changes is None:
            before = _rows()
            call_command("load_demo", "--no-users", "--skip-rule-check", verbosity=0)
            _changes = _diff(before, _rows())
        else:
            _replay(_changes)
        if users:
            ensure_demo_users()


def _rows() -> dict[str, tuple[list[str], list[str], list[tuple]]]:
    """Every table's columns, key columns and rows."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
            key = connection.introspection.get_primary_key_columns(cursor, table) or columns
            out[table] = (columns, key, rows)
    return out


def _diff(before, after) -> list[TableChange]:
    changes = []
    for table, (columns, key, rows) in after.items():
        earlier = before.get(table, (columns, key, []))[2]
        originals = {_hashable(row): row for row in [*earlier, *rows]}
        old = Counter(_hashable(row) for row in earlier)
        new = Counter(_hashable(row) for row in rows)
        added = [originals[row] for row in (new - old).elements()]
        removed = [originals[row] for row in (old - new).elements()]
        if added or removed:
            changes.append(TableChange(table, columns, key, added, removed))
    return changes


def _hashable(row: tuple) -> tuple:
    """A row as a dictionary key (PostgreSQL returns JSON columns as dicts and lists)."""
    return tuple(
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value
        for value in row
    )


def _replay(changes: list[TableChange]) -> None:
    quote = connection.ops.quote_name
    adapt = _adapter()
    with connection.cursor() as cursor:
        for change in changes:
            if change.removed:
                positions = [change.columns.index(k) for k in change.key]
                where = " AND ".join(f"{quote(k)} = %s" for k in change.key)
                cursor.executemany(
                    f"DELETE FROM {quote(change.table)} WHERE {where}",
                    [[adapt(row[i]) for i in positions] for row in change.removed],
                )
        for change in changes:
            if change.added:
                names = ", ".join(quote(c) for c in change.columns)
                marks = ", ".join(["%s"] * len(change.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(change.table)} ({names}) VALUES ({marks})",
                    [[adapt(value) for value in row] for row in change.added],
                )


def _adapter():
    """PostgreSQL returns JSON columns as Python objects; they go back in as JSON."""
    if connection.vendor != "postgresql":
        return lambda value: value
    from psycopg.types.json import Jsonb

    def adapt(value):
        return Jsonb(value) if isinstance(value, dict | list) else value

    return adapt

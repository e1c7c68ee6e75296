"""The test databases: migrated once per run, copied for every xdist worker.

Migrating the schema takes 20-30 seconds of CPU (Django renders the model states of ninety
migrations over some hundred related models), and with xdist every worker used to do it for
its own database. Now the first worker to get there migrates a template database, and every
worker, the first included, gets a copy of it:

- PostgreSQL: ``CREATE DATABASE … TEMPLATE …`` (a file copy inside the server);
- SQLite: the template is a file, each worker's database stays in memory, filled from it by
  SQLite's online backup.

The copies are the migrated database exactly (the role groups of the post_migrate hook
included), so what a test sees does not change. The controller process owns the shared
folder (``pytest_configure`` in ``tests/conftest.py``) and drops the template when the run
ends. A run without xdist migrates its one database as before.

``KIM_TEST_TEMPLATE_DB`` names a PostgreSQL database that is migrated already (CI migrates one
and starts both the suite's and its live-server checks' databases from it): the workers copy
that one instead of migrating their own, and leave it in place when the run ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

ALIAS = "default"


@contextmanager
def _locked(path: Path):
    """The workers of one run take turns (the template is built once, copied one at a time)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def setup_worker_database(shared: Path) -> list:
    """This worker's test database, copied from the run's template (built by the first worker
    to ask); returns the configuration ``django.test.utils.teardown_databases`` takes."""
    connection = connections[ALIAS]
    old_name = connection.settings_dict["NAME"]
    target = connection.creation._get_test_db_name()
    with _locked(shared / "template.lock"):
        marker = shared / "template.json"
        if not marker.exists():
            given = os.environ.get("KIM_TEST_TEMPLATE_DB")
            template = (
                _given_template(connection, given)
                if given
                else _build_template(connection, shared, old_name)
            )
            marker.write_text(json.dumps(template))
        template = json.loads(marker.read_text())
        _copy(connection, template, target)
    return [(connection, old_name, True)]


def _build_template(connection, shared: Path, old_name: str) -> dict:
    test = connection.settings_dict["TEST"]
    own_name = test.get("NAME")
    if connection.vendor == "sqlite":
        test["NAME"] = str(shared / "template.sqlite3")
    else:
        # PostgreSQL names are at most 63 bytes; the process id makes it the run's own.
        test["NAME"] = f"{old_name[:30]}_template_{os.getpid()}"
    try:
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test["NAME"] = own_name
        connection.settings_dict["NAME"] = old_name
        settings.DATABASES[ALIAS]["NAME"] = old_name
    return {"vendor": connection.vendor, "name": name, "settings": _server(connection)}


def _given_template(connection, name: str) -> dict:
    """A PostgreSQL database migrated by someone else (``KIM_TEST_TEMPLATE_DB``)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("KIM_TEST_TEMPLATE_DB names a PostgreSQL database; this run uses SQLite")
    return {
        "vendor": connection.vendor,
        "name": name,
        "settings": _server(connection),
        "given": True,
    }


def _server(connection) -> dict:
    """What the controller needs to drop a PostgreSQL template."""
    keys = ("HOST", "PORT", "USER", "PASSWORD")
    return {key: connection.settings_dict.get(key) or "" for key in keys}


def _copy(connection, template: dict, target: str) -> None:
    connection.close()
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(template['name'])}")
    settings.DATABASES[ALIAS]["NAME"] = target
    connection.settings_dict["NAME"] = target
    if connection.vendor == "sqlite":
        if connection.creation.is_in_memory_db(target):
            connection.ensure_connection()
            source = sqlite3.connect(template["name"])
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            shutil.copyfile(template["name"], target)
    connection.ensure_connection()


def end_other_sessions(connection) -> None:
    """Before the test database is dropped: end every other session still connected to it
    (PostgreSQL refuses to drop a database in use), and say which they were on stderr.

    Seen once in CI: the drop failed at the end of a worker's run, "1 other session using
    the database"; a connection a test's thread opened and never closed is the likely
    cause (Django closes a thread's connection only when asked)."""
    import sys

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 200), "
            "pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        for pid, application, state, query, _ended in cursor.fetchall():
            print(
                f"tests: session {pid} ({application or '-'}, {state}) was still connected "
                f"to {name}, ended; its last statement: {query}",
                file=sys.__stderr__,  # past pytest's capture: a session fixture's teardown
            )


def drop_template(shared: Path) -> None:
    """The controller's last step: the PostgreSQL template goes (a SQLite one is a file in the
    shared folder, removed with it; a given one stays with whoever gave it)."""
    marker = shared / "template.json"
    if not marker.exists():
        return
    template = json.loads(marker.read_text())
    if template["vendor"] != "postgresql" or template.get("given"):
        return
    import psycopg

    server = {key.lower(): value for key, value in template["settings"].items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template["name"]}"')


# --- Emptying the database after a transactional test -------------------------------------------
#
# Django empties the database after each ``transaction=True`` test (the browser tests, the job
# worker's, the backup's): ``flush`` truncates every table in one statement and then replays
# post_migrate, which writes the content types, the permissions and the role groups anew
# (about 530 statements). On PostgreSQL that took 0.7-0.9 s a test: TRUNCATE gives every
# table a new file and its commit waits for them. Here the rows of the tables that hold any
# are deleted in one transaction (10-20 ms after a job worker test), and the rows
# post_migrate writes stay where the test left them untouched. Where a test changed those,
# Django's flush runs as before. SQLite takes the same way (its foreign keys are deferrable
# too, and post_migrate cost there as well). Sequences are not reset, as with Django's flush
# here.

POST_MIGRATE_TABLES = (
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
)
_post_migrate_rows: dict[str, tuple] = {}


def _fingerprint(cursor, quote) -> tuple:
    """Count and id sum of each post_migrate table: a row added, removed or replaced shows."""
    parts = [
        f"(SELECT count(*) FROM {quote(t)}), (SELECT coalesce(sum(id), 0) FROM {quote(t)})"
        for t in POST_MIGRATE_TABLES
    ]
    cursor.execute("SELECT " + ", ".join(parts))
    return tuple(cursor.fetchone())


def note_post_migrate_rows(connection) -> None:
    """Remember the rows post_migrate wrote (of a database just set up or flushed)."""
    if connection.vendor in ("postgresql", "sqlite"):
        with connection.cursor() as cursor:
            _post_migrate_rows[connection.alias] = _fingerprint(cursor, connection.ops.quote_name)


def delete_what_the_test_wrote(connection) -> bool:
    """Empty what a transactional test left; False where Django's flush has to do it."""
    expected = _post_migrate_rows.get(connection.alias)
    if expected is None:
        return False
    quote = connection.ops.quote_name
    tables = [
        t
        for t in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if t not in POST_MIGRATE_TABLES
    ]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if _fingerprint(cursor, quote) != expected:
            return False
        probes = [f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(t)})" for t in tables]
        cursor.execute(" UNION ALL ".join(probes), tables)
        filled = [row[0] for row in cursor.fetchall()]
        # Django's foreign keys are deferrable: checked at the commit, when all rows are gone.
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in filled:
            cursor.execute(f"DELETE FROM {quote(table)}")
    return True


def install_quick_flush() -> None:
    """Route ``TransactionTestCase``'s teardown through ``delete_what_the_test_wrote``."""
    from django.test import TransactionTestCase

    if getattr(TransactionTestCase._fixture_teardown, "quick", False):
        return
    django_teardown = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        names = list(self._databases_names(include_mirrors=False))
        if (
            self.available_apps is None
            and not self.serialized_rollback
            and all(delete_what_the_test_wrote(connections[name]) for name in names)
        ):
            return
        django_teardown(self)
        for name in names:
            note_post_migrate_rows(connections[name])

    _fixture_teardown.quick = True
    TransactionTestCase._fixture_teardown = _fixture_teardown

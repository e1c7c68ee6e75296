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
from django.db import connections

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
            marker.write_text(json.dumps(_build_template(connection, shared, old_name)))
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


def drop_template(shared: Path) -> None:
    """The controller's last step: the PostgreSQL template goes (a SQLite one is a file in the
    shared folder, removed with it)."""
    marker = shared / "template.json"
    if not marker.exists():
        return
    template = json.loads(marker.read_text())
    if template["vendor"] != "postgresql":
        return
    import psycopg

    server = {key.lower(): value for key, value in template["settings"].items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template["name"]}"')

"""The benchmarks' own database: chosen before ``django.setup()``, created, migrated, filled.

Default: a SQLite file in ``bench/`` (git-ignored). ``BENCH_DATABASE_URL`` (same format as
``DATABASE_URL``) names another database; a PostgreSQL database is created when missing. A
one-row table ``bench_dataset`` holds the stamp of the data set (generator parameters and the
project's migration leaves): a database whose stamp matches is reused, any other stamp means
regenerate. A database with tables but without that table is not the benchmarks' and is never
wiped.
"""

from __future__ import annotations

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
STAMP_TABLE = "bench_dataset"
GENERATING = "generating"


def configure(suffix: str = "") -> None:
    """Point the settings at the bench database: call before ``django.setup()``.

    ``suffix`` names the SQLite file of a non-default data set (``bench/bench<suffix>.sqlite3``).
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{BENCH_DIR / f'bench{suffix}.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kim_admin.settings")


def describe() -> str:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        try:
            return str(Path(name).resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(name)
    return f"{connection.vendor} database {name}"


def prepare(stamp: str, regenerate: bool, generate) -> tuple[bool, float]:
    """Make the bench database hold the data set of ``stamp``; ``generate()`` fills it.

    Returns (whether it was generated now, seconds taken for migrating and generating).
    """
    import time

    from django.db import connection

    started = time.perf_counter()
    _create_if_missing()
    tables = set(connection.introspection.table_names())
    current = _read_stamp(tables)
    if tables and current is None and not _is_default_file():
        raise SystemExit(
            f"{describe()} has tables but no {STAMP_TABLE} table: not a bench database, "
            "refusing to overwrite it. Point BENCH_DATABASE_URL at an empty or bench database."
        )
    wanted = f"{stamp} schema={_schema_version()}"
    if current == wanted and not regenerate:
        return False, time.perf_counter() - started
    if tables:
        _wipe()
    _write_stamp(GENERATING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    generate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, before the first plan is made
    _write_stamp(wanted)
    return True, time.perf_counter() - started


def _is_default_file() -> bool:
    from django.db import connection

    return (
        connection.vendor == "sqlite"
        and "BENCH_DATABASE_URL" not in os.environ
        and Path(connection.settings_dict["NAME"]).resolve().parent == BENCH_DIR
    )


def _schema_version() -> str:
    """The leaf migrations of every app: a new migration means a new data set."""
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    return ",".join(f"{app}.{name}" for app, name in sorted(leaves))


def _create_if_missing() -> None:
    from django.db import OperationalError, connection

    if connection.vendor != "postgresql":
        return  # SQLite creates the file on connecting
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
        with connection._nodb_cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])}"
            )


def _wipe() -> None:
    """Start from an empty database (only ever called on a bench database)."""
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    elif connection.vendor == "postgresql":
        quoted = connection.ops.quote_name(name)
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
            cursor.execute(f"CREATE DATABASE {quoted}")
    else:
        call_command("flush", verbosity=0, interactive=False)


def _read_stamp(tables: set[str]) -> str | None:
    from django.db import connection

    if STAMP_TABLE not in tables:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {STAMP_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else ""


def _write_stamp(stamp: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if STAMP_TABLE not in connection.introspection.table_names(cursor):
            cursor.execute(f"CREATE TABLE {STAMP_TABLE} (stamp VARCHAR(1000) NOT NULL)")
        cursor.execute(f"DELETE FROM {STAMP_TABLE}")
        cursor.execute(f"INSERT INTO {STAMP_TABLE} (stamp) VALUES (%s)", [stamp])

"""Backups of the whole database and their restore (``make backup``, ``make restore``).

PostgreSQL: ``pg_dump`` in its custom format (compressed, restored table by table by
``pg_restore``, consistent while the app runs). SQLite: the online backup API of ``sqlite3``
(a consistent copy while the app writes). Everything is in the database, the published
reports' PDFs and the job queue included, so one file is the whole state.

A restore goes into an empty database only, unless ``replace`` says to overwrite, so a slip
of the finger cannot wipe the production data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    """A German message for the operator."""


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M%S")


def _pg_environment(db: dict) -> tuple[list[str], dict]:
    """Connection arguments of the pg_* tools for Django's settings of one database."""
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return args, environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} fehlt. Bitte die PostgreSQL-Client-Programme installieren "
            "(Debian: apt-get install postgresql-client)."
        )
    return path


def _run(command: list[str], environment: dict) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} ist fehlgeschlagen:\n{done.stderr.strip()}")


def create(directory: Path, alias: str = "default") -> Path:
    """Write a backup of the database into ``directory``; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        target = directory / f"kim-{_stamp()}.dump"
        args, environment = _pg_environment(db)
        _run([_tool("pg_dump"), "--format=custom", "--file", str(target), *args], environment)
        return target
    if connection.vendor == "sqlite":
        target = directory / f"kim-{_stamp()}.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return target
    raise BackupError(f"Sicherung für {connection.vendor} gibt es nicht.")


def _pg_has_tables(args: list[str], environment: dict) -> bool:
    done = subprocess.run(
        [
            _tool("psql"),
            *args,
            "--no-align",
            "--tuples-only",
            "--command",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"Die Zieldatenbank antwortet nicht:\n{done.stderr.strip()}")
    return int(done.stdout.strip() or 0) > 0


def restore(backup: Path, db: dict, *, replace: bool = False) -> None:
    """Restore ``backup`` into the database of the settings dict ``db`` (Django's format)."""
    if not backup.is_file():
        raise BackupError(f"Die Sicherung {backup} gibt es nicht.")
    engine = db["ENGINE"]
    if engine.endswith("postgresql"):
        args, environment = _pg_environment(db)
        if _pg_has_tables(args, environment) and not replace:
            raise BackupError(
                f"Die Datenbank {db['NAME']} ist nicht leer. Zurückgespielt wird nur in eine "
                "leere Datenbank, oder mit REPLACE=1 (make) bzw. --replace über die "
                "vorhandenen Daten."
            )
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, "--single-transaction", *args, str(backup)], environment)
        return
    if engine.endswith("sqlite3"):
        target = Path(db["NAME"])
        if target.exists() and target.stat().st_size > 0 and not replace:
            with sqlite3.connect(target) as existing:
                tables = existing.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
            existing.close()
            if tables:
                raise BackupError(
                    f"Die Datenbank {target} ist nicht leer. Zurückgespielt wird nur in eine "
                    "leere Datenbank, oder mit REPLACE=1 (make) bzw. --replace."
                )
        with sqlite3.connect(backup) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        return
    raise BackupError(f"Zurückspielen für {engine} gibt es nicht.")

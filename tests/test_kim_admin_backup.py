"""``make backup`` and ``make restore``: a backup of the demo data restored into an empty
database gives byte-identical cost-overview payloads for every recipient and year.

The demo data come from ``tests/demo_snapshot.py`` (the rows of ``load_demo``, replayed where
the process has loaded them before).

The payloads of the restored database are computed by a second Python process pointed at it
(``DATABASE_URL``), the app's code unchanged; PostgreSQL: pg_dump/pg_restore into a database
made for the test and dropped after it; SQLite: the online backup API into a new file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from kim_admin import backup
from tests import demo_snapshot

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)

# Every recipient and year with positions, each payload as the API serializes it.
PAYLOADS = """
import json, sys
import django
django.setup()
from carriers.models import Organisation
from funding.overview import cost_overview, overview_payload
from rest_framework.renderers import JSONRenderer
from staffing.models import PositionCost
out = {}
for recipient in Organisation.objects.recipients().order_by("slug"):
    years = sorted(set(PositionCost.objects.filter(position__recipient=recipient,
        position__scenario__isnull=True).values_list("year", flat=True)))
    for year in years:
        out[f"{recipient.slug}/{year}"] = JSONRenderer().render(overview_payload(
            cost_overview(recipient, year))).decode()
sys.stdout.write(json.dumps(out))
"""


def payloads_here() -> dict:
    namespace: dict = {}
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        exec(PAYLOADS.replace("django.setup()", ""), namespace)
    return json.loads(buffer.getvalue())


def payloads_of(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="kim_admin.settings",
        DATABASE_URL=database_url,
        KIM_ENV_FILE="/nonexistent",
        DEBUG="1",
    )
    done = subprocess.run(
        [sys.executable, "-c", PAYLOADS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def empty_database(tmp_path):
    """(Django settings dict, DATABASE_URL) of an empty database of the suite's kind."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}, f"sqlite:///{path}"
        return
    settings = dict(connection.settings_dict)
    name = f"kim_restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    settings["NAME"] = name
    user = settings.get("USER") or "postgres"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    try:
        yield settings, f"postgres://{user}@{host}:{port}/{name}"
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_backup_gives_byte_identical_overviews(tmp_path, empty_database):
    demo_snapshot.load()
    expected = payloads_here()
    assert len(expected) >= 10  # five seeds, several years each

    dump = backup.create(tmp_path / "backups")
    assert dump.stat().st_size > 0
    target, url = empty_database
    backup.restore(dump, target)

    assert payloads_of(url) == expected

    # A second restore over the data is refused without --replace, in German.
    with pytest.raises(backup.BackupError, match="ist nicht leer"):
        backup.restore(dump, target)
    backup.restore(dump, target, replace=True)
    assert payloads_of(url) == expected

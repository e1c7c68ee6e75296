"""``/healthz``, the request log with its id, and the settings check at start."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from kim_admin import deploy, health

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

GOOD = {
    "secret_key": "x" * 30 + "abcdefghijklmnopqrstuvwxyz",
    "allowed_hosts": ["kim.stadt.de"],
    "site_url": "https://kim.stadt.de",
    "csrf_trusted_origins": ["https://kim.stadt.de"],
    "https": True,
}


def test_healthz_answers_200_when_database_and_queue_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "fehler", "queue": "ok"}


def test_healthz_answers_503_when_a_job_waits_too_long_for_the_worker(client):
    from django_tasks_db.models import DBTaskResult

    from kim_admin.jobqueue.tasks import run_job

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = run_job.enqueue(0)
    assert client.get("/healthz").status_code == 200
    DBTaskResult.objects.filter(id=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=11)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == "fehler"


def test_every_request_has_an_id_in_its_log_line_and_in_the_history(client, caplog):
    from tests.factories import OrganisationFactory, UserFactory

    admin = UserFactory(role="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    org = OrganisationFactory(name="AWO", slug="awo")
    with caplog.at_level(logging.INFO, logger="kim_admin.request"):
        response = client.get("/", HTTP_X_REQUEST_ID="proxy-4711")
    assert response["X-Request-ID"] == "proxy-4711"
    line = [r for r in caplog.records if r.name == "kim_admin.request"][-1]
    assert line.request_id == "proxy-4711"
    assert '"GET /" 200' in line.getMessage() and f"user={admin.username}" in line.getMessage()
    # A malformed id from outside is replaced.
    assert client.get("/", HTTP_X_REQUEST_ID="bad id\n").get("X-Request-ID") != "bad id\n"

    from kim_admin.jobqueue.models import history_request_id
    from kim_admin.requestlog import request_id

    with request_id("req-123"):
        org.name = "AWO Leverkusen"
        org.save()
    assert history_request_id(org.history.latest()) == "req-123"
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("request_history", "req-123", stdout=out)
    assert "AWO Leverkusen" in out.getvalue() and " ~ " in out.getvalue()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"secret_key": deploy.DEV_SECRET}, "SECRET_KEY fehlt"),
        ({"secret_key": "kurz"}, "SECRET_KEY ist zu schwach"),
        ({"allowed_hosts": []}, "ALLOWED_HOSTS fehlt"),
        ({"allowed_hosts": ["*"]}, "ALLOWED_HOSTS darf nicht"),
        ({"site_url": "kim.stadt.de"}, "keine vollständige Adresse"),
        ({"allowed_hosts": ["andere.de"]}, "steht nicht in ALLOWED_HOSTS"),
        ({"site_url": "http://kim.stadt.de"}, "HTTPS=1, aber SITE_URL"),
        ({"csrf_trusted_origins": ["https://x.de"]}, "CSRF_TRUSTED_ORIGINS enthält"),
        ({"csrf_trusted_origins": ["https://kim.stadt.de", "kim"]}, "ist kein Ursprung"),
        (
            {"oidc": {"OIDC_RP_CLIENT_ID": "kim", "OIDC_OP_TOKEN_ENDPOINT": ""}},
            "es fehlen aber OIDC_OP_TOKEN_ENDPOINT",
        ),
    ],
)
def test_the_settings_check_names_each_problem_in_german(change, message):
    assert deploy.problems(**GOOD) == []
    found = deploy.problems(**(GOOD | change))
    assert any(message in problem for problem in found), found


def _manage(*args, **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    env.update(DJANGO_SETTINGS_MODULE="kim_admin.settings", KIM_ENV_FILE="/nonexistent")
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_with_a_clear_message():
    done = _manage("check", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="")
    assert done.returncode != 0
    assert "kim-admin startet nicht" in done.stderr
    assert "SECRET_KEY fehlt" in done.stderr and "ALLOWED_HOSTS fehlt" in done.stderr


def test_check_deploy_is_clean_behind_https():
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="kim.stadt.de",
        SITE_URL="https://kim.stadt.de",
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout

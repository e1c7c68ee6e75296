"""CI: the API against its own description, on a live server, with schemathesis.

A fresh database (PostgreSQL when API_CHECK_POSTGRES names a server, e.g.
postgres://postgres@127.0.0.1:5432, else an SQLite file in a temporary directory), migrated,
with the demo data (on PostgreSQL a copy of CHECK_TEMPLATE_DB where that names one); the app under gunicorn with DEBUG off on a free loopback port; API tokens
of two roles (``finanzen``: finance of Leverkusen, writes its plan; ``caritas``: a carrier,
reads what it employs and writes its cost forecasts). For each role schemathesis sends
generated requests (valid and invalid) to every operation of /api/schema/ and checks

- not_a_server_error: no 5xx;
- status_code_conformance: every status is one the schema lists for the operation;
- content_type_conformance: the answer's content type is the one described;
- response_schema_conformance: the body matches the described schema.

Not checked, with the reason: positive_data_acceptance and negative_data_rejection (the
schema describes shapes, not the domain's rules: a well-formed position of a block the
recipient has no grant for is rightly refused with 400, and an id that does not exist is
well-formed but 404); use_after_free, ensure_resource_availability and the authorization
checks (isolation has its own matrix in tests/test_kim_admin_isolation.py, with objects of
another organisation, which generated data cannot aim at).

Bounded: a fixed number of examples per operation, a wall-time limit per role and for the
start; the throttles are raised for the run (API_THROTTLE_*), or generated requests would trip
them. The processes started here are stopped and the database made here is dropped, whatever
happens. Prints the operations tested and the failures per role; exit code 1 on any failure.
Run by .ci/run as `.venv/bin/python .ci/api_check.py`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("API_CHECK_POSTGRES", "")
DB_NAME = os.environ.get("API_CHECK_DB", "kim_api_check")
# A PostgreSQL database already migrated and holding the demo data (.ci/run makes one for
# both checks): the check's database is a copy of it, else it is migrated and filled here.
TEMPLATE = os.environ.get("CHECK_TEMPLATE_DB", "")
PASSWORD = "kim-demo-2024"
ROLES = {"finanzen": "finance of Leverkusen", "caritas": "carrier Caritas Leverkusen"}
EXAMPLES = int(os.environ.get("API_CHECK_EXAMPLES", "5"))
ROLE_SECONDS = int(os.environ.get("API_CHECK_SECONDS", "110"))
STARTUP_SECONDS = 120
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
PYTHON = str(ROOT / ".venv" / "bin" / "python")


STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"-- [{time.monotonic() - STARTED:5.0f} s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        timeout=60,
    )


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"FAILED: gunicorn ended with {server.returncode}")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit(f"FAILED: the app did not answer within {STARTUP_SECONDS} s")


def token(base: str, username: str) -> str:
    response = requests.post(
        f"{base}/api/auth/token/", data={"username": username, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, (username, response.status_code, response.text)
    return response.json()["token"]


def start_schemathesis(base: str, schema_file: Path, key: str, report: Path, output: Path):
    """Schemathesis over every operation with the role's token, in its own process group."""
    command = [
        str(ROOT / ".venv" / "bin" / "schemathesis"),
        "run",
        str(schema_file),
        "--url",
        base,
        "--header",
        f"Authorization: Token {key}",
        "--checks",
        ",".join(CHECKS),
        # The coverage phase (every boundary value and method of every operation) takes
        # about 10 s an operation here: too long for CI; fuzzing with a fixed number of
        # examples per operation covers valid and invalid inputs in bounded time.
        "--phases",
        "fuzzing",
        "--max-examples",
        str(EXAMPLES),
        # One worker per role (the roles run side by side): with two threads, hypothesis hit
        # CPython 3.11's "AST constructor recursion depth mismatch" now and then, an error of
        # the tool, not of the app.
        "--workers",
        "1",
        "--seed",
        "20241202",
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def count(report: Path) -> tuple[int, int]:
    """Operations tested and operations with a failure, from schemathesis' ndjson events;
    each failure is printed with its check and message."""
    operations: set[str] = set()
    failing: dict[str, list[str]] = {}
    if not report.exists():
        return 0, 1
    for line in report.read_text(encoding="utf-8").splitlines():
        try:
            finished = json.loads(line).get("ScenarioFinished")
        except json.JSONDecodeError:
            continue
        if not finished or finished["status"] == "skip":
            continue
        recorder = finished.get("recorder") or {}
        label = recorder.get("label", "?")
        operations.add(label)
        if finished["status"] in ("failure", "error"):
            messages = failing.setdefault(label, [])
            for results in (recorder.get("checks") or {}).values():
                for result in results:
                    if result.get("status") == "failure":
                        failure = result.get("failure_info", {}).get("failure", {})
                        messages.append(f"{result.get('name')}: {failure.get('title', '')}")
            if finished["status"] == "error":
                messages.append("error while testing")
    for label, messages in sorted(failing.items()):
        print(f"   FAILED {label}: " + "; ".join(sorted(set(messages))[:3]), flush=True)
    return len(operations), len(failing)


def main() -> int:
    started = time.monotonic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="kim-api-check-"))
    if PG:
        database_url = f"{PG}/{DB_NAME}"
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB_NAME}"' + (f' TEMPLATE "{TEMPLATE}"' if TEMPLATE else ""))
    else:
        database_url = f"sqlite:///{workdir / 'api-check.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=base,
        DATABASE_URL=database_url,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        KIM_ENV_FILE="/nonexistent",
        MEDIA_ROOT=str(workdir / "media"),
        # Generated requests come fast; the throttles are shown in tests/test_kim_admin_trust.py.
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_ANON="1000000/minute",
    )
    server = None
    results = {}
    runs = {}
    try:
        if PG and TEMPLATE:
            step(f"fresh database (PostgreSQL), a copy of {TEMPLATE}: migrated, the demo data")
        else:
            step(f"fresh database ({'PostgreSQL' if PG else 'SQLite'}), migrate, load demo data")
        for command in (
            []
            if PG and TEMPLATE
            else [
                ["migrate", "--noinput", "-v0"],
                ["load_demo", "-v0"],
            ]
        ):
            step(" ".join(command))
            subprocess.run(
                [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
            )
        step(f"gunicorn on {base} (DEBUG off)")
        # The server's log (a line per request) goes to a file; its errors are printed.
        server_log = (workdir / "server.log").open("w")
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                # No limit on the request line: generated queries grow past gunicorn's 4 KB,
                # which gunicorn answers itself (414, HTML) before the app sees them. The check
                # is of the app, so the app gets every request (production's limit stays).
                "--limit-request-line",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(base, server)
        for username, role in ROLES.items():
            key = token(base, username)
            response = requests.get(
                f"{base}/api/schema/",
                headers={"Authorization": f"Token {key}", "Accept": "application/json"},
                timeout=60,
            )
            assert response.status_code == 200, response.status_code
            schema_file = workdir / f"schema-{username}.json"
            schema_file.write_bytes(response.content)
            step(f"schemathesis as {username} ({role})")
            report = workdir / f"report-{username}.ndjson"
            output = workdir / f"schemathesis-{username}.txt"
            runs[username] = (start_schemathesis(base, schema_file, key, report, output), report)
        deadline = time.monotonic() + ROLE_SECONDS
        for username, (process, report) in runs.items():
            try:
                process.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"   {username}: stopped after {ROLE_SECONDS} s, counted what ran")
            stop(process)
            results[username] = count(report)
            summary = (workdir / f"schemathesis-{username}.txt").read_text(errors="replace")
            print("\n".join(line for line in summary.splitlines() if "generated" in line))
    finally:
        for process, _report in runs.values():
            stop(process)
        if server is not None:
            stop(server)
        if PG:
            psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    log = workdir / "server.log"
    errors = (
        [line for line in log.read_text().splitlines() if " ERROR " in line] if log.exists() else []
    )
    for line in errors[:20]:
        print(f"   server: {line[:300]}", flush=True)
    failed = 0
    for username, (operations, failures) in results.items():
        print(f"api check {username}: {operations} operations, {failures} failures", flush=True)
        failed += failures + (operations == 0)
    print(f"api check: {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed or len(results) < len(ROLES) else 0


if __name__ == "__main__":
    sys.exit(main())

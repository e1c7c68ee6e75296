"""CI: start kim-admin the `make serve` way (DEBUG=0, gunicorn, whitenoise, the job worker)
against PostgreSQL on loopback and check it as a user would:

- /healthz answers 200;
- the login page and the home page come with their style sheet (hashed name, gzip);
- the demo user `finanzen` publishes a council report through the job queue, the job runs to
  its end in the worker and the stored PDF downloads;
- a person signs in through a real OpenID Connect provider (oidc-provider-mock, started here
  on loopback) with the group kim-finanzen-leverkusen.

Bounded: every wait has a deadline; the processes started here are stopped (process group)
and the database made here is dropped, whatever happens. Run by .ci/run as
`.venv/bin/python .ci/serve_check.py`.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("SERVE_CHECK_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("SERVE_CHECK_DB", "kim_serve_check")
# A database already migrated and holding the demo data (.ci/run makes one for both checks):
# the check's database is a copy of it; else it is migrated and filled here. `make serve`
# runs `migrate` either way.
TEMPLATE = os.environ.get("CHECK_TEMPLATE_DB", "")
STARTUP_SECONDS = 240
JOB_SECONDS = 240
PASSWORD = "kim-demo-2024"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def step(text: str) -> None:
    print(f"-- {text}", flush=True)


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        timeout=60,
    )


def csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def wait_for(what: str, seconds: float, probe):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except requests.RequestException as error:
            last = error
        time.sleep(1)
    raise SystemExit(f"FAILED: {what} within {seconds:.0f} s (last error: {last})")


def check_stylesheet(session: requests.Session, base: str, html: str) -> None:
    link = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert link, "no style sheet in the page"
    href = link.group(1)
    assert re.search(r"/static/css/app\.[0-9a-f]{12}\.css$", href), f"not a hashed name: {href}"
    css = session.get(base + href, headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert css.status_code == 200, f"{href}: {css.status_code}"
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers.get("Content-Encoding") == "gzip", "style sheet not compressed"
    assert "max-age=315360000" in css.headers.get("Cache-Control", ""), css.headers
    assert ".site-header" in css.text


def login(session: requests.Session, base: str, username: str) -> str:
    page = session.get(f"{base}/login/", timeout=10)
    assert page.status_code == 200
    check_stylesheet(session, base, page.text)
    home = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(page.text)},
        headers={"Referer": f"{base}/login/"},
        timeout=30,
    )
    assert home.status_code == 200 and home.url.rstrip("/") == base, (home.status_code, home.url)
    return home.text


def publish_report(session: requests.Session, base: str) -> None:
    form = session.get(f"{base}/berichte/neu/", timeout=30)
    assert form.status_code == 200
    data = {
        "csrfmiddlewaretoken": csrf(form.text),
        "kind": "cost_overview",
        "recipient": "leverkusen",
        "year": "2022",
        "scenario": "",
        "body": "Stadt Leverkusen\nDer Oberbürgermeister",
        "department": "",
        "file_number": f"CI/{secrets.token_hex(3)}",
        "paper_date": "02.12.2024",
        "subject": "KIM NRW: Kosten 2022",
        "committee-TOTAL_FORMS": "0",
        "committee-INITIAL_FORMS": "0",
        "committee-MIN_NUM_FORMS": "0",
        "committee-MAX_NUM_FORMS": "4",
        "action": "publish",
    }
    response = session.post(
        f"{base}/berichte/neu/",
        data=data,
        headers={"Referer": f"{base}/berichte/neu/"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.status_code
    job_path = urlsplit(response.headers["Location"]).path
    assert re.fullmatch(r"/auftraege/\d+/", job_path), job_path
    page = session.get(base + job_path, timeout=10)
    assert page.status_code == 200 and "Stand" in page.text

    def finished():
        status = session.get(f"{base}{job_path}status/", timeout=10).json()
        return status if status["state"] in ("done", "failed") else None

    status = wait_for("the report job to finish", JOB_SECONDS, finished)
    assert status["state"] == "done", status
    report = session.get(base + status["result_url"], timeout=10)
    assert report.status_code == 200 and "SHA-256" in report.text
    pdf_link = re.search(r'href="(/berichte/\d+/pdf/)"', report.text).group(1)
    pdf = session.get(base + pdf_link, timeout=30)
    assert pdf.content.startswith(b"%PDF-"), pdf.content[:20]
    print(f"   report: {status['result_label']}, {len(pdf.content):,} bytes", flush=True)


def oidc_login(base: str, provider: str) -> None:
    sub = f"ci-{secrets.token_hex(4)}"
    requests.put(
        f"{provider}/users/{sub}",
        json={
            "preferred_username": "ci.person",
            "given_name": "Clara",
            "family_name": "Integration",
            "groups": ["kim-finanzen-leverkusen"],
        },
        timeout=10,
    ).raise_for_status()
    browser = requests.Session()
    page = browser.get(f"{base}/login/", timeout=10)
    button = re.search(r'id="oidc-login" href="([^"]+)"', page.text)
    assert button, "no OIDC button on the login page"
    form = browser.get(base + button.group(1), timeout=10)
    assert form.url.startswith(provider), form.url
    home = browser.post(form.url, data={"sub": sub}, timeout=30)
    assert home.status_code == 200, home.status_code
    assert "Clara Integration" in home.text and "Finanzverwaltung" in home.text


def main() -> int:
    import oidc_provider_mock

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"{PG}/{DB_NAME}"
    psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB_NAME}"' + (f' TEMPLATE "{TEMPLATE}"' if TEMPLATE else ""))
    server = None
    try:
        with oidc_provider_mock.run_server_in_thread(port=0) as provider_server:
            provider = f"http://127.0.0.1:{provider_server.server_port}"
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
                OIDC_RP_CLIENT_ID="kim-admin",
                OIDC_RP_CLIENT_SECRET="ci-secret",
                OIDC_OP_AUTHORIZATION_ENDPOINT=f"{provider}/oauth2/authorize",
                OIDC_OP_TOKEN_ENDPOINT=f"{provider}/oauth2/token",
                OIDC_OP_USER_ENDPOINT=f"{provider}/userinfo",
                OIDC_OP_JWKS_ENDPOINT=f"{provider}/jwks",
                OIDC_OP_LOGOUT_ENDPOINT=f"{provider}/oauth2/end_session",
                OIDC_VERIFY_KID="0",
            )
            python = str(ROOT / ".venv" / "bin" / "python")
            if TEMPLATE:
                step(f"the database: a copy of {TEMPLATE} (migrated, with the demo data)")
            else:
                step("migrate and load the demo data (DEBUG=0, PostgreSQL)")
                for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
                    subprocess.run(
                        [python, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
                    )
            step(f"make serve on {base}")
            server = subprocess.Popen(["make", "serve"], cwd=ROOT, env=env, start_new_session=True)

            def healthy():
                if server.poll() is not None:
                    raise SystemExit(f"FAILED: make serve ended with {server.returncode}")
                response = requests.get(f"{base}/healthz", timeout=5)
                return response.status_code == 200 and response.json()

            health = wait_for("/healthz to answer 200", STARTUP_SECONDS, healthy)
            assert health == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}
            step("/healthz: 200")
            session = requests.Session()
            home = login(session, base, "finanzen")
            check_stylesheet(session, base, home)
            assert "Leverkusen" in home
            step("login and home page with their compressed, hashed style sheet")
            publish_report(session, base)
            step("a report published through the job queue")
            oidc_login(base, provider)
            step("sign-in through the OpenID Connect provider")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    print("serve check: 4 passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load benchmarks against the app as `make serve` runs it (gunicorn with gunicorn.conf.py,
DEBUG=0, whitenoise, the job worker), on a copy of the bench database
(``BENCH_DATABASE_URL``; PostgreSQL where it points to one) with a recipient of 1,500
positions added. Registered in ``bench.__main__``'s registry.

``load_browse_p95``: 20 logged-in clients for 60 s, each in turn asking for the home page,
``/stellen/``, ``/api/positions/`` and ``/api/overview/`` of that recipient and, as another
(anonymous) visitor, the login page: the p95 of the four pages over the p95 of the login page
in the same run. Goal: at most 10, no errors.

``load_with_reports_p95``: four clients asking for the login page, first alone, then while
four positions reports of the 1,500 positions are made through ``POST /api/reports/`` (the job
worker renders them): the login page's p95 with the reports over its p95 without. Goal: at
most 2, no errors, no gunicorn worker timeout, each report stored once. The notes give the
peak memory (VmHWM) of the web workers and of the job worker before and after.

Everything runs on this machine's loopback; the requests are bounded in time, and the
processes and the database copy are removed at the end.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def _host():
    main = sys.modules.get("__main__")
    if main is not None and hasattr(main, "BENCHMARKS") and hasattr(main, "benchmark"):
        return main
    import bench.__main__ as host

    return host


host = _host()

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLIENTS = 20
BROWSE_SECONDS = 60
LOGIN_CLIENTS = 4
BASELINE_SECONDS = 20
REPORTS = 4
REPORT_DEADLINE = 20 * 60
PASSWORD = "bench-load-2024"

PREPARE = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import Group
from bench import dataset
from kim_admin.models import User
from staffing.models import PositionCost
recipient = dataset.add_big_recipient(dataset.Params(positions=1500))
user = User.objects.create_user("bench-load", password=sys.argv[1], organisation=recipient)
user.groups.add(Group.objects.get(name="finance"))
years = sorted(set(PositionCost.objects.filter(position__recipient=recipient)
    .values_list("year", flat=True)))
print(json.dumps({"slug": recipient.slug, "years": years}))
"""

COUNT_REPORTS = """
import json, sys
import django
django.setup()
from reports.models import PublishedReport
numbers = sys.argv[1:]
print(json.dumps({n: PublishedReport.objects.filter(file_number=n).count() for n in numbers}))
"""


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount = line.split(":", 1)
                values[key] = int(amount.split()[0]) // 1024
    except OSError:
        return (0, 0)
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


@dataclass
class Samples:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def all_of(self, kinds) -> list[float]:
        return [t for kind in kinds for t in self.times.get(kind, [])]


class Server:
    """A database copy, gunicorn and the job worker: set up once for both benchmarks."""

    instance: Server | None = None

    def __init__(self):
        from django.db import connection

        self.vendor = connection.vendor
        self.settings = dict(connection.settings_dict)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="kim-load-"))
        self.processes: list[subprocess.Popen] = []
        self.copy_url = ""
        self.copy_name = ""

    @classmethod
    def get(cls) -> Server:
        if cls.instance is None:
            cls.instance = cls()
            atexit.register(cls.instance.stop)
            cls.instance.start()
        return cls.instance

    # --- the database copy ------------------------------------------------------------------

    def _copy_database(self) -> None:
        from django.db import connections

        connections.close_all()
        if self.vendor == "sqlite":
            target = self.tmp / "load.sqlite3"
            with sqlite3.connect(self.settings["NAME"]) as source, sqlite3.connect(target) as copy:
                source.backup(copy)
            source.close()
            copy.close()
            self.copy_url = f"sqlite:///{target}"
            return
        import psycopg

        self.copy_name = f"{self.settings['NAME']}_load"
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.copy_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.copy_name}" TEMPLATE "{self.settings["NAME"]}"')
        user = self.settings.get("USER") or "postgres"
        password = f":{self.settings['PASSWORD']}" if self.settings.get("PASSWORD") else ""
        host = self.settings.get("HOST") or "127.0.0.1"
        port = self.settings.get("PORT") or 5432
        self.copy_url = f"postgres://{user}{password}@{host}:{port}/{self.copy_name}"

    def _conninfo(self, dbname: str) -> str:
        parts = {"dbname": dbname}
        for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user")):
            if self.settings.get(key):
                parts[name] = str(self.settings[key])
        if self.settings.get("PASSWORD"):
            parts["password"] = self.settings["PASSWORD"]
        return " ".join(f"{k}={v}" for k, v in parts.items())

    # --- processes --------------------------------------------------------------------------

    def env(self, debug: bool = False) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="kim_admin.settings",
            DATABASE_URL=self.copy_url,
            DEBUG="1" if debug else "0",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL=self.base,
            BIND=f"127.0.0.1:{self.port}",
            STATIC_ROOT=str(self.tmp / "static"),
            KIM_ENV_FILE="/nonexistent",
            LOG_LEVEL="WARNING",
            REQUEST_LOG_LEVEL="WARNING",
            # One user stands for 20 clients: the benchmark measures latency, not the
            # throttle that keeps a single script within bounds.
            API_THROTTLE_USER="1000000/minute",
        )
        return env

    def _run(self, code_or_args: list[str], debug=True, timeout=900) -> str:
        done = subprocess.run(
            [PYTHON, *code_or_args],
            cwd=ROOT,
            env=self.env(debug),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"load benchmark: {' '.join(code_or_args)[:60]} failed:\n{done.stderr}"
            )
        return done.stdout

    def start(self) -> None:
        started = time.perf_counter()
        self._copy_database()
        prepared = json.loads(self._run(["-c", PREPARE, PASSWORD]).strip().splitlines()[-1])
        self.slug, self.years = prepared["slug"], prepared["years"]
        self.year = self.years[len(self.years) // 2]
        self._run(["manage.py", "collectstatic", "--noinput", "-v0"], debug=False)
        self.prepared_in = time.perf_counter() - started
        self.gunicorn_log = open(self.tmp / "gunicorn.log", "w")  # noqa: SIM115
        self.worker_log = open(self.tmp / "worker.log", "w")  # noqa: SIM115
        self.gunicorn = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env() | {"GUNICORN_LOG_LEVEL": "warning"},
            stdout=self.gunicorn_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(
            [PYTHON, "manage.py", "run_worker", "--no-reload", "--name", "bench-load"],
            cwd=ROOT,
            env=self.env(),
            stdout=self.worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes = [self.gunicorn, self.worker]
        import requests

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"gunicorn ended: {(self.tmp / 'gunicorn.log').read_text()}")
            time.sleep(0.5)
        else:
            raise SystemExit("load benchmark: the server did not answer /healthz in 120 s")
        self.session_cookies = self._login()

    def _login(self):
        import requests

        session = requests.Session()
        page = session.get(f"{self.base}/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        home = session.post(
            f"{self.base}/login/",
            data={"username": "bench-load", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/login/"},
            timeout=60,
        )
        if home.status_code != 200 or "/login/" in home.url:
            raise SystemExit(f"load benchmark: login failed ({home.status_code} {home.url})")
        return session.cookies

    def web_workers(self) -> list[int]:
        return _children(self.gunicorn.pid)

    def worker_timeouts(self) -> int:
        self.gunicorn_log.flush()
        return (self.tmp / "gunicorn.log").read_text().count("WORKER TIMEOUT")

    def count_reports(self, numbers: list[str]) -> dict:
        return json.loads(self._run(["-c", COUNT_REPORTS, *numbers]).strip().splitlines()[-1])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes = []
        for log in (getattr(self, "gunicorn_log", None), getattr(self, "worker_log", None)):
            if log is not None:
                log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.copy_name:
            import psycopg

            with psycopg.connect(self._conninfo("postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.copy_name}" WITH (FORCE)')
            self.copy_name = ""


def _client_loop(server: Server, samples: Samples, urls, stop_at: float, with_login: bool):
    import requests

    session = requests.Session()
    session.cookies.update(server.session_cookies)
    anonymous = requests.Session()
    index = 0
    while time.monotonic() < stop_at:
        targets = []
        if urls:
            targets.append((urls[index % len(urls)], session))
            index += 1
        if with_login:
            targets.append((("login", "/login/"), anonymous))
        for (kind, path), client in targets:
            started = time.perf_counter()
            try:
                response = client.get(server.base + path, timeout=60)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    samples.error(f"{path}: {response.status_code}")
                    continue
            except requests.RequestException as error:
                samples.error(f"{path}: {type(error).__name__}")
                continue
            samples.add(kind, elapsed)


def _run_clients(server, samples, clients, seconds, urls, with_login):
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client_loop, args=(server, samples, urls, stop_at, with_login), daemon=True
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)


def _machine_note() -> str:
    load = os.getloadavg()
    return f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs"


@host.benchmark("load_browse_p95")
def load_browse(ctx):
    server = Server.get()
    urls = [
        ("home", f"/?recipient={server.slug}&year={server.year}"),
        ("positions", "/stellen/"),
        ("api_positions", "/api/positions/"),
        ("api_overview", f"/api/overview/?recipient={server.slug}&year={server.year}"),
    ]
    samples = Samples()
    _run_clients(server, samples, CLIENTS, BROWSE_SECONDS, urls, with_login=True)
    pages = samples.all_of([kind for kind, _path in urls])
    login = samples.times.get("login", [])
    if not pages or not login:
        return host.Result([], skipped=f"no answers: {samples.errors[:5]}")
    timings = [
        host.Timing("pages.p95", p95(pages), len(pages), stat="p95"),
        host.Timing("login.p95", p95(login), len(login), stat="p95"),
    ]
    timings += [
        host.Timing(f"{kind}.p95", p95(samples.times[kind]), len(samples.times[kind]), stat="p95")
        for kind, _path in urls
        if samples.times.get(kind)
    ]
    total = len(pages) + len(login)
    notes = [
        f"  {CLIENTS} clients, {BROWSE_SECONDS} s, {server.base} (gunicorn.conf.py, DEBUG=0, "
        f"{server.vendor}); {total} answers ({total / BROWSE_SECONDS:.1f}/s), "
        f"{len(samples.errors)} errors {samples.errors[:3]}",
        f"  recipient {server.slug} with 1,500 positions, year {server.year}; prepared in "
        f"{server.prepared_in:.0f} s",
        _machine_note(),
    ]
    return host.Result(timings, notes)


@host.benchmark("load_with_reports_p95")
def load_with_reports(ctx):
    import requests

    server = Server.get()
    baseline = Samples()
    _run_clients(server, baseline, LOGIN_CLIENTS, BASELINE_SECONDS, [], with_login=True)
    before = {pid: _memory(pid) for pid in server.web_workers()}
    worker_before = _memory(server.worker.pid)

    token = requests.post(
        f"{server.base}/api/auth/token/",
        data={"username": "bench-load", "password": PASSWORD},
        timeout=60,
    ).json()["token"]
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    numbers = [f"LOAD/{secrets.token_hex(3)}/{n}" for n in range(REPORTS)]
    status_urls, post_times = [], []
    during = Samples()
    state: dict = {}

    def reports():
        for number in numbers:
            started = time.perf_counter()
            response = api.post(
                f"{server.base}/api/reports/",
                json={
                    "kind": "positions",
                    "recipient": server.slug,
                    "year": server.year,
                    "header": {"body": "Bench", "file_number": number, "subject": "Last"},
                },
                timeout=120,
            )
            post_times.append(time.perf_counter() - started)
            if response.status_code not in (201, 202):
                during.error(f"POST /api/reports/: {response.status_code} {response.text[:200]}")
                continue
            status_urls.append(response.json()["job"]["status_url"])
        started = time.monotonic()
        while time.monotonic() - started < REPORT_DEADLINE:
            states = [api.get(url, timeout=30).json()["state"] for url in status_urls]
            if all(s in ("done", "failed") for s in states):
                break
            time.sleep(2)
        state["states"] = states
        state["seconds"] = time.monotonic() - started

    # The login clients run until the four reports are done (the deadline bounds them).
    clients_stop = time.monotonic() + REPORT_DEADLINE + 60
    threads = []
    stop_flag = threading.Event()

    def login_loop():
        anonymous = requests.Session()
        while not stop_flag.is_set() and time.monotonic() < clients_stop:
            started = time.perf_counter()
            try:
                response = anonymous.get(f"{server.base}/login/", timeout=60)
                if response.status_code != 200:
                    during.error(f"/login/: {response.status_code}")
                    continue
            except requests.RequestException as error:
                during.error(f"/login/: {type(error).__name__}")
                continue
            during.add("login", time.perf_counter() - started)

    for _ in range(LOGIN_CLIENTS):
        thread = threading.Thread(target=login_loop, daemon=True)
        thread.start()
        threads.append(thread)
    reports()
    stop_flag.set()
    for thread in threads:
        thread.join(timeout=120)

    after = {pid: _memory(pid) for pid in server.web_workers()}
    worker_after = _memory(server.worker.pid)
    stored = server.count_reports(numbers)
    base_login, with_reports = baseline.times.get("login", []), during.times.get("login", [])
    if not base_login or not with_reports:
        return host.Result([], skipped=f"no answers: {baseline.errors[:3]} {during.errors[:3]}")
    timings = [
        host.Timing("login_with_reports.p95", p95(with_reports), len(with_reports), stat="p95"),
        host.Timing("login_alone.p95", p95(base_login), len(base_login), stat="p95"),
        host.Timing("post_report.max", max(post_times or [0]), len(post_times), stat="max"),
    ]

    def mb(values):
        return ", ".join(f"{rss}/{hwm}" for rss, hwm in values) or "-"

    notes = [
        f"  {REPORTS} positions reports of 1,500 positions ({server.slug} {server.year}) in "
        f"{state.get('seconds', 0):.0f} s: {state.get('states')}; stored per report: "
        f"{sorted(stored.values())} (each once: {all(v == 1 for v in stored.values())})",
        f"  errors: {len(baseline.errors) + len(during.errors)} "
        f"{(baseline.errors + during.errors)[:3]}; gunicorn worker timeouts: "
        f"{server.worker_timeouts()}",
        f"  web workers RSS/peak MB before: {mb(before.values())}; after: {mb(after.values())}",
        f"  job worker RSS/peak MB before: {worker_before[0]}/{worker_before[1]}; after: "
        f"{worker_after[0]}/{worker_after[1]}",
        _machine_note(),
    ]
    return host.Result(timings, notes)

"""``python -m bench`` (``make bench``): state-scale benchmarks of kim-admin.

Each benchmark is a function registered with ``@benchmark("name")`` that returns a
:class:`Result`: the measured times and the ratio of the first to the second (the code under
test against a lower bound for the same work). The output has one line per figure::

    ratio state_overview = 115.31
      state_overview: 0.1499 s (median of 5), 15 queries
      raw_sql_aggregate: 0.0013 s (median of 5)

Later benchmarks add more ``ratio <name> = <number>`` blocks the same way. Options: ``--help``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import dataset, db


@dataclass(frozen=True)
class Context:
    year: int
    runs: int
    # ``--profile``: a benchmark whose data exist only while it runs profiles itself.
    profile: bool = False
    top: int = 25


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: float
    runs: int
    queries: int | None = None
    # What the figure is of its runs: the median, or e.g. the p95 of a load test's answers.
    stat: str = "median"

    def line(self) -> str:
        text = f"  {self.name}: {self.seconds:.4f} s ({self.stat} of {self.runs})"
        if self.queries is not None:
            text += f", {self.queries} queries"
        return text


@dataclass
class Result:
    """``timings[0]`` over ``timings[1]`` is the ratio; further timings are details."""

    timings: list[Timing]
    notes: list[str] = field(default_factory=list)
    # What ``--profile`` runs under cProfile.
    profile_target: Callable[[], object] | None = None
    # Why the benchmark could not run (then there are no timings).
    skipped: str | None = None

    @property
    def ratio(self) -> float:
        return self.timings[0].seconds / self.timings[1].seconds


BENCHMARKS: dict[str, Callable[[Context], Result]] = {}


def benchmark(name: str):
    def register(fn: Callable[[Context], Result]):
        BENCHMARKS[name] = fn
        return fn

    return register


def medians_in_turns(*fns: Callable[[], object], runs: int) -> list[tuple[float, float]]:
    """For each function, its median wall time and median CPU time of this process over
    ``runs`` calls, after one untimed warm-up call of each. CPU time includes SQLite
    (in-process) but not a database server.

    Several functions (a ratio's two sides) are timed in turns (first, second, first, ...): a
    stretch of the machine being slow or busy (other processes, a changing clock rate) then
    falls on all of them alike, not on one. Measured one after the other, the same code gave
    ratios from 2.6 to 4.2 on one machine."""
    for fn in fns:
        fn()
    times = [([], []) for _fn in fns]
    for _ in range(runs):
        for fn, (wall, cpu) in zip(fns, times, strict=True):
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return [(statistics.median(wall), statistics.median(cpu)) for wall, cpu in times]


def median_times(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``runs`` calls (``medians_in_turns``)."""
    return medians_in_turns(fn, runs=runs)[0]


def median_time(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, after one untimed warm-up call."""
    return median_times(fn, runs)[0]


def captured_queries(fn: Callable[[], object]) -> list[dict]:
    """The queries of ``fn``. The connection's query log (9,000 entries) is emptied first:
    once full (after building data for a benchmark), it captures nothing."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        fn()
    return captured.captured_queries


def count_queries(fn: Callable[[], object]) -> int:
    return len(captured_queries(fn))


# --- Benchmarks ------------------------------------------------------------------------------


@benchmark("state_overview")
def state_overview(ctx: Context) -> Result:
    """The yearly overview of all 53 recipients (selector + engine) against replaying the
    loader's own SQL statements on a raw cursor: the same rows fetched, no ORM, no engine
    (issue 14: a fair lower bound). The former lower bound, one SQL ``GROUP BY`` that adds
    all cost rows of every status and computes nothing, stays as a detail line."""
    from django.db import connection

    from carriers.models import Organisation
    from funding.calculations import compute_year
    from funding.models import BuildingBlock
    from funding.selectors import year_plans
    from staffing.models import Position, PositionCost

    def recipients():
        return list(Organisation.objects.recipients().order_by("pk"))

    def overview(year=ctx.year, subset=None):
        plans = year_plans(subset if subset is not None else recipients(), year)
        return [compute_year(plan) for plan in plans.values()]

    cost, position, block = (
        PositionCost._meta.db_table,
        Position._meta.db_table,
        BuildingBlock._meta.db_table,
    )
    sql = (
        "SELECT p.recipient_id, b.number, SUM(c.employer_gross + c.material + c.one_off) "
        f"FROM {cost} c JOIN {position} p ON p.id = c.position_id "
        f"JOIN {block} b ON b.id = p.block_id "
        "WHERE c.year = %s AND p.scenario_id IS NULL "
        "GROUP BY p.recipient_id, b.number"
    )

    def raw_sql_aggregate():
        with connection.cursor() as cursor:
            cursor.execute(sql, [ctx.year])
            return cursor.fetchall()

    everyone = recipients()
    plans = year_plans(everyone, ctx.year)

    # The loader's statements as the database received them (parameters in place).
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as loader:
        overview()
    statements = [q["sql"] for q in loader.captured_queries]

    def replay_loader_sql():
        rows = 0
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows += len(cursor.fetchall())
        return rows

    (wall, cpu), (replay_wall, replay_cpu) = medians_in_turns(
        overview, replay_loader_sql, runs=ctx.runs
    )
    timings = [
        Timing("state_overview", wall, ctx.runs, count_queries(overview)),
        Timing("replay_loader_sql", replay_wall, ctx.runs, len(statements)),
        Timing("replay_loader_sql.cpu_time", replay_cpu, ctx.runs),
        Timing("raw_sql_aggregate", median_time(raw_sql_aggregate, ctx.runs), ctx.runs),
        Timing(
            "state_overview.year_plans",
            median_time(lambda: year_plans(recipients(), ctx.year), ctx.runs),
            ctx.runs,
        ),
        Timing(
            "state_overview.compute_year",
            median_time(lambda: [compute_year(p) for p in plans.values()], ctx.runs),
            ctx.runs,
        ),
        # Less sensitive to other processes on a busy machine than the wall times.
        Timing("state_overview.cpu_time", cpu, ctx.runs),
    ]

    # The selector's query count must not grow with the number of positions it loads.
    def loaded_and_queries(subset, year):
        positions = sum(len(p.positions) for p in year_plans(subset, year).values())
        return positions, count_queries(lambda: year_plans(subset, year))

    checks = [
        (f"{label} {year}", *loaded_and_queries(subset, year))
        for label, subset, year in [
            ("1 recipient", everyone[:1], ctx.year),
            ("10 recipients", everyone[:10], ctx.year),
            (f"{len(everyone)} recipients", everyone, 2021),
            (f"{len(everyone)} recipients", everyone, ctx.year),
        ]
    ]
    verdict = "constant" if len({q for _l, _p, q in checks}) == 1 else "NOT constant"
    notes = [
        f"  year_plans queries {verdict}: "
        + "; ".join(f"{label}, {n} positions: {q}" for label, n, q in checks)
    ]
    no_split = Organisation.objects.recipients().filter(cost_splits__isnull=True)
    if no_split.exists():
        n, q = loaded_and_queries([no_split.order_by("pk").first()], ctx.year)
        notes.append(
            f"  year_plans queries without any cost split in scope: {q} ({n} positions; "
            "Django skips the queries whose IN list is empty)"
        )
    return Result(timings, notes, profile_target=overview)


POSITION_LIST_POSITIONS = 1500


@benchmark("position_list")
def position_list(ctx: Context) -> Result:
    """Server time of the HTML position list (GET /stellen/) of one recipient with 1,500
    positions, logged in as its finance user, against a minimal view that returns the same
    rows with ``.values()`` (``bench.views``), both through the test client and the same
    middleware. The recipient is added to the data set for the benchmark and rolled back."""
    import re

    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from kim_admin.models import User
    from staffing.models import Position

    # The bench's URLs and the test client's host allowed (DEBUG is off: ``main``).
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "*"]):
        try:
            url = reverse("staffing:position_list")
        except NoReverseMatch:
            return Result([], skipped="position list not available")
        baseline_url = reverse("bench_position_values")

        with transaction.atomic():
            started = time.perf_counter()
            params = dataset.Params(positions=POSITION_LIST_POSITIONS)
            recipient = dataset.add_big_recipient(params)
            added = time.perf_counter() - started
            user = User.objects.create(username="bench-finanzen", organisation=recipient)
            user.groups.add(Group.objects.get(name="finance"))
            client = Client()
            client.force_login(user)

            def page():
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url} answered {response.status_code}")
                return response

            # The rows the page shows: its year (the selected one), its count, its page.
            html = page().content.decode()
            tbody = html.split("<tbody", 1)[-1].split("</tbody>", 1)[0]
            shown = len(re.findall(r"<tr[\s>]", tbody))
            count = re.search(r"([\d.]+)\s+Einträge", html)
            year = re.search(r'name="year".*?<option value="(\d{4})" selected', html, re.S)
            year = int(year.group(1)) if year else timezone.localdate().year

            def values_view():
                return client.get(baseline_url, {"year": year, "limit": shown})

            baseline = values_view().json()
            (wall, cpu), (baseline_wall, baseline_cpu) = medians_in_turns(
                page, values_view, runs=ctx.runs
            )
            timings = [
                Timing("position_list", wall, ctx.runs, count_queries(page)),
                Timing("values_view", baseline_wall, ctx.runs, count_queries(values_view)),
                Timing(
                    "values_view.all_rows",
                    median_time(lambda: client.get(baseline_url, {"year": year}), ctx.runs),
                    ctx.runs,
                ),
                # Less sensitive to other processes on a busy machine than the wall times.
                Timing("position_list.cpu_time", cpu, ctx.runs),
                Timing("values_view.cpu_time", baseline_cpu, ctx.runs),
            ]
            total = Position.objects.filter(recipient=recipient).count()
            notes = [
                f"  {recipient.name}: {total} positions (added in {added:.1f} s, rolled back); "
                f'GET {url} for {year}: "{count.group(0) if count else "?"}", {shown} rows '
                f"on the page; values_view: {baseline['count']} in {year}, "
                f"{len(baseline['rows'])} rows"
            ]
            # Where the database time goes: the slowest queries of one request.
            with CaptureQueriesContext(connection) as captured:
                page()
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
            notes += [
                f"  slow query {float(q['time']):.4f} s: {' '.join(q['sql'].split())[:110]} …"
                for q in slowest
            ]
            if ctx.profile:  # here: the recipient is gone once the benchmark returns
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    profile(page, ctx.top)
                notes += out.getvalue().rstrip("\n").splitlines()
            transaction.set_rollback(True)
    return Result(timings, notes)


@benchmark("position_page_scaling")
def position_page_scaling(ctx: Context) -> Result:
    """Server time of a position page (GET /stellen/<id>/) of a recipient with 1,500 positions
    against one of a recipient with few (the data set's recipient closest to 13), each as
    its finance user: the page computes only what the position depends on, so the ratio
    stays near 1 (goal: at most 2). The big recipient is added and rolled back."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from carriers.models import Organisation
    from kim_admin.models import User
    from staffing.models import Position

    with (
        override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "*"]),
        transaction.atomic(),
    ):
        big = dataset.add_big_recipient(dataset.Params(positions=POSITION_LIST_POSITIONS))
        counted = (
            Organisation.objects.recipients()
            .exclude(pk=big.pk)
            .annotate(n=Count("funded_positions", filter=Q(funded_positions__scenario=None)))
            .filter(n__gt=0)
        )
        small = min(counted, key=lambda r: (abs(r.n - 13), r.pk))
        finance = Group.objects.get(name="finance")
        pages = []
        for recipient in (big, small):
            user = User.objects.create(
                username=f"bench-stelle-{recipient.pk}", organisation=recipient
            )
            user.groups.add(finance)
            client = Client()
            client.force_login(user)
            position = (
                Position.objects.filter(recipient=recipient, scenario=None).order_by("pk").first()
            )
            url = reverse("staffing:position_detail", args=[position.pk])

            def page(client=client, url=url):
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url} answered {response.status_code}")
                return response

            page()
            pages.append((recipient, url, page))
        (big_r, big_url, big_page), (small_r, small_url, small_page) = pages
        (big_wall, big_cpu), (small_wall, small_cpu) = medians_in_turns(
            big_page, small_page, runs=ctx.runs
        )
        timings = [
            Timing("position_page_big", big_wall, ctx.runs, count_queries(big_page)),
            Timing("position_page_small", small_wall, ctx.runs, count_queries(small_page)),
            Timing("position_page_big.cpu_time", big_cpu, ctx.runs),
            Timing("position_page_small.cpu_time", small_cpu, ctx.runs),
        ]
        n_big = Position.objects.filter(recipient=big_r, scenario=None).count()
        n_small = Position.objects.filter(recipient=small_r, scenario=None).count()
        notes = [
            f"  {big_r.name}: {n_big} positions, GET {big_url}; "
            f"{small_r.name}: {n_small} positions, GET {small_url}"
        ]
        transaction.set_rollback(True)
    return Result(timings, notes)


@benchmark("scenario_compare")
def scenario_compare(ctx: Context) -> Result:
    """The baseline against four scenarios over ten years (bench/scenarios.py)."""
    from bench import scenarios

    return scenarios.scenario_compare(ctx, sys.modules[__name__])


@benchmark("projection")
def projection(ctx: Context) -> Result:
    """The largest recipient's plan projected over ten years (bench/scenarios.py)."""
    from bench import scenarios

    return scenarios.projection(ctx, sys.modules[__name__])


# The council reports' benchmarks register themselves with ``benchmark`` above.
# The load benchmarks against the app as `make serve` runs it (gunicorn, the job worker).
from bench import load as _load  # noqa: E402, F401
from bench import reports as _reports  # noqa: E402, F401

# --- Running ---------------------------------------------------------------------------------


def profile(target: Callable[[], object], top: int) -> None:
    import cProfile
    import pstats

    target()  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    target()
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"  --- profile by {order} ---")
        print("\n".join("  " + line for line in out.getvalue().splitlines() if line.strip()))


def main(argv: list[str] | None = None) -> int:
    defaults = dataset.Params()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="build the data set anew")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--year", type=int, default=2024, help="year of the overview")
    parser.add_argument(
        "--positions", type=int, default=defaults.positions, help="size of the data set"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="of the data set")
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--profile", action="store_true", help="print cProfile hotspots too")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    params = dataset.Params(seed=args.seed, positions=args.positions)
    # Another size or seed gets its own file, so the default data set stays.
    db.configure("" if params == defaults else f"-{params.positions}-{params.seed}")
    import django

    django.setup()

    generated, seconds = db.prepare(params.stamp, args.regenerate, lambda: dataset.generate(params))
    state = f"generated in {seconds:.1f} s" if generated else "reused"
    print(f"data set: {db.describe()} ({state}; {params.stamp})")
    for name, value in dataset.sizes().items():
        print(f"  {name}: {value}")
    cpus, load = os.cpu_count() or 1, os.getloadavg()[0]
    busy = " (busy: wall times are noisy, compare the cpu_time lines)" if load > cpus else ""
    print(f"machine: {cpus} CPUs, load average {load:.2f}{busy}")

    from django.test.utils import override_settings

    ctx = Context(year=args.year, runs=args.runs, profile=args.profile, top=args.top)
    for name in names:
        # As in production: no debug templates and no query log. With DEBUG on (a checkout's
        # default) every statement went through the debug cursor, and SQLite quoted each
        # statement's parameters for the log (a query of its own): the overview's statements
        # carry parameters, their replay does not.
        with override_settings(DEBUG=False):
            result = BENCHMARKS[name](ctx)
            if result.skipped:
                print(f"{name} skipped: {result.skipped}")
                continue
            print(f"ratio {name} = {result.ratio:.2f}")
            for timing in result.timings:
                print(timing.line())
            for note in result.notes:
                print(note)
            if args.profile and result.profile_target is not None:
                profile(result.profile_target, args.top)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

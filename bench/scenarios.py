"""Benchmark ``scenario_compare``: the baseline against four scenarios over ten years.

On the state-scale data set, inside a transaction that is rolled back: the recipient with the
most positions gets the four scenarios of seed 000 (a copy, carriers lower their extra cost
by 30 %, carrier positions to the recipient, block 2 cut to half), then
``funding.scenarios.selectors.compare`` runs over 2021–2030. Its time is set against one plan
over the same ten years (selector + engine: the lower bound of one fifth of the work). The
query count is checked on the smallest and the largest recipient: it must not grow with the
number of positions.
"""

from __future__ import annotations

import time
from datetime import date


def _build_scenarios(recipient):
    from carriers.models import Organisation
    from funding.scenarios import services
    from staffing.models import Position

    built = [
        services.scenario_copy(
            recipient=recipient, name=f"Bench {i}", slug=f"bench-{i}", actor=None
        )
        for i in (1, 2, 3, 4)
    ]
    _one, two, three, four = built
    for carrier in Organisation.objects.filter(carrier_agreements__scenario=two).distinct():
        services.lower_carrier_extra_cost(scenario=two, carrier=carrier, percent=30, actor=None)
    if Position.objects.filter(scenario=three, employer__kind="carrier").exists():
        services.move_carrier_positions_to_recipient(scenario=three, actor=None)
    effective = date(2025, 1, 1)
    active = [
        p
        for p in Position.objects.filter(scenario=four, block__number=2)
        if p.end_date is None or p.end_date >= effective
    ]
    if len(active) > 1:
        services.cut_block(
            scenario=four, block=2, n_positions=len(active) // 2, effective=effective, actor=None
        )
    return built


def _recipients_by_size() -> list:
    """Recipients with positions, fewest first (``n``: their positions)."""
    from django.db.models import Count

    from carriers.models import Organisation

    return list(
        Organisation.objects.recipients()
        .annotate(n=Count("funded_positions"))
        .filter(n__gt=0)
        .order_by("n", "pk")
    )


def _pay_rise_loads(queries: list[dict]) -> int:
    """How many of ``queries`` load the programme's pay rises. The loader reads them once per
    plan that carries a year forward (``funding.selectors``): that depends on which years
    have figures, not on how many positions there are."""
    from funding.models import PayRise

    table = f'"{PayRise._meta.db_table}"'
    return sum(table in q["sql"] for q in queries)


def scenario_compare(ctx, harness):
    """``harness``: bench.__main__ (Result, Timing, medians_in_turns, captured_queries,
    count_queries)."""
    from django.db import transaction

    from funding.calculations import compute_year
    from funding.scenarios.selectors import compare
    from funding.selectors import multi_year_plans

    years = list(range(2021, 2031))
    ranked = _recipients_by_size()
    if not ranked:
        return harness.Result([], skipped="no recipient with positions")
    smallest, largest = ranked[0], ranked[-1]

    with transaction.atomic():
        started = time.perf_counter()
        scenarios = _build_scenarios(largest)
        built_in = time.perf_counter() - started
        small_scenarios = _build_scenarios(smallest)

        def run():
            return compare(largest, scenarios, years)

        def baseline_only():
            plans = multi_year_plans([largest], years)
            return [compute_year(plan) for plan in plans.values()]

        (wall, cpu), (baseline_wall, baseline_cpu) = harness.medians_in_turns(
            run, baseline_only, runs=ctx.runs
        )
        captured = harness.captured_queries(run)
        queries = len(captured)
        timings = [
            harness.Timing("scenario_compare", wall, ctx.runs, queries),
            harness.Timing(
                "baseline_only", baseline_wall, ctx.runs, harness.count_queries(baseline_only)
            ),
            harness.Timing("scenario_compare.cpu_time", cpu, ctx.runs),
            harness.Timing("baseline_only.cpu_time", baseline_cpu, ctx.runs),
        ]
        result = run()
        small = harness.captured_queries(lambda: compare(smallest, small_scenarios, years))
        small_queries, small_rises = len(small), _pay_rise_loads(small)
        rises = _pay_rise_loads(captured)
        # Constant means: not growing with the positions; the pay rises are read once per
        # plan that carries a year forward, whatever its size (``_pay_rise_loads``).
        verdict = "constant" if small_queries - small_rises == queries - rises else "NOT constant"
        notes = [
            f"  {largest.name}: {ranked[-1].n} positions in the real plan; four scenarios "
            f"built through the services in {built_in:.1f} s (rolled back)",
            f"  compare queries {verdict} apart from loading the pay rises (once per plan "
            f"that carries a year forward): {smallest.name} ({ranked[0].n} positions): "
            f"{small_queries} ({small_rises} of them the pay rises); {largest.name} "
            f"({ranked[-1].n} positions): {queries} ({rises} of them the pay rises)",
            "  savings 2021–2030 for the recipient: "
            + "; ".join(f"{p.label}: {p.saving_total}" for p in result.scenarios),
        ]
        transaction.set_rollback(True)
    return harness.Result(timings, notes, profile_target=None)


def projection(ctx, harness):
    """A projection of the largest recipient's plan over ten years (base 2025, to 2035) with
    the TVöD rises and the programme's end from 2030; queries against the smallest one."""
    from decimal import Decimal

    from django.db import transaction

    from funding.calculations import compute_year
    from funding.models import Projection, ProjectionPayRise
    from funding.projections.selectors import projection_result
    from funding.selectors import multi_year_plans

    ranked = _recipients_by_size()
    if not ranked:
        return harness.Result([], skipped="no recipient with positions")
    smallest, largest = ranked[0], ranked[-1]

    def make(recipient):
        made = Projection.objects.create(
            recipient=recipient,
            name="Bench",
            base_year=2025,
            last_year=2035,
            programme_end_year=2030,
        )
        for day, percent in ((date(2025, 4, 1), "3.0"), (date(2026, 5, 1), "2.8")):
            ProjectionPayRise.objects.create(
                projection=made, effective_from=day, percent=Decimal(percent)
            )
        return made

    with transaction.atomic():
        big, small = make(largest), make(smallest)
        queries = harness.count_queries(lambda: projection_result(big))
        small_queries = harness.count_queries(lambda: projection_result(small))
        result = projection_result(big)
        verdict = "constant" if small_queries == queries else "NOT constant"

        def plan_only():
            plans = multi_year_plans([largest], big.years)
            return [compute_year(plan) for plan in plans.values()]

        (wall, cpu), (plan_wall, plan_cpu) = harness.medians_in_turns(
            lambda: projection_result(big), plan_only, runs=ctx.runs
        )
        timings = [
            harness.Timing("projection", wall, ctx.runs, queries),
            # The plan alone over the same years: the projection adds its rules on top.
            harness.Timing("plan_only", plan_wall, ctx.runs, harness.count_queries(plan_only)),
            harness.Timing("projection.cpu_time", cpu, ctx.runs),
            harness.Timing("plan_only.cpu_time", plan_cpu, ctx.runs),
        ]
        notes = [
            f"  {largest.name}: {ranked[-1].n} positions, 2025–2035 with the programme's end "
            f"from 2030",
            f"  projection queries {verdict}: {smallest.name} ({ranked[0].n} positions): "
            f"{small_queries}; {largest.name}: {queries}",
            f"  own share 2035: {result.rows[-1].projected.own_share}",
        ]
        transaction.set_rollback(True)
    return harness.Result(timings, notes, profile_target=None)

"""Invariants of the cost engine over random plans (hypothesis).

- every amount is in whole cents;
- the bearers' shares sum to the own share, to the cent;
- blocks, employers and positions each sum to the totals;
- funding is never negative and, where the rate is capped, never above the eligible cost;
- funding + own share = total cost for every position.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding.calculations import (
    Amounts,
    CostFigures,
    Coverage,
    GrantBlock,
    Org,
    Period,
    PositionPlan,
    ProgrammeCostItem,
    Rate,
    Split,
    YearPlan,
    compute_year,
)
from funding.money import cents

YEAR = 2024
COUNTY = Org(1, "kreis", "Kreis", "county")
TOWNS = [Org(10 + i, f"t{i}", f"Gemeinde {i}", "town", D(f"{5 + i * 3}.5")) for i in range(6)]
CARRIERS = [Org(20 + i, f"c{i}", f"Trägerin {i}", "carrier") for i in range(3)]
EMPLOYERS = [COUNTY, *TOWNS[:3], *CARRIERS]

money = st.decimals(min_value=0, max_value=150_000, places=2, allow_nan=False)
fte = st.sampled_from([D("0.25"), D("0.5"), D("0.75"), D("1")])
day = st.dates(min_value=date(YEAR - 1, 6, 1), max_value=date(YEAR + 1, 6, 1))


@st.composite
def splits(draw):
    method = draw(st.sampled_from(["equal", "fixed_percent", "levy_share", "deployed_fte"]))
    members = draw(st.lists(st.sampled_from(TOWNS), min_size=1, max_size=6, unique=True))
    percents = [None] * len(members)
    if method == "fixed_percent":
        cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(members) - 1)))
        bounds = [0, *cuts, 100]
        percents = [D(bounds[i + 1] - bounds[i]) for i in range(len(members))]
    return Split(
        draw(st.integers(1, 3)), "Split", method, tuple(zip(members, percents, strict=True))
    )


@st.composite
def positions(draw, pid):
    size = draw(fte)
    start = draw(day)
    end = draw(st.none() | day.filter(lambda d: d >= start))
    occupancies = []
    for _ in range(draw(st.integers(0, 2))):
        o_start = draw(st.dates(min_value=start, max_value=start + timedelta(days=500)))
        o_end = draw(
            st.none() | st.dates(min_value=o_start, max_value=o_start + timedelta(days=700))
        )
        if end is not None:
            o_end = min(o_end or end, end)
            if o_end < o_start:
                continue
        occupancies.append(Period(o_start, o_end, draw(fte.filter(lambda f: f <= size))))
    employer = draw(st.sampled_from(EMPLOYERS))
    coverage = None
    if employer.kind == "carrier" and draw(st.booleans()):
        coverage = Coverage(
            draw(st.sampled_from(["all", "none", "percent", "flat_per_fte"])),
            draw(st.sampled_from([COUNTY, *TOWNS])),
            percent=draw(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)),
            flat_per_fte=draw(money),
        )
    cost = None
    if draw(st.booleans()):
        cost = CostFigures(
            employer_gross=draw(money),
            material=draw(money),
            overhead_rate=draw(st.none() | st.decimals(0, 40, places=2, allow_nan=False)),
            one_off=draw(money),
        )
    block, kind = draw(st.sampled_from([(1, "coordination"), (2, "case_management")]))
    served = ()
    if draw(st.booleans()):
        towns = draw(st.lists(st.sampled_from(TOWNS), min_size=1, max_size=3, unique=True))
        shares = [D(100) / len(towns)] * len(towns)
        served = tuple(zip(towns, shares, strict=True))
    return PositionPlan(
        id=pid,
        title=f"Stelle {pid}",
        block=block,
        funding_kind=kind,
        fte=size,
        employer=employer,
        start=start,
        end=end,
        occupancies=tuple(occupancies),
        cost=cost,
        cost_table_per_fte=draw(st.none() | money),
        served_towns=served,
        coverage=coverage,
        split=draw(st.none() | splits()),
    )


@st.composite
def plans(draw):
    n = draw(st.integers(0, 8))
    rates = (
        Rate("coordination", 1, D("55000"), date(2021, 1, 1), draw(st.booleans())),
        Rate("workplace_allowance", 1, D("9700"), date(2021, 1, 1), True),
        Rate("events_budget", 1, D("49000"), date(2021, 1, 1), draw(st.booleans())),
        Rate("case_management", 2, D("55000"), date(2021, 1, 1), True),
        Rate("case_management", 2, D("57000"), draw(day), draw(st.booleans())),
    )
    grant = draw(
        st.none()
        | st.just(
            (GrantBlock(1, D("2.5"), D("100000.00")), GrantBlock(2, D("4"), None)),
        )
    )
    programme = tuple(
        ProgrammeCostItem(1, "events", draw(money)) for _ in range(draw(st.integers(0, 2)))
    )
    # Positions sharing a split id must share the split itself.
    raw = [draw(positions(i)) for i in range(1, n + 1)]
    first_split = {}
    fixed = []
    for p in raw:
        if p.split is not None:
            s = first_split.setdefault(p.split.id, p.split)
            p = PositionPlan(**{**{f: getattr(p, f) for f in p.__slots__}, "split": s})
        fixed.append(p)
    return YearPlan(
        recipient=COUNTY,
        year=YEAR,
        positions=tuple(fixed),
        programme_costs=programme,
        rates=rates,
        grant_blocks=grant,
    )


def is_cents(value):
    return value == cents(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_engine_invariants(plan):
    overview = compute_year(plan)
    totals = overview.totals

    for value in totals.as_dict().values():
        assert is_cents(value)
    # The bearers' shares are in cents and sum to the own share exactly.
    assert all(is_cents(b.amount) for b in overview.by_bearer)
    assert sum((b.amount for b in overview.by_bearer), D(0)) == totals.own_share
    # Every view sums to the totals.
    assert sum((b.amounts for b in overview.by_block), Amounts()) == totals
    assert sum((g.amounts for g in overview.by_employer), Amounts()) == totals
    programme = sum((c.amount for c in plan.programme_costs), D(0))
    assert sum((r.amounts.personnel_cost for r in overview.positions), D(0)) == (
        totals.personnel_cost
    )
    assert totals.material_cost == programme
    for r in overview.positions:
        a = r.amounts
        assert a.funding_personnel >= 0 and a.funding_material >= 0
        assert a.funding + a.own_share == a.total_cost
        assert all(is_cents(amount) for _b, amount in r.bearer_parts)
        assert sum((amount for _b, amount in r.bearer_parts), D(0)) == a.own_share
        assert r.filled_fte_months <= r.position.fte * 12
        capped = all(rate.capped_at_cost for rate in plan.rates if rate.kind == "case_management")
        if capped and r.position.funding_kind == "case_management":
            assert a.funding_personnel <= r.employer_gross

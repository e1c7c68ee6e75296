"""The settlement rule (carriers.settlements.rules.settle_split): a settlement calculated by hand, the
refusals, and invariants over random plans (hypothesis)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.settlements.rules import SettlementError, settle_split
from funding.calculations import (
    CostFigures,
    Org,
    Period,
    PositionPlan,
    Rate,
    Split,
    YearPlan,
    compute_year,
)

YEAR = 2023
COUNTY = Org(1, "kreis", "Kreis", "county")
A = Org(11, "a", "Gemeinde A", "town")
B = Org(12, "b", "Gemeinde B", "town")
C = Org(13, "c", "Gemeinde C", "town")
RATE_55000 = Rate("case_management", 2, D("55000.00"), date(2023, 1, 1), True)


def plan(split, positions):
    return YearPlan(
        recipient=COUNTY,
        year=YEAR,
        positions=tuple(
            PositionPlan(
                id=i,
                title=f"Casemanagement {i}",
                block=2,
                funding_kind="case_management",
                fte=fte,
                employer=split.employer_town or A,
                start=date(2023, 1, 1),
                occupancies=(Period(date(2023, 1, 1), None, fte),),
                cost=cost,
                split=split,
            )
            for i, (fte, cost) in enumerate(positions, start=1)
        ),
        rates=(RATE_55000,),
    )


def test_one_position_three_towns_by_hand():
    """One 1.0 FTE position filled all year: employer gross 70,000.00, material 2,350.00,
    one-off 1,850.26, overhead 1,000.01; funded 55,000.00; towns A (employer), B, C equal.

    Each item / 3, rounded down to the cent, the cents left to the largest remainders (ties:
    the first town):
      employer gross 70,000.00 / 3 = 23,333.333… -> 23,333.34 | 23,333.33 | 23,333.33
      material        2,350.00 / 3 =    783.333… ->    783.34 |    783.33 |    783.33
      one-off         1,850.26 / 3 =    616.753… ->    616.76 |    616.75 |    616.75
      overhead        1,000.01 / 3 =    333.336… ->    333.34 |    333.34 |    333.33
      items                                     -> 25,066.78 | 25,066.75 | 25,066.74
    own share 75,200.27 − 55,000.00 = 20,200.27 / 3 = 6,733.423… -> 6,733.43 | 6,733.42 | 6,733.42
    funding share = items − own share -> 18,333.35 | 18,333.33 | 18,333.32 (sum 55,000.00)
    advances B 5,000.00, C 7,000.00 -> balance B 1,733.42, C −266.58 (refund); A is the
    employer town: no advances, no balance.
    """
    split = Split(7, "Region", "equal", ((A, None), (B, None), (C, None)), employer_town=A)
    cost = CostFigures(
        employer_gross=D("70000.00"),
        material=D("2350.00"),
        overhead_amount=D("1000.01"),
        one_off=D("1850.26"),
    )
    overview = compute_year(plan(split, [(D("1"), cost)]))
    result = settle_split(split, YEAR, overview.positions, {B.id: D("5000.00"), C.id: D("7000")})

    assert result.funding == D("55000.00")
    assert result.own_share == D("20200.27")
    assert result.items.total == D("75200.27")
    a, b, c = result.towns
    assert [t.items.employer_gross for t in (a, b, c)] == [
        D("23333.34"),
        D("23333.33"),
        D("23333.33"),
    ]
    assert [t.items.material for t in (a, b, c)] == [D("783.34"), D("783.33"), D("783.33")]
    assert [t.items.one_off for t in (a, b, c)] == [D("616.76"), D("616.75"), D("616.75")]
    assert [t.items.overhead for t in (a, b, c)] == [D("333.34"), D("333.34"), D("333.33")]
    assert [t.items.total for t in (a, b, c)] == [D("25066.78"), D("25066.75"), D("25066.74")]
    assert [t.own_share for t in (a, b, c)] == [D("6733.43"), D("6733.42"), D("6733.42")]
    assert [t.funding_share for t in (a, b, c)] == [
        D("18333.35"),
        D("18333.33"),
        D("18333.32"),
    ]
    assert [t.advances for t in (a, b, c)] == [D("0"), D("5000.00"), D("7000.00")]
    assert [t.balance for t in (a, b, c)] == [D("0"), D("1733.42"), D("-266.58")]
    assert a.is_employer_town and not b.is_employer_town
    # The engine's by-bearer figures are the own shares.
    assert {s.organisation.slug: s.amount for s in overview.by_bearer} == {
        "a": D("6733.43"),
        "b": D("6733.42"),
        "c": D("6733.42"),
    }


def test_fixed_percent_not_summing_to_100_is_refused():
    split = Split(7, "Region", "fixed_percent", ((A, D("50")), (B, D("30"))), employer_town=A)
    overview = compute_year(plan(split, [(D("1"), CostFigures(employer_gross=D("70000")))]))
    with pytest.raises(SettlementError) as info:
        settle_split(split, YEAR, overview.positions, {})
    assert info.value.field == "split"
    assert "80 % statt 100 %" in info.value.message


def test_split_without_positions_in_the_year_is_refused():
    split = Split(7, "Region", "equal", ((A, None), (B, None)), employer_town=A)
    with pytest.raises(SettlementError) as info:
        settle_split(split, YEAR, (), {})
    assert info.value.field == "year"


TOWNS = [Org(30 + i, f"t{i}", f"Gemeinde {i}", "town", D(f"{3 + i * 2}.25")) for i in range(6)]
CENT = D("0.01")
money = st.decimals(min_value=0, max_value=120_000, places=2, allow_nan=False)


@st.composite
def settlements(draw):
    method = draw(st.sampled_from(["equal", "fixed_percent", "levy_share"]))
    members = draw(st.lists(st.sampled_from(TOWNS), min_size=1, max_size=6, unique=True))
    percents = [None] * len(members)
    if method == "fixed_percent":
        n = len(members) - 1
        cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)))
        bounds = [0, *cuts, 100]
        percents = [D(bounds[i + 1] - bounds[i]) for i in range(len(members))]
    split = Split(
        5,
        "Region",
        method,
        tuple(zip(members, percents, strict=True)),
        employer_town=members[0],
    )
    costs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([D("0.5"), D("1")]),
                st.builds(
                    lambda g, m, o, x: CostFigures(
                        employer_gross=g, material=m, overhead_amount=o, one_off=x
                    ),
                    money,
                    money.map(lambda v: (v / 10).quantize(CENT)),
                    money.map(lambda v: (v / 20).quantize(CENT)),
                    money.map(lambda v: (v / 10).quantize(CENT)),
                ),
            ),
            min_size=1,
            max_size=4,
        )
    )
    advances = {t.id: draw(money) for t in members[1:] if draw(st.booleans())}
    return split, costs, advances


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settlements())
def test_town_shares_sum_to_the_items_and_the_own_share(case):
    split, costs, advances = case
    overview = compute_year(plan(split, costs))
    result = settle_split(split, YEAR, overview.positions, advances)
    towns = result.towns
    for item in ("employer_gross", "material", "one_off", "overhead"):
        assert sum(getattr(t.items, item) for t in towns) == getattr(result.items, item)
    assert sum(t.own_share for t in towns) == result.own_share == overview.totals.own_share
    assert sum(t.funding_share for t in towns) == result.funding == overview.totals.funding
    by_bearer = {s.organisation.id: s.amount for s in overview.by_bearer}
    for t in towns:
        assert t.own_share == by_bearer.get(t.town.id, D(0))
        assert t.items.total - t.funding_share == t.own_share
        for value in (t.own_share, t.funding_share, t.balance, *vars_of(t.items)):
            assert value == value.quantize(CENT)
        if t.is_employer_town:
            assert t.balance == 0 and t.advances == 0
        else:
            assert t.balance == t.own_share - advances.get(t.town.id, D(0))


def vars_of(items):
    return (items.employer_gross, items.material, items.one_off, items.overhead)

"""The projection rules (funding.projections.rules), pure: every expectation is worked out by hand in
the test from the TVöD rises of DOMAIN.md (+3.0 % from 01.04.2025, +2.8 % from 01.05.2026)."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from funding.calculations import CostFigures, Org, Period, PositionPlan, Rate, Split, YearPlan
from funding.projections.rules import (
    ADDED_ID_BASE,
    Assumptions,
    PayRise,
    PositionChange,
    compute_projection,
    pay_levels,
)

CITY = Org(1, "stadt", "Stadt", "city")
TOWNS = [Org(10 + i, f"gemeinde-{i}", f"Gemeinde {i}", "municipality") for i in range(3)]
RATE = Rate("case_management", 2, D("57000"), date(2023, 1, 1), False)
TVOED = (PayRise(date(2025, 4, 1), D("3.0")), PayRise(date(2026, 5, 1), D("2.8")))


def position(
    *,
    id=1,
    start=date(2024, 1, 1),
    occupied=date(2024, 1, 1),
    gross="60000.00",
    split=None,
    overhead_rate=D("20"),
):
    return PositionPlan(
        id=id,
        title=f"Casemanagement {id}",
        block=2,
        funding_kind="case_management",
        fte=D("1.00"),
        employer=CITY,
        start=start,
        occupancies=(Period(occupied, None, D("1.00")),),
        cost=CostFigures(
            employer_gross=D(gross), material=D("2400.00"), overhead_rate=overhead_rate
        ),
        split=split,
    )


def plans(positions, years=range(2024, 2029)):
    """The same positions each year; the base year's figures only matter (later years carry
    the 2024 figures as a plan would without a projection)."""
    return {
        year: YearPlan(recipient=CITY, year=year, positions=tuple(positions), rates=(RATE,))
        for year in years
    }


def test_pay_levels_take_effect_on_their_month():
    levels_2025 = pay_levels(TVOED, 2025)
    assert levels_2025 == [D(1)] * 3 + [D("1.03")] * 9
    levels_2026 = pay_levels(TVOED, 2026)
    assert levels_2026 == [D("1.03")] * 4 + [D("1.05884")] * 8  # 1.03 × 1.028


def test_rise_in_the_middle_of_a_month_counts_its_days():
    # +2 % from 16.04.2025: April has 30 days, 15 of them at the new level.
    levels = pay_levels([PayRise(date(2025, 4, 16), D("2"))], 2025)
    assert levels[3] == D("1.01")
    assert levels[4] == D("1.02")


def test_projected_costs_follow_the_rises_by_hand():
    assumptions = Assumptions(base_year=2024, last_year=2027, pay_rises=TVOED)
    result = compute_projection(plans([position()]), assumptions)

    # 2024 stays as planned: 60,000 + 2,400 + 20 % of 60,000.
    assert result[2024].totals.total_cost == D("74400.00")
    # 2025: 60,000 × (3 × 1 + 9 × 1.03) / 12 = 61,350.00; overhead 20 % = 12,270.00.
    p2025 = result[2025].positions[0]
    assert p2025.employer_gross == D("61350.00")
    assert p2025.overhead == D("12270.00")
    assert p2025.material == D("2400.00")
    assert p2025.cost_source == "projected"
    assert result[2025].totals.total_cost == D("76020.00")
    assert result[2025].totals.own_share == D("19020.00")  # minus 57,000 funding
    # 2026: 5,000 × (4 × 1.03 + 8 × 1.05884) = 62,953.60; overhead 12,590.72.
    assert result[2026].positions[0].employer_gross == D("62953.60")
    assert result[2026].totals.total_cost == D("77944.32")
    # 2027: 60,000 × 1.05884 = 63,530.40.
    assert result[2027].positions[0].employer_gross == D("63530.40")


def test_a_half_filled_base_year_is_carried_per_filled_month():
    # Planned 60,000 for the full year (issue 14), filled from 01.07.2024: 5,000 a month at
    # level 1, whichever months are filled.
    base = position(occupied=date(2024, 7, 1), gross="60000.00")
    result = compute_projection(
        plans([base]), Assumptions(base_year=2024, last_year=2025, pay_rises=TVOED)
    )
    assert result[2024].positions[0].employer_gross == D("30000.00")
    assert result[2025].positions[0].employer_gross == D("61350.00")
    # Material 2,400 planned for the full year: 200 a month, 2,400 in a full year.
    assert result[2025].positions[0].material == D("2400.00")


def test_programme_end_makes_everything_own_share_and_towns_share_equally():
    split = Split(id=7, name="Region", method="equal", members=tuple((t, None) for t in TOWNS))
    assumptions = Assumptions(
        base_year=2024, last_year=2027, pay_rises=TVOED, programme_end_year=2027
    )
    result = compute_projection(plans([position(split=split)]), assumptions)

    assert result[2026].totals.funding == D("57000.00")
    y2027 = result[2027]
    # 63,530.40 + 2,400 + 12,706.08 = 78,636.48, all of it own share.
    assert y2027.totals.funding == D("0")
    assert y2027.totals.own_share == D("78636.48")
    shares = {s.organisation.slug: s.amount for s in y2027.by_bearer}
    # 78,636.48 / 3 = 26,212.16 each, to the cent.
    assert shares == {t.slug: D("26212.16") for t in TOWNS}


def test_rate_change_and_position_changes():
    assumptions = Assumptions(
        base_year=2024,
        last_year=2026,
        rate_changes=(Rate("case_management", 2, D("60000"), date(2026, 1, 1), False),),
        position_changes=(
            PositionChange("end", 1, date(2025, 6, 30)),
            PositionChange("add", 1, date(2026, 1, 1), fte=D("0.50"), title="Neu", key=1),
        ),
    )
    result = compute_projection(plans([position()]), assumptions)

    # 2025: six months of position 1 at 5,000 (no rises): 30,000; funding 57,000 / 2.
    p2025 = result[2025].positions[0]
    assert p2025.employer_gross == D("30000.00")
    assert result[2025].totals.funding == D("28500.00")
    # 2026: position 1 is gone, the new 0.5 FTE position costs 12 × 0.5 × 5,000 = 30,000,
    # funded at the changed rate 60,000 × 0.5.
    [added] = result[2026].positions
    assert added.position.id == ADDED_ID_BASE - 1
    assert added.position.title == "Neu"
    assert added.employer_gross == D("30000.00")
    assert added.material == D("1200.00")
    assert result[2026].totals.funding == D("30000.00")


def test_actual_figures_of_a_closed_year_stay():
    closed = position()
    actual = CostFigures(employer_gross=D("50000.00"), source="actual")
    year_plans = plans([closed])
    year_plans[2025] = YearPlan(
        recipient=CITY,
        year=2025,
        positions=(PositionPlan(**{**_fields(closed), "cost": actual}),),
        rates=(RATE,),
    )
    result = compute_projection(year_plans, Assumptions(base_year=2024, last_year=2025))
    assert result[2025].positions[0].employer_gross == D("50000.00")


def _fields(plan: PositionPlan) -> dict:
    return {name: getattr(plan, name) for name in PositionPlan.__slots__}


@settings(max_examples=60, deadline=None)
@given(
    gross=st.decimals(min_value=1000, max_value=120000, places=2),
    rise=st.decimals(min_value=-20, max_value=20, places=1),
    month=st.integers(min_value=1, max_value=12),
    towns=st.integers(min_value=2, max_value=5),
    end_year=st.sampled_from([None, 2026, 2027]),
)
def test_bearers_always_sum_to_the_own_share(gross, rise, month, towns, end_year):
    members = tuple((Org(100 + i, f"t{i}", f"T{i}", "municipality"), None) for i in range(towns))
    split = Split(id=9, name="R", method="equal", members=members)
    own = position(id=1, gross=str(gross))
    shared = position(id=2, gross=str(gross), split=split, overhead_rate=None)
    assumptions = Assumptions(
        base_year=2024,
        last_year=2027,
        pay_rises=(PayRise(date(2025, month, 1), rise),),
        programme_end_year=end_year,
    )
    for overview in compute_projection(plans([own, shared]), assumptions).values():
        assert sum((s.amount for s in overview.by_bearer), D(0)) == overview.totals.own_share
        parts = [a for p in overview.positions if p.position.id == 2 for _k, a in p.bearer_parts]
        split_total = sum(
            (s.amount for s in overview.by_bearer if s.organisation.slug.startswith("t")), D(0)
        )
        assert split_total == sum(parts, D(0))

"""The plan over the years (issue 14): a year without entered figures carries the last known
cost forward with the programme's pay rises; planned figures follow the occupancy. Expected
figures are worked out by hand in each test."""

import json
from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from funding.calculations import (
    CostFigures,
    Org,
    Period,
    PositionPlan,
    Rate,
    YearPlan,
    compute_year,
)
from funding.choices import CostSource
from funding.projections.rules import PayRise, carry_forward
from funding.rules import planned_cost_for_occupancy

CITY = Org(1, "stadt", "Stadt", "county_free_city")
CM_57 = Rate("case_management", 2, D("57000"), date(2023, 1, 1), True)
TVOED = (PayRise(date(2025, 4, 1), D("3.0")), PayRise(date(2026, 5, 1), D("2.8")))


def position(*, occupancies=None, cost=None, fte="1", start=date(2024, 1, 1)):
    fte = D(fte)
    if occupancies is None:
        occupancies = (Period(start, None, fte),)
    return PositionPlan(
        id=1,
        title="Casemanagement",
        block=2,
        funding_kind="case_management",
        fte=fte,
        employer=CITY,
        start=start,
        occupancies=tuple(occupancies),
        cost=cost,
    )


def planned(gross, material="0", **kw):
    return CostFigures(employer_gross=D(gross), material=D(material), source="planned", **kw)


# --- carrying forward (pure) ------------------------------------------------------------------


def test_60000_in_2026_carried_into_2027_with_the_rise_of_01_05_2026_by_hand():
    # 60,000.00 planned for 2026, the position filled at 1.0 FTE all year.
    # Pay levels (the product of the rises in force): +3.0 % from 01.04.2025 holds all of
    # 2026 and 2027 (1.03); +2.8 % from 01.05.2026 holds May to December 2026 and all 2027.
    #   2026: 4 months × 1.03 + 8 months × 1.03 × 1.028 = 1.03 × 12.224
    #   2027: 12 months × 1.03 × 1.028               = 1.03 × 12.336
    # 2027 = 60,000.00 × 12.336 / 12.224 = 60,549.738… → 60,549.74 €.
    known = planned("60000.00")
    carried = carry_forward(position(), position().occupancies, 2026, known, 2027, TVOED)
    assert carried.employer_gross == D("60549.74")
    assert carried.source == CostSource.CARRIED
    assert carried.source_detail == "fortgeschrieben aus 2026, mit Tariferhöhungen"
    # 2028: no further rise, the same level as 2027.
    later = carry_forward(position(), position().occupancies, 2026, known, 2028, TVOED)
    assert later.employer_gross == D("60549.74")


def test_material_and_overhead_are_carried_per_filled_month_without_rises():
    # 2026: 12,000 material and 1,200 overhead for 12 FTE-months = 1,000 and 100 a month.
    # 2027 filled only from 01.07. at 1.0 FTE: 6 months → 6,000 material, 600 overhead;
    # gross 60,000 × 6 × 1.03 × 1.028 / (1.03 × 12.224) = 30,274.87 (60,549.738 / 2).
    known = planned("60000.00", "12000.00", overhead_amount=D("1200.00"))
    occupancies = (
        Period(date(2024, 1, 1), date(2026, 12, 31), D(1)),
        Period(date(2027, 7, 1), None, D(1)),
    )
    target = position(occupancies=(Period(date(2027, 7, 1), None, D(1)),))
    carried = carry_forward(target, occupancies, 2026, known, 2027, TVOED)
    assert carried.material == D("6000.00")
    assert carried.overhead_amount == D("600.00")
    assert carried.employer_gross == D("30274.87")
    assert carried.one_off == D("0")


def test_without_a_rise_between_the_years_the_statement_says_so():
    known = planned("60000.00")
    carried = carry_forward(position(), position().occupancies, 2027, known, 2028, TVOED)
    assert carried.employer_gross == D("60000.00")
    assert carried.source_detail == "fortgeschrieben aus 2027, ohne Tariferhöhung"


# --- plan costs follow the occupancy ----------------------------------------------------------


def test_occupancy_halved_from_01_07_halves_the_second_half_plan_cost():
    # 60,000.00 planned for the position at 1.0 FTE all year: 5,000 a month.
    # Filled at 1.0 FTE January–June (6 FTE-months: 30,000) and at 0.5 FTE from 01.07.
    # (3 FTE-months instead of 6: 15,000 instead of 30,000): 45,000.00.
    halved = (
        Period(date(2026, 1, 1), date(2026, 6, 30), D(1)),
        Period(date(2026, 7, 1), None, D("0.5")),
    )
    year = compute_year(
        YearPlan(
            recipient=CITY,
            year=2026,
            positions=(position(occupancies=halved, cost=planned("60000.00", "2400.00")),),
            rates=(CM_57,),
        )
    )
    result = year.positions[0]
    assert result.filled_fte_months == D(9)
    assert result.employer_gross == D("45000.00")
    # Material follows as well: 2,400 × 9 / 12 = 1,800.
    assert result.material == D("1800.00")
    # Funding: 57,000 × 9 / 12 = 42,750.
    assert result.amounts.funding_personnel == D("42750.00")


def test_a_vacant_position_has_no_plan_cost_but_a_forecast_stays_as_entered():
    vacant = position(occupancies=())
    plan_year = compute_year(
        YearPlan(CITY, 2026, positions=(replace_cost(vacant, planned("60000.00")),), rates=())
    )
    assert plan_year.positions[0].amounts.personnel_cost == D("0.00")
    forecast = CostFigures(employer_gross=D("58000.00"), source="forecast")
    forecast_year = compute_year(
        YearPlan(CITY, 2026, positions=(replace_cost(vacant, forecast),), rates=())
    )
    assert forecast_year.positions[0].employer_gross == D("58000.00")


def replace_cost(p, cost):
    from dataclasses import replace

    return replace(p, cost=cost)


def test_planned_cost_for_occupancy_rounds_once_to_the_cent():
    # 10,000 for 12 planned FTE-months, 7 filled: 5,833.333… → 5,833.33.
    assert planned_cost_for_occupancy(D("10000.00"), D(7), D(12)) == D("5833.33")
    assert planned_cost_for_occupancy(D("10000.00"), D(12), D(12)) == D("10000.00")
    assert planned_cost_for_occupancy(D("10000.00"), D(0), D(0)) == D("0")


# --- Leverkusen's medium-term plan (demo data, seeds 001 and 000) ------------------------------


def overview(year):
    out = StringIO()
    call_command("cost_overview", "--recipient", "leverkusen", "--year", str(year), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_leverkusen_2027_and_2028_carry_2026_forward(demo_data):
    # 2026 has entered plan figures (1,495,081.00 total cost); 2027 and 2028 none. Before
    # issue 14 they fell to the pay-grade table: 1,073,026.75 and no material at all.
    cost_2026 = D(overview(2026)["totals"]["total_cost"])
    for year in (2027, 2028):
        data = overview(year)
        assert D(data["totals"]["total_cost"]) >= cost_2026
        # Seed 001: 29,100 workplace allowance + 49,000 events budget.
        assert data["totals"]["funding_material"] == "78100.00"
        # The events budget's 49,000 is carried too (seed 001 counts it every year).
        assert data["totals"]["material_cost"] == "49000.00"
        sources = {(p["cost_source"], p["cost_source_detail"]) for p in data["positions"]}
        assert sources == {("carried", "fortgeschrieben aus 2026, mit Tariferhöhungen")}

"""Warnings that are true (issue 14): provisional actual figures named as such, a cost without
occupancy, forecasts beside the occupancy, the city's own case-management positions vacant
all year."""

from datetime import date
from decimal import Decimal as D

import pytest

from funding.calculations import (
    CostFigures,
    GrantBlock,
    Org,
    Period,
    PositionPlan,
    Rate,
    YearPlan,
    compute_year,
)
from funding.rules import (
    actual_is_provisional,
    cost_without_occupancy,
    entered_cost_beside_occupancy,
    municipal_case_management_vacant,
)
from funding.selectors import year_plan
from tests.factories import (
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    YearClosingFactory,
)

CITY = Org(1, "stadt", "Stadt", "county_free_city")
CARITAS = Org(3, "caritas", "Caritas", "carrier")
CM_57 = Rate("case_management", 2, D("57000"), date(2023, 1, 1), True)


def position(pid, *, employer=CITY, occupancies=None, cost=None, **kw):
    if occupancies is None:
        occupancies = (Period(date(2024, 1, 1), None, D(1)),)
    return PositionPlan(
        id=pid,
        title=f"Stelle {pid}",
        block=2,
        funding_kind="case_management",
        fte=D(1),
        employer=employer,
        start=date(2024, 1, 1),
        occupancies=tuple(occupancies),
        cost=cost,
        **kw,
    )


def codes(overview):
    return [w.code for w in overview.warnings]


# --- the rules --------------------------------------------------------------------------------


def test_the_rules_by_themselves():
    assert actual_is_provisional(year_closed=False)
    assert not actual_is_provisional(year_closed=True)
    assert cost_without_occupancy(D(0), D("100.00"))
    assert not cost_without_occupancy(D(0), D(0))
    assert not cost_without_occupancy(D(1), D("100.00"))
    # A statement for 12 months beside an occupancy of 6: they disagree.
    assert entered_cost_beside_occupancy("forecast", D(12), D(6), D(6), D(12))
    assert not entered_cost_beside_occupancy("forecast", D(6), D(6), D(6), D(12))
    # Without stated months (a ledger's actual for the months filled, seed 002) they match;
    # a plan figure follows the occupancy anyway.
    assert not entered_cost_beside_occupancy("actual", None, D(6), D(6), D(12))
    assert not entered_cost_beside_occupancy("planned", D(12), D(6), D(6), D(12))
    assert municipal_case_management_vacant([("KI 1", D(0)), ("KI 2", D(12))]) == ["KI 1"]


# --- the engine -------------------------------------------------------------------------------


def test_both_of_the_citys_case_managers_vacant_all_year_are_named():
    # Seed 000's rules count them as "zur Besetzung vorgesehen": 2 of 6 available at the
    # city is one third, 5 of 6 planned is not critical — no funder warning, but both are
    # empty all year and the coordinator must see it.
    city_positions = [position(i, occupancies=()) for i in (1, 2)]
    carriers = [position(i, employer=CARITAS) for i in (3, 4, 5)]
    overview = compute_year(
        YearPlan(
            CITY,
            2024,
            positions=(*city_positions, *carriers),
            rates=(CM_57,),
            grant_blocks=(GrantBlock(2, D(6)),),
        )
    )
    assert "municipal_share" not in codes(overview)
    assert "critical_filling" not in codes(overview)
    [warning] = [w for w in overview.warnings if w.code == "municipal_vacant"]
    assert "2 Casemanagement-Stelle(n) der Kommune 2024 ganzjährig unbesetzt" in warning.message
    assert "„Stelle 1“, „Stelle 2“" in warning.message


def test_a_forecast_for_a_vacant_year_is_cost_without_occupancy():
    forecast = CostFigures(employer_gross=D("58000.00"), source="forecast")
    overview = compute_year(
        YearPlan(CITY, 2024, positions=(position(1, occupancies=(), cost=forecast),))
    )
    [warning] = [w for w in overview.warnings if w.code == "cost_without_occupancy"]
    assert warning.message == (
        "„Stelle 1“: 2024 sind Kosten von 58.000,00\u00a0€ angesetzt (Prognose), aber die "
        "Stelle ist das ganze Jahr unbesetzt."
    )


def test_a_statement_for_twelve_months_beside_six_filled_is_named():
    statement = CostFigures(employer_gross=D("58000.00"), source="forecast", stated_months=D(12))
    half = (Period(date(2024, 7, 1), None, D(1)),)
    overview = compute_year(
        YearPlan(CITY, 2024, positions=(position(1, occupancies=half, cost=statement),))
    )
    # The forecast stays as entered.
    assert overview.positions[0].employer_gross == D("58000.00")
    [warning] = [w for w in overview.warnings if w.code == "cost_beside_occupancy"]
    assert "für 12 besetzte Monate" in warning.message
    assert "6 von 12 VZ-Monaten" in warning.message


# --- provisional actual figures, through the selector -----------------------------------------


@pytest.mark.django_db
def test_actual_figures_of_an_open_year_are_named_provisional_not_missing():
    city = OrganisationFactory()
    p = PositionFactory(recipient=city, pay_grade=None)
    OccupancyFactory(position=p)
    PositionCostFactory(position=p, year=2026, status="actual", employer_gross=D("31000.00"))

    overview = compute_year(year_plan(city, 2026))
    assert "no_cost" not in codes(overview)  # not "weder Kosten erfasst …": that is false
    [warning] = [w for w in overview.warnings if w.code == "provisional_actual"]
    assert warning.message.startswith(
        f"„{p.title}“: Ist-Kosten 2026 von 31.000,00\u00a0€ sind vorläufig – das Jahr ist "
        "nicht abgeschlossen"
    )

    # Once the year is closed, the actual figures count and nothing is provisional.
    YearClosingFactory(recipient=city, year=2026)
    closed = compute_year(year_plan(city, 2026))
    assert "provisional_actual" not in codes(closed)
    assert closed.positions[0].employer_gross == D("31000.00")

"""The functions funding.overview offers the reports: several years in one go, the year
without the programme, and the council table's two areas. Expected figures are seed 001 or
worked out by hand here."""

from decimal import Decimal

import pytest

from carriers.models import Organisation
from funding.overview import (
    cost_areas,
    cost_overview,
    medium_term_years,
    without_programme,
)

pytestmark = pytest.mark.django_db


def test_medium_term_years_are_the_year_and_three_more():
    assert medium_term_years(2022) == [2022, 2023, 2024, 2025]


def test_leverkusen_2022_without_the_programme(demo_data):
    """Seed 001: personnel 913,257.24 + events 49,000.00 = 962,257.24 in all; the state's
    625,600.00 (414100: 78,100 + 414101: 547,500) would fall away; the budget lists
    962,300.00 "bei Einstellung der Förderung"."""
    overview = cost_overview(Organisation.objects.get(slug="leverkusen"), 2022)
    ending = without_programme(overview)
    assert ending.total_cost == Decimal("962257.24")
    assert ending.funding_lost == Decimal("625600.00")
    assert ending.own_share_with_programme == Decimal("336657.24")
    assert ending.extra_burden == Decimal("625600.00")
    assert ending.budget_amount == Decimal("962300.00")


def test_leverkusen_2022_areas_are_the_council_table(demo_data):
    """Seed 001's table: 913,257.24 / 576,600.00 / 336,657.24 for the positions; the
    programme's own material cost 49,000.00 is covered by its budget of 49,000.00."""
    areas = cost_areas(cost_overview(Organisation.objects.get(slug="leverkusen"), 2022))
    assert areas.positions.total_cost == Decimal("913257.24")
    assert areas.positions.funding == Decimal("576600.00")
    assert areas.positions.own_share == Decimal("336657.24")
    assert areas.programme.total_cost == Decimal("49000.00")
    assert areas.programme.funding == Decimal("49000.00")
    assert areas.programme.own_share == Decimal("0.00")


def test_budget_amount_rounds_up_to_the_hundred():
    from funding import calculations as calc

    def overview_with(total):
        return calc.YearOverview(
            recipient=calc.Org(1, "x", "X", "county_free_city"),
            year=2024,
            scenario=None,
            totals=calc.Amounts(personnel_cost=total),
            position_funding=Decimal("0"),
            by_block=(),
            by_employer=(),
            by_bearer=(),
            by_account=(),
            positions=(),
            programme_funding=Decimal("0"),
            warnings=(),
        )

    assert without_programme(overview_with(Decimal("1000.00"))).budget_amount == Decimal("1000.00")
    assert without_programme(overview_with(Decimal("1000.01"))).budget_amount == Decimal("1100.00")

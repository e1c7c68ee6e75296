"""funding.overview.cost_overviews: several years of a hand-built plan in one fixed set of
queries; the expected figures are worked out by hand here."""

from datetime import date
from decimal import Decimal

import pytest

from funding.overview import cost_overviews
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years():
    """One case manager, 1.0 FTE, filled from 01.01.2024; rate 57,000/FTE capped at the
    cost; employer gross 2024: 60,000.00, 2025: 62,000.00, 2026: 50,000.00."""
    city = OrganisationFactory(slug="stadt-a")
    rate = FundingRateFactory(
        block=BuildingBlockFactory(number=2), amount=Decimal("57000"), valid_from=date(2023, 1, 1)
    )
    position = PositionFactory(recipient=city, block=rate.block, planned_start=date(2024, 1, 1))
    OccupancyFactory(position=position)
    for year, gross in ((2024, "60000.00"), (2025, "62000.00"), (2026, "50000.00")):
        PositionCostFactory(position=position, year=year, employer_gross=Decimal(gross))
    return city


def test_cost_overviews_gives_each_year(two_years):
    overviews = cost_overviews(two_years, [2024, 2025, 2026, 2027])
    assert list(overviews) == [2024, 2025, 2026, 2027]
    # 2024: 60,000 cost, 57,000 funding (rate x 1.0 x 12/12), own share 3,000.
    assert overviews[2024].totals.funding == Decimal("57000.00")
    assert overviews[2024].totals.own_share == Decimal("3000.00")
    # 2025: 62,000 - 57,000 = 5,000.
    assert overviews[2025].totals.own_share == Decimal("5000.00")
    # 2026: the rate is capped at the cost: funding 50,000, own share 0.
    assert overviews[2026].totals.funding == Decimal("50000.00")
    assert overviews[2026].totals.own_share == Decimal("0.00")
    # 2027: no cost entered: 2026's carried forward with the pay rises (issue 14). The +2.8 %
    # from 01.05.2026 holds 8 months of 2026 and all of 2027 (the +3.0 % of 2025 all of both):
    # 50,000 × (12 × 1.028) / (4 + 8 × 1.028) = 50,000 × 12.336 / 12.224 = 50,458.12.
    assert overviews[2027].totals.total_cost == Decimal("50458.12")
    assert overviews[2027].positions[0].cost_source == "carried"


def test_cost_overviews_costs_the_same_queries_for_one_and_four_years(
    two_years, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # 2027 alone is carried forward from 2026, so it reads the pay rises as the four years do.
    with CaptureQueriesContext(connection) as one:
        cost_overviews(two_years, [2027])
    with django_assert_max_num_queries(len(one.captured_queries)):
        cost_overviews(two_years, [2024, 2025, 2026, 2027])

"""funding.position_years: one position's figures per year, from the whole recipient plan."""

from datetime import date
from decimal import Decimal as D

import pytest

from funding.position_years import position_span, position_years
from staffing.models import Position
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    PositionCostFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(city):
    """1.0 FTE, filled from 01.07.2023; rate 57,000 capped at the cost.

    By hand: 2023: the plan's 60,000.00 for the full year × 6/12 filled = 30,000.00;
    57,000 × 1.0 × 6/12 = 28,500.00 (below the 30,000.00 employer gross, the cap
    does not bite); own share 30,000.00 − 28,500.00 = 1,500.00.
    2024: filled all year, 57,000 × 12/12 = 57,000.00 against 61,000.00; own share 4,000.00.
    """
    FundingRateFactory(amount=D("57000.00"), valid_from=date(2023, 1, 1), capped_at_cost=True)
    position = PositionFactory(recipient=city, planned_start=date(2023, 1, 1), fte=D("1"))
    OccupancyFactory(position=position, start=date(2023, 7, 1), end=None, fte=D("1"))
    # Planned for the position at its full FTE all year (issue 14): 60,000; filled six months.
    PositionCostFactory(position=position, year=2023, employer_gross=D("60000.00"))
    PositionCostFactory(position=position, year=2024, employer_gross=D("61000.00"))
    return Position.objects.select_related("recipient", "scenario", "block").get(pk=position.pk)


def test_funding_and_own_share_per_year_by_hand(position):
    rows = {row.year: row.result for row in position_years(position, [2023, 2024])}

    assert rows[2023].filled_fte_months == D("6")
    assert rows[2023].amounts.total_cost == D("30000.00")
    assert rows[2023].amounts.funding == D("28500.00")
    assert rows[2023].amounts.own_share == D("1500.00")
    assert rows[2023].cost_source == "planned"
    assert "57.000,00\u00a0€ je VZ × 6 VZ-Monate / 12" in rows[2023].funding_rule
    assert rows[2024].amounts.funding == D("57000.00")
    assert rows[2024].amounts.own_share == D("4000.00")
    assert rows[2024].bearer_parts == (("leverkusen", D("4000.00")),)


def test_the_cap_at_the_cost_bites_where_the_cost_is_lower(position):
    position.costs.filter(year=2024).update(employer_gross=D("50000.00"))
    (row,) = position_years(position, [2024])
    assert row.result.amounts.funding == D("50000.00")
    assert row.result.amounts.own_share == D("0.00")


def test_a_year_before_the_position_has_no_result(position):
    (row,) = position_years(position, [2022])
    assert row.result is None


def test_block_cap_of_the_grant_notice_is_shared_with_the_other_positions(city, position):
    # A second position in the block, same figures in 2024: 2 × 57,000 = 114,000 funded
    # before the cap; the notice caps block 2 at 100,000: each is cut by 7,000 (by their
    # funding's weights, here equal).
    other = PositionFactory(recipient=city, block=position.block, planned_start=date(2024, 1, 1))
    OccupancyFactory(position=other, start=date(2024, 1, 1), fte=D("1"))
    PositionCostFactory(position=other, year=2024, employer_gross=D("61000.00"))
    notice = GrantNoticeFactory(recipient=city, period_start=date(2024, 1, 1))
    GrantNoticeBlockFactory(
        notice=notice, block=position.block, approved_fte=D("2"), max_personnel_funding=D("100000")
    )
    (row,) = position_years(position, [2024])
    assert row.result.amounts.funding == D("50000.00")
    assert row.result.amounts.own_share == D("11000.00")
    assert [w.code for w in row.warnings] == ["block_cap"]


def test_query_count_does_not_grow_with_the_years(position, django_assert_num_queries):
    # The selector's fixed queries (multi_year_plans), the same for one year and for ten;
    # one more where a year is carried forward (2025–2029): the programme's pay rises.
    with django_assert_num_queries(14):
        one = position_years(position, [2024])
    with django_assert_num_queries(15):
        ten = position_years(position, range(2020, 2030))
    assert one[0].result.amounts == ten[4].result.amounts


def test_span_runs_from_start_to_end_or_to_this_year():
    block = BuildingBlockFactory()
    ended = Position(planned_start=date(2022, 3, 1), end_date=date(2023, 6, 30), block=block)
    running = Position(planned_start=date(2022, 3, 1), block=block)
    today = date(2025, 5, 1)
    assert position_span(ended, [2027], today) == [2022, 2023]
    assert position_span(running, [], today) == [2022, 2023, 2024, 2025]
    assert position_span(running, [2026], today) == [2022, 2023, 2024, 2025, 2026]


@pytest.mark.parametrize("capped", [False, True])
def test_the_narrowed_plan_gives_the_whole_plans_figures(city, position, capped):
    """The page computes only what the position depends on (issue 14): its row is the one of
    the whole recipient plan, with or without a block cap of the grant notice."""
    from funding.calculations import compute_year
    from funding.selectors import year_plan

    for i in range(5):
        other = PositionFactory(recipient=city, block=position.block, title=f"Andere {i}")
        OccupancyFactory(position=other, start=date(2023, 1, 1), fte=D("1"))
        PositionCostFactory(position=other, year=2024, employer_gross=D("61000.00"))
    elsewhere = PositionFactory(recipient=city, title="Anderer Baustein")
    OccupancyFactory(position=elsewhere)
    notice = GrantNoticeFactory(recipient=city, period_start=date(2024, 1, 1))
    GrantNoticeBlockFactory(
        notice=notice,
        block=position.block,
        approved_fte=D("6"),
        max_personnel_funding=D("300000") if capped else None,
    )
    (row,) = position_years(position, [2024])
    whole = compute_year(year_plan(city, 2024))
    expected = next(r for r in whole.positions if r.position.id == position.pk)
    assert row.result.amounts == expected.amounts
    assert row.result.bearer_parts == expected.bearer_parts
    # With the cap, 6 × 57,000 = 342,000 is cut to 300,000: each loses 7,000.
    assert row.result.amounts.funding == (D("50000.00") if capped else D("57000.00"))

"""funding.selectors: a recipient's year in a fixed number of queries, whatever its size."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import CostSplitMember
from funding.overview import cost_overview
from funding.selectors import year_plan
from staffing.models import Occupancy, Position, PositionCost, PositionTown
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostSplitFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    PayGradeCostFactory,
    ProgrammeCostFactory,
    ScenarioFactory,
    TownFactory,
)

pytestmark = pytest.mark.django_db

# positions, occupancies, costs, cost table, served towns, agreements, splits, split members,
# split positions, blocks, rates, grant notices, programme costs, revenue accounts.
EXPECTED_QUERIES = 16


def build_recipient(n):
    """A county with n case-management positions, every relation the selector reads filled."""
    county = CountyFactory()
    block = BuildingBlockFactory(number=2)
    FundingRateFactory(block=block, programme=block.programme)
    GrantNoticeBlockFactory(notice__recipient=county, block=block, approved_fte=D(min(n, 500)))
    ProgrammeCostFactory(recipient=county, year=2024)
    carrier = CarrierFactory()
    towns = [TownFactory(parent=county) for _ in range(3)]
    cost_table = PayGradeCostFactory(year=2024)
    positions = Position.objects.bulk_create(
        Position(
            recipient=county,
            block=block,
            funding_kind="case_management",
            title=f"Stelle {i}",
            fte=D("1"),
            employer=carrier if i % 2 else towns[i % 3],
            pay_grade=cost_table.pay_grade,
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2023, 1, 1), fte=D("1")) for p in positions
    )
    PositionCost.objects.bulk_create(
        PositionCost(position=p, year=2024, status="planned", employer_gross=D("60000.00"))
        for p in positions[::2]
    )
    PositionTown.objects.bulk_create(
        PositionTown(position=p, town=towns[i % 3], share=D("100")) for i, p in enumerate(positions)
    )
    agreement = ForwardingAgreementFactory(recipient=county, carrier=carrier)
    agreement.positions.set(positions[1::2])
    split = CostSplitFactory(recipient=county, employer_town=towns[0])
    CostSplitMember.objects.bulk_create(CostSplitMember(split=split, organisation=t) for t in towns)
    split.positions.set(positions[::2])
    return county


@pytest.mark.parametrize("n", [10, 1000])
def test_year_plan_query_count_does_not_grow_with_positions(n):
    county = build_recipient(n)
    with CaptureQueriesContext(connection) as queries:
        plan = year_plan(county, 2024)
    assert len(plan.positions) == n
    assert sum(1 for p in plan.positions if p.coverage) == n // 2
    assert sum(1 for p in plan.positions if p.split) == n // 2
    assert len(queries) == EXPECTED_QUERIES


@pytest.mark.parametrize("n", [10, 1000])
def test_overview_query_count_does_not_grow_with_positions(n, django_assert_num_queries):
    county = build_recipient(n)
    with django_assert_num_queries(EXPECTED_QUERIES):
        overview = cost_overview(county, 2024)
    assert len(overview.positions) == n


def test_scenario_rows_stay_out_of_the_real_plan():
    county = build_recipient(3)
    scenario = ScenarioFactory(recipient=county)
    original = Position.objects.filter(recipient=county).first()
    original.pk = None
    original.scenario = scenario
    original.title = "Kopie im Szenario"
    original.save()
    real = year_plan(county, 2024)
    assert "Kopie im Szenario" not in {p.title for p in real.positions}
    in_scenario = year_plan(county, 2024, scenario=scenario)
    assert [p.title for p in in_scenario.positions] == ["Kopie im Szenario"]


def test_several_years_cost_the_same_queries_and_give_the_same_plans():
    from funding.selectors import multi_year_plans

    county = build_recipient(20)
    with CaptureQueriesContext(connection) as queries:
        plans = multi_year_plans([county], range(2022, 2028))
    # One more where years are carried forward (2025–2027): the programme's pay rises.
    assert len(queries) == EXPECTED_QUERIES + 1
    for year in range(2022, 2028):
        assert plans[(county.id, year)] == year_plan(county, year)
    # Positions start 2023: none in 2022.
    assert plans[(county.id, 2022)].positions == ()


def test_statements_compiled_once_take_each_calls_values():
    """The loader compiles each statement once per shape (``statements.statement``) and then
    only fills in the values: other years get their own rows, the same plans as the ORM's own
    compilation gives."""
    from funding import statements

    county = build_recipient(4)
    statements._COMPILED.clear()
    year_plan(county, 2024)  # compiles through the ORM and keeps the statements
    assert all(compiled is not None for compiled in statements._COMPILED.values())
    with CaptureQueriesContext(connection) as queries:
        reused = [repr(year_plan(county, 2023))]
    assert len(queries) == EXPECTED_QUERIES
    reused.append(repr(year_plan(county, 2025)))  # carried forward from 2024
    fresh = []
    for year in (2023, 2025):
        statements._COMPILED.clear()  # compiled through the ORM again
        fresh.append(repr(year_plan(county, year)))
    assert reused == fresh
    assert "year=2025" in reused[1] and "Stelle 3" in reused[1]


def test_a_column_of_dates_is_handed_on_as_the_driver_gives_it():
    """``statements._keeps_dates``: where the backend's only converter of a column is its date
    converter, the loader hands on the dates the driver made without calling it; that is
    right only while the converter returns a date (and None) unchanged."""
    from funding import statements

    keep = getattr(connection.ops, "convert_datefield_value", None)
    if keep is None:
        pytest.skip("this backend has no converter for dates")
    day = date(2024, 2, 29)
    assert keep(day, None, connection) is day
    assert keep(None, None, connection) is None
    column = (day, None, date(2023, 1, 1))
    compiler = Occupancy.objects.values_list("start").query.get_compiler(connection=connection)
    compiler.as_sql()
    [(functions, expression)] = compiler.get_converters([compiler.select[0][0]]).values()
    assert statements._keeps_dates(functions, connection)
    assert statements._convert_column(column, functions, expression, connection) is column


def test_a_column_of_mixed_numbers_converts_as_value_by_value():
    """``statements._convert_column`` converts each (type, value) of a column once: SQLite
    sends a whole decimal as an integer and others as floats, and 0.0 and -0.0 (equal keys)
    convert differently; the result is what converting every value on its own gives."""
    from funding import statements

    compiler = Occupancy.objects.values_list("fte").query.get_compiler(connection=connection)
    compiler.as_sql()
    converters = compiler.get_converters([compiler.select[0][0]])
    if not converters:
        pytest.skip("this backend sends decimals as they are")
    [(functions, expression)] = converters.values()

    def one_by_one(value):
        for function in functions:
            value = function(value, expression, connection)
        return value

    column = (1, 0.5, 1, 0.0, -0.0, None, 0.5, 0, 1.0, -0.0, 0.0)
    converted = statements._convert_column(column, functions, expression, connection)
    assert repr(converted) == repr(tuple(map(one_by_one, column)))

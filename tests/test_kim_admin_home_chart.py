"""The start page of finance and KI coordination draws cost and funding over the plan's years
as the reports' chart (kim_admin.chart: server-side SVG with a text alternative), with the same
figures as a table (issue 16: "Charts exist only in the PDF")."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from staffing.models import Occupancy, Position, PositionCost
from tests.factories import BuildingBlockFactory, FundingRateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(city):
    """One case manager at 1.0 FTE all of 2024, planned at 60,000.00, rate 57,000 (2023)."""
    block = BuildingBlockFactory(number=2)
    FundingRateFactory(block=block, amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    position = Position.objects.create(
        recipient=city,
        employer=city,
        block=block,
        funding_kind="case_management",
        title="Casemanagement",
        fte=Decimal("1"),
        planned_start=date(2024, 1, 1),
        end_date=date(2024, 12, 31),
    )
    Occupancy.objects.create(
        position=position, start=date(2024, 1, 1), end=date(2024, 12, 31), fte=Decimal("1")
    )
    PositionCost.objects.create(
        position=position, year=2024, status="planned", employer_gross=Decimal("60000")
    )
    return city


@pytest.mark.parametrize("role", ["finance", "coordinator"])
def test_the_plans_years_as_a_chart_with_a_table(client, plan, role):
    client.force_login(UserFactory(role=role, organisation=plan))
    response = client.get(reverse("home"), {"year": "2024"})
    assert response.status_code == 200
    html = response.content.decode().replace("\xa0", " ")

    # 2024 by hand: cost 60,000.00; funding min(60,000, 57,000 x 12/12) = 57,000.00;
    # own share 60,000.00 - 57,000.00 = 3,000.00. The position ends 31.12.2024: later years
    # of the plan have no cost.
    assert '<figure class="chart-figure">' in html
    assert "<svg" in html and 'role="img"' in html
    assert "2024: Landesförderung 57.000,00 €, Eigenanteil 3.000,00 €" in html  # <desc>
    rows = dict(
        (year, (totals.total_cost, totals.funding, totals.own_share))
        for year, totals in response.context["chart_rows"]
    )
    assert rows[2024] == (Decimal("60000.00"), Decimal("57000.00"), Decimal("3000.00"))
    assert all(rows[year] == (0, 0, 0) for year in rows if year > 2024)
    assert "Die Jahre des Plans" in html
    # No script, nothing fetched: the chart is markup of the page.
    assert "<script" not in html.split('<figure class="chart-figure">')[1].split("</figure>")[0]


def test_no_chart_without_costs(client, city):
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "chart" not in response.context
    assert '<figure class="chart-figure">' not in response.content.decode()


def test_the_council_sees_no_planning_chart(client, plan):
    client.force_login(UserFactory(role="council", organisation=plan))
    response = client.get(reverse("home"), {"year": "2024"})
    assert response.status_code == 200
    assert '<figure class="chart-figure">' not in response.content.decode()

"""The position endpoints: /api/positions/, /api/occupancies/, /api/position-costs/.

Content (FK ids beside slugs and labels, nested served towns and occupancies), the filters,
and the pinned number of queries of each list: the same for 10 and for 1,000 positions.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from staffing.models import Occupancy, Position, PositionCost, PositionTown
from tests.api_helpers import ids, token_client
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    OccupancyFactory,
    OrganisationFactory,
    PayGradeFactory,
    PositionCostFactory,
    PositionFactory,
    PositionTownFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Content ----------------------------------------------------------------------------------


def test_position_shows_ids_slugs_labels_and_nested_rows(finance_api, city):
    carrier = CarrierFactory(name="Caritasverband Leverkusen", slug="caritas-lev")
    town = TownFactory(name="Hückeswagen", slug="hueckeswagen")
    position = PositionFactory(
        recipient=city,
        block=BuildingBlockFactory(number=2),
        employer=carrier,
        pay_grade=PayGradeFactory(code="S 12"),
        title="Casemanagement Caritas",
        fte=Decimal("0.5"),
        department="Migrationsdienst",
    )
    PositionTownFactory(position=position, town=town, share=Decimal("50"))
    OccupancyFactory(position=position, start=date(2024, 7, 1), fte=Decimal("0.5"))

    response = finance_api.get(reverse("api:position-detail", args=[position.pk]))

    assert response.status_code == 200
    data = response.json()
    assert data["url"].endswith(f"/api/positions/{position.pk}/")
    assert data["display"] == "Casemanagement Caritas"
    assert data["recipient"] == city.pk
    assert data["recipient_slug"] == "leverkusen"
    assert data["scenario"] is None and data["scenario_slug"] is None
    assert data["block_number"] == 2
    assert data["funding_kind"] == "case_management"
    assert data["funding_kind_label"] == "Casemanagement"
    assert data["fte"] == "0.500"
    assert data["employer"] == carrier.pk
    assert data["employer_slug"] == "caritas-lev"
    assert data["employer_kind"] == "carrier"
    assert data["pay_grade_code"] == "S 12"
    assert data["served_towns"] == [
        {
            "id": position.served_towns.get().pk,
            "town": town.pk,
            "town_slug": "hueckeswagen",
            "town_name": "Hückeswagen",
            "share": "50.0000",
        }
    ]
    assert data["occupancies"] == [
        {
            "id": position.occupancies.get().pk,
            "start": "2024-07-01",
            "end": None,
            "fte": "0.500",
            "note": "",
        }
    ]


def test_occupancy_and_cost_name_their_position(finance_api, city):
    position = PositionFactory(recipient=city, title="KI Casemanagement")
    occupancy = OccupancyFactory(position=position)
    cost = PositionCostFactory(position=position, status="forecast", employer_gross=Decimal("1"))

    occupancy_data = finance_api.get(reverse("api:occupancy-detail", args=[occupancy.pk])).json()
    cost_data = finance_api.get(reverse("api:positioncost-detail", args=[cost.pk])).json()

    assert occupancy_data["position"] == position.pk
    assert occupancy_data["position_title"] == "KI Casemanagement"
    assert occupancy_data["recipient_slug"] == "leverkusen"
    assert cost_data["position_title"] == "KI Casemanagement"
    assert cost_data["status_label"] == "Prognose"
    assert cost_data["employer_gross"] == "1.00"


# --- Filters ----------------------------------------------------------------------------------


def test_position_filters(city):
    admin = token_client(UserFactory(role="admin"))
    koeln = OrganisationFactory(slug="koeln")
    carrier = CarrierFactory(slug="awo")
    town = TownFactory(slug="wipperfuerth")
    block1 = BuildingBlockFactory(number=1)
    block2 = BuildingBlockFactory(number=2)
    coordination = PositionFactory(
        recipient=city,
        block=block1,
        funding_kind="coordination",
        title="Koordination KI",
        department="Kommunales Integrationszentrum",
        pay_grade=PayGradeFactory(code="E 11"),
    )
    forwarded = PositionFactory(recipient=city, block=block2, employer=carrier)
    PositionTownFactory(position=forwarded, town=town)
    in_koeln = PositionFactory(recipient=koeln, block=block2, pay_grade=PayGradeFactory())
    url = reverse("api:position-list")

    assert ids(admin.get(url)) == {coordination.pk, forwarded.pk, in_koeln.pk}
    assert ids(admin.get(url, {"recipient": "leverkusen"})) == {coordination.pk, forwarded.pk}
    assert ids(admin.get(url, {"block": 2})) == {forwarded.pk, in_koeln.pk}
    assert ids(admin.get(url, {"employer": "awo"})) == {forwarded.pk}
    assert ids(admin.get(url, {"funding_kind": "coordination"})) == {coordination.pk}
    assert ids(admin.get(url, {"pay_grade": "S 12"})) == {in_koeln.pk}
    assert ids(admin.get(url, {"town": "wipperfuerth"})) == {forwarded.pk}
    assert ids(admin.get(url, {"q": "koordination"})) == {coordination.pk}
    assert ids(admin.get(url, {"q": "integrationszentrum"})) == {coordination.pk}
    assert ids(admin.get(url, {"recipient": "leverkusen", "block": 1})) == {coordination.pk}
    assert ids(admin.get(url, {"recipient": "unbekannt"})) == set()


def test_position_filter_refuses_bad_values_in_german(finance_api):
    url = reverse("api:position-list")

    kind = finance_api.get(url, {"funding_kind": "workplace_allowance"})
    block = finance_api.get(url, {"block": "zwei"})
    year = finance_api.get(url, {"year": "1800"})

    assert kind.status_code == 400
    assert "workplace_allowance" in kind.data["funding_kind"][0]
    assert "gültige" in kind.data["funding_kind"][0]  # Django's own message, in German
    assert block.status_code == 400 and "ganze Zahl" in block.data["block"][0]
    assert year.status_code == 400 and "1990" in year.data["year"][0]


def test_year_filter_keeps_positions_active_in_the_year(finance_api, city):
    def position(start, end=None):
        return PositionFactory(recipient=city, planned_start=start, end_date=end).pk

    ended_2023 = position(date(2022, 1, 1), date(2023, 12, 31))
    ends_on_new_year = position(date(2022, 1, 1), date(2024, 1, 1))
    open_ended = position(date(2021, 1, 1))
    starts_new_years_eve = position(date(2024, 12, 31))
    starts_2025 = position(date(2025, 1, 1))
    url = reverse("api:position-list")

    assert ids(finance_api.get(url, {"year": 2024})) == {
        ends_on_new_year,
        open_ended,
        starts_new_years_eve,
    }
    assert ids(finance_api.get(url, {"year": 2023})) == {ended_2023, ends_on_new_year, open_ended}
    assert ids(finance_api.get(url, {"year": 2025})) == {
        open_ended,
        starts_new_years_eve,
        starts_2025,
    }


def test_scenario_filter_defaults_to_the_real_plan(finance_api, city):
    scenario = ScenarioFactory(recipient=city, slug="alles-zur-stadt")
    other = ScenarioFactory(recipient=city, slug="minimum")
    real = PositionFactory(recipient=city)
    copy = PositionFactory(recipient=city, scenario=scenario, origin=real)
    PositionFactory(recipient=city, scenario=other)
    url = reverse("api:position-list")

    assert ids(finance_api.get(url)) == {real.pk}
    assert ids(finance_api.get(url, {"scenario": "none"})) == {real.pk}
    assert ids(finance_api.get(url, {"scenario": "alles-zur-stadt"})) == {copy.pk}
    assert ids(finance_api.get(url, {"scenario": "gibt-es-nicht"})) == set()
    # A detail URL answers for every position in scope, whatever the list's default.
    detail = finance_api.get(reverse("api:position-detail", args=[copy.pk]))
    assert detail.status_code == 200
    assert detail.data["scenario_slug"] == "alles-zur-stadt"
    assert detail.data["origin"] == real.pk


def test_occupancy_and_cost_filters(finance_api, city):
    scenario = ScenarioFactory(recipient=city)
    real = PositionFactory(recipient=city, block=BuildingBlockFactory(number=2))
    copy = PositionFactory(recipient=city, scenario=scenario, block=real.block)
    left_2023 = OccupancyFactory(position=real, start=date(2023, 1, 1), end=date(2023, 6, 30))
    from_2024 = OccupancyFactory(position=real, start=date(2024, 7, 1), fte=Decimal("0.5"))
    in_copy = OccupancyFactory(position=copy)
    cost_2024 = PositionCostFactory(position=real, year=2024)
    cost_2025 = PositionCostFactory(position=real, year=2025)
    copy_cost = PositionCostFactory(position=copy, year=2024)
    occupancies, costs = reverse("api:occupancy-list"), reverse("api:positioncost-list")

    assert ids(finance_api.get(occupancies)) == {left_2023.pk, from_2024.pk}
    assert ids(finance_api.get(occupancies, {"year": 2024})) == {from_2024.pk}
    assert ids(finance_api.get(occupancies, {"scenario": scenario.slug})) == {in_copy.pk}
    # Asking for one position decides the plan: a scenario copy's rows without ?scenario=.
    assert ids(finance_api.get(occupancies, {"position": copy.pk})) == {in_copy.pk}
    assert ids(finance_api.get(costs)) == {cost_2024.pk, cost_2025.pk}
    assert ids(finance_api.get(costs, {"year": 2024})) == {cost_2024.pk}
    assert ids(finance_api.get(costs, {"year": 2024, "scenario": scenario.slug})) == {copy_cost.pk}
    assert ids(finance_api.get(costs, {"block": 2, "status": "planned"})) == {
        cost_2024.pk,
        cost_2025.pk,
    }
    assert ids(finance_api.get(costs, {"status": "actual"})) == set()


# --- Query counts -----------------------------------------------------------------------------


def bulk_plan(n: int, recipient, *, employer=None, town=None) -> list[Position]:
    """n case-management positions with one served town, one occupancy and one cost each."""
    block = BuildingBlockFactory(number=2)
    pay_grade = PayGradeFactory(code="S 12")
    town = town or TownFactory()
    positions = Position.objects.bulk_create(
        Position(
            recipient=recipient,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:04}",
            fte=Decimal("1"),
            employer=employer or recipient,
            pay_grade=pay_grade,
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )
    PositionTown.objects.bulk_create(
        PositionTown(position=p, town=town, share=Decimal("100")) for p in positions
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2023, 1, 1), fte=Decimal("1")) for p in positions
    )
    PositionCost.objects.bulk_create(
        PositionCost(position=p, year=2024, status="planned", employer_gross=Decimal("60000"))
        for p in positions
    )
    return positions


# Queries of one list request with token authentication:
#   admin: token + user (1), COUNT (1), page (1), one per nested list (positions: 2);
#   other roles add the permission check (user + group perms: 1, one statement,
#   kim_admin/backends.py); their role comes with the user (kim_admin.backends.with_role).
ADMIN_LIST_QUERIES = {"api:position-list": 5, "api:occupancy-list": 3, "api:positioncost-list": 3}
ROLE_EXTRA_QUERIES = 1


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("url_name", sorted(ADMIN_LIST_QUERIES))
def test_list_query_count_is_constant_for_admin(url_name, n, django_assert_num_queries):
    bulk_plan(n, OrganisationFactory())
    client = token_client(UserFactory(role="admin"))

    with django_assert_num_queries(ADMIN_LIST_QUERIES[url_name]):
        response = client.get(reverse(url_name), {"limit": 1000})

    assert response.status_code == 200
    assert response.data["count"] == n
    assert len(response.data["results"]) == n


# 10 against 1,000 rows is pinned for admin above; per role, 10 against 100 keeps it quick.
@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.parametrize("role", ["finance", "coordinator", "council", "carrier", "town"])
@pytest.mark.parametrize("url_name", sorted(ADMIN_LIST_QUERIES))
def test_list_query_count_is_constant_for_every_role(url_name, role, n, django_assert_num_queries):
    recipient, carrier, town = OrganisationFactory(), CarrierFactory(), TownFactory()
    bulk_plan(n, recipient, employer=carrier, town=town)
    bulk_plan(5, OrganisationFactory())  # out of everybody's scope
    organisation = {"carrier": carrier, "town": town}.get(role, recipient)
    client = token_client(UserFactory(role=role, organisation=organisation))

    with django_assert_num_queries(ADMIN_LIST_QUERIES[url_name] + ROLE_EXTRA_QUERIES):
        response = client.get(reverse(url_name), {"limit": 1000})

    assert response.status_code == 200
    assert response.data["count"] == n
    assert len(response.data["results"]) == n

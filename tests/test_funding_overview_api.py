"""GET /api/overview/?recipient=<slug>&year=<YYYY>[&scenario=<slug>]: the cost overview of a
recipient's year, the figures of a hand-built plan worked out by hand, the 400 and 404 answers
and the pinned number of queries (the same for 10 and 1,000 positions)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from funding.overview import cost_overview, overview_payload
from staffing.models import Occupancy, Position, PositionCost
from tests.api_helpers import token_client
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    CountyFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR_MESSAGE = "Bitte ein Jahr zwischen 1990 und 2100 angeben."
RECIPIENT_MESSAGE = "Bitte das Kürzel eines Kreises oder einer kreisfreien Stadt angeben."


URL = reverse("api:overview")


@pytest.fixture
def rate():
    """Block 2, case management: up to 57,000 EUR/FTE of the employer gross (2023–2024)."""
    return FundingRateFactory(
        block=BuildingBlockFactory(number=2),
        kind="case_management",
        amount=Decimal("57000.00"),
        valid_from=date(2023, 1, 1),
        capped_at_cost=True,
    )


@pytest.fixture
def plan(city, rate):
    """One case-management position of 1.0 FTE at the KI, filled from 01.07.2024 (open end),
    planned employer gross 2024: 31,000.00 EUR."""
    position = PositionFactory(
        recipient=city,
        block=rate.block,
        funding_kind="case_management",
        title="Casemanagement KI",
        department="KI",
        fte=Decimal("1"),
        planned_start=date(2024, 7, 1),
    )
    OccupancyFactory(position=position, start=date(2024, 7, 1), end=None, fte=Decimal("1"))
    PositionCostFactory(
        position=position, year=2024, status="planned", employer_gross=Decimal("31000.00")
    )
    return position


def test_figures_of_a_hand_built_plan(finance_api, plan):
    # Filled: July to December = 6 months × 1.0 FTE = 6 FTE-months.
    # Flat amount: 57,000.00 × 6 / 12 = 28,500.00; capped at the cost: min(28,500.00, 31,000.00).
    # Own share: 31,000.00 − 28,500.00 = 2,500.00, carried by the city (employer = recipient).
    response = finance_api.get(URL, {"recipient": "leverkusen", "year": 2024})

    assert response.status_code == 200
    data = response.json()
    assert data["recipient"] == "leverkusen"
    assert data["year"] == 2024
    assert data["scenario"] is None
    assert data["totals"] == {
        "personnel_cost": "31000.00",
        "material_cost": "0.00",
        "total_cost": "31000.00",
        "funding_personnel": "28500.00",
        "funding_material": "0.00",
        "funding": "28500.00",
        "own_share": "2500.00",
    }
    assert data["position_funding"] == "28500.00"
    [position] = data["positions"]
    assert position["id"] == plan.pk
    assert position["filled_fte_months"] == "6.000"
    assert position["cost_source"] == "planned"
    assert position["cost_source_detail"] == ""  # no carrier statement behind a plan row
    assert position["funding"] == "28500.00"
    assert position["own_share"] == "2500.00"
    assert data["by_block"][0]["block"] == 2
    assert data["by_block"][0]["fte"] == "1.000"
    assert data["by_bearer"] == [
        {
            "organisation": "leverkusen",
            "name": "Stadt Leverkusen",
            "kind": "county_free_city",
            "amount": "2500.00",
        }
    ]
    # No grant notice for 2024: the funder's warning reaches the API too.
    assert "no_grant_notice" in {w["code"] for w in data["warnings"]}


def test_answer_is_exactly_the_shared_payload(finance_api, plan, city):
    response = finance_api.get(URL, {"recipient": "leverkusen", "year": "2024"})

    assert response.json() == overview_payload(cost_overview(city, 2024))


def test_year_without_the_position(finance_api, plan):
    # The position starts on 01.07.2024: nothing in 2023.
    data = finance_api.get(URL, {"recipient": "leverkusen", "year": 2023}).json()

    assert data["positions"] == []
    assert data["totals"]["total_cost"] == "0.00"


def test_scenario_funding_is_capped_at_its_cost(finance_api, plan, city):
    scenario = ScenarioFactory(recipient=city, slug="guenstiger")
    copy = PositionFactory(
        recipient=city,
        scenario=scenario,
        origin=plan,
        block=plan.block,
        title="Casemanagement KI",
        planned_start=date(2024, 7, 1),
    )
    OccupancyFactory(position=copy, start=date(2024, 7, 1))
    PositionCostFactory(position=copy, year=2024, employer_gross=Decimal("20000.00"))
    # Flat amount 57,000.00 × 6 / 12 = 28,500.00, but never more than the cost: 20,000.00.
    # Own share: 20,000.00 − 20,000.00 = 0.00.

    data = finance_api.get(URL, {"recipient": "leverkusen", "year": 2024, "scenario": "guenstiger"})

    assert data.status_code == 200
    assert data.json() == overview_payload(cost_overview(city, 2024, scenario=scenario))
    assert data.json()["scenario"] == "guenstiger"
    assert data.json()["totals"]["funding"] == "20000.00"
    assert data.json()["totals"]["own_share"] == "0.00"
    real = finance_api.get(URL, {"recipient": "leverkusen", "year": 2024, "scenario": "none"})
    assert real.json()["scenario"] is None
    assert real.json()["totals"]["own_share"] == "2500.00"


@pytest.mark.parametrize("role", ["coordinator", "council"])
def test_other_roles_of_the_recipient_read_it(role, plan, city):
    client = token_client(UserFactory(role=role, organisation=city))

    response = client.get(URL, {"recipient": "leverkusen", "year": 2024})

    assert response.status_code == 200
    assert response.json()["totals"]["own_share"] == "2500.00"


def test_admin_reads_every_recipient(plan):
    admin = token_client(UserFactory(role="admin", organisation=None))
    OrganisationFactory(slug="koeln")

    assert admin.get(URL, {"recipient": "leverkusen", "year": 2024}).status_code == 200
    assert admin.get(URL, {"recipient": "koeln", "year": 2024}).status_code == 200


# --- 400: parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"recipient": "leverkusen"}, {"year": [YEAR_MESSAGE]}),
        ({"recipient": "leverkusen", "year": ""}, {"year": [YEAR_MESSAGE]}),
        ({"recipient": "leverkusen", "year": "zwanzig"}, {"year": [YEAR_MESSAGE]}),
        ({"recipient": "leverkusen", "year": "1989"}, {"year": [YEAR_MESSAGE]}),
        ({"recipient": "leverkusen", "year": "2101"}, {"year": [YEAR_MESSAGE]}),
        ({"year": "2024"}, {"recipient": [RECIPIENT_MESSAGE]}),
        ({"recipient": "", "year": "2024"}, {"recipient": [RECIPIENT_MESSAGE]}),
        ({"recipient": "Stadt Leverkusen", "year": "2024"}, {"recipient": [RECIPIENT_MESSAGE]}),
        ({}, {"recipient": [RECIPIENT_MESSAGE], "year": [YEAR_MESSAGE]}),
        (
            {"recipient": "leverkusen", "year": "2024", "scenario": "kein kürzel"},
            {
                "scenario": [
                    "Bitte das Kürzel eines Szenarios angeben (oder „none“ für den echten Plan)."
                ]
            },
        ),
    ],
)
def test_missing_or_invalid_parameters(finance_api, city, query, errors):
    response = finance_api.get(URL, query)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize("make", [TownFactory, CarrierFactory], ids=["town", "carrier"])
def test_organisation_that_receives_no_funding(make):
    organisation = make(name="Hückeswagen", slug="kein-empfaenger")
    admin = token_client(UserFactory(role="admin"))

    response = admin.get(URL, {"recipient": "kein-empfaenger", "year": 2024})

    assert response.status_code == 400
    assert response.json() == {
        "recipient": [
            f"„{organisation.name}“ ist kein Zuwendungsempfänger (nur Kreise und kreisfreie Städte)."
        ]
    }


def test_county_is_a_recipient():
    CountyFactory(slug="kreis-wesel")
    admin = token_client(UserFactory(role="admin"))

    assert admin.get(URL, {"recipient": "kreis-wesel", "year": 2024}).status_code == 200


# --- 404: unknown or outside the scope --------------------------------------------------------


def test_unknown_recipient(finance_api):
    response = finance_api.get(URL, {"recipient": "gibt-es-nicht", "year": 2024})

    assert response.status_code == 404
    assert response.json() == {"detail": "Unbekannter Zuwendungsempfänger „gibt-es-nicht“."}


def test_another_recipient_answers_like_an_unknown_one(finance_api, plan):
    OrganisationFactory(name="Stadt Köln", slug="koeln")

    response = finance_api.get(URL, {"recipient": "koeln", "year": 2024})

    assert response.status_code == 404
    assert response.json() == {"detail": "Unbekannter Zuwendungsempfänger „koeln“."}


@pytest.mark.parametrize("make", [CarrierFactory, TownFactory], ids=["carrier", "town"])
def test_carrier_and_town_users_get_404(make, plan):
    organisation = make()
    role = "carrier" if organisation.kind == "carrier" else "town"
    client = token_client(UserFactory(role=role, organisation=organisation))

    assert client.get(URL, {"recipient": "leverkusen", "year": 2024}).status_code == 404
    assert client.get(URL, {"recipient": organisation.slug, "year": 2024}).status_code == 404


def test_unknown_scenario_and_another_recipients_scenario(finance_api, plan):
    koeln = OrganisationFactory(slug="koeln")
    ScenarioFactory(recipient=koeln, slug="nur-koeln")

    unknown = finance_api.get(URL, {"recipient": "leverkusen", "year": 2024, "scenario": "x"})
    foreign = finance_api.get(
        URL, {"recipient": "leverkusen", "year": 2024, "scenario": "nur-koeln"}
    )

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Unbekanntes Szenario „x“ bei Stadt Leverkusen."}
    assert foreign.status_code == 404


# --- Authentication ---------------------------------------------------------------------------


def test_anonymous_and_roleless_users_are_refused(city):
    query = {"recipient": "leverkusen", "year": 2024}
    roleless = token_client(UserFactory(organisation=city))

    # Anonymous (and a bad token): 403, not 401: the session scheme comes first in
    # REST_FRAMEWORK's authentication classes and sends no WWW-Authenticate challenge.
    assert APIClient().get(URL, query).status_code == 403
    assert roleless.get(URL, query).status_code == 403


def test_overview_is_read_only(finance_api, plan):
    query = "?recipient=leverkusen&year=2024"

    assert finance_api.post(URL + query, {}).status_code == 405
    assert finance_api.delete(URL + query).status_code == 405


# --- Query count ------------------------------------------------------------------------------

# Token + user with its role (1), the recipient (1), the year's plan (selectors.year_plan:
# positions, occupancies, costs, cost table, served towns, forwarding agreements, cost splits,
# split members, split positions, block names, rates, grant notices, programme costs, revenue
# accounts: 14); a scenario adds its lookup (1). Without a cost split in force the selector
# skips the two queries of split members and split positions.
OVERVIEW_QUERIES = 18


def bulk_plan(n, recipient, block, scenario=None):
    """n copies of the hand-built position; all of them in one cost split of two towns."""
    positions = Position.objects.bulk_create(
        Position(
            recipient=recipient,
            scenario=scenario,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:04}",
            fte=Decimal("1"),
            employer=recipient,
            planned_start=date(2024, 7, 1),
        )
        for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2024, 7, 1), fte=Decimal("1")) for p in positions
    )
    PositionCost.objects.bulk_create(
        PositionCost(position=p, year=2024, status="planned", employer_gross=Decimal("31000"))
        for p in positions
    )
    split = CostSplitFactory(recipient=recipient, scenario=scenario)
    CostSplitMemberFactory(split=split, organisation=TownFactory())
    CostSplitMemberFactory(split=split, organisation=TownFactory())
    split.positions.add(*positions)


@pytest.mark.parametrize("n", [10, 1000])
def test_overview_query_count_is_constant(n, finance_api, city, rate, django_assert_num_queries):
    bulk_plan(n, city, rate.block)

    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = finance_api.get(URL, {"recipient": "leverkusen", "year": 2024})

    assert response.status_code == 200
    assert len(response.data["positions"]) == n
    # n × the hand-built position: 31,000.00 cost, 28,500.00 funding, 2,500.00 own share.
    assert Decimal(response.data["totals"]["own_share"]) == n * Decimal("2500.00")


@pytest.mark.parametrize("n", [10, 1000])
def test_scenario_overview_query_count_is_constant(
    n, finance_api, city, rate, django_assert_num_queries
):
    scenario = ScenarioFactory(recipient=city, slug="stadt")
    bulk_plan(n, city, rate.block, scenario=scenario)

    with django_assert_num_queries(OVERVIEW_QUERIES + 1):
        response = finance_api.get(
            URL, {"recipient": "leverkusen", "year": 2024, "scenario": "stadt"}
        )

    assert response.status_code == 200
    assert len(response.data["positions"]) == n

"""``/api/projections/``: written whole with its rows (all or nothing, German messages naming
the row), read in scope only, the projected years by hand, query counts pinned."""

from datetime import date
from decimal import Decimal as D

import pytest

from funding.models import Projection, ProjectionPayRise
from tests.api_helpers import list_url, token_client
from tests.factories import (
    CarrierFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = list_url("projection")


@pytest.fixture
def city():
    return OrganisationFactory(name="Stadt Musterhausen", slug="musterhausen")


@pytest.fixture
def position(city):
    """One full-time case manager filled from 2024, 60,000 employer gross in 2024, funded
    with 57,000 a year (not capped at cost)."""
    FundingRateFactory(amount=D("57000.00"), capped_at_cost=False, valid_from=date(2023, 1, 1))
    position = PositionFactory(recipient=city, planned_start=date(2024, 1, 1))
    OccupancyFactory(position=position)
    PositionCostFactory(position=position, year=2024, employer_gross=D("60000.00"))
    return position


def body(city, **overrides):
    data = {
        "recipient": city.pk,
        "name": "Tarif",
        "base_year": 2024,
        "last_year": 2026,
        "pay_rises": [
            {"effective_from": "2025-04-01", "percent": "3.0"},
            {"effective_from": "2026-05-01", "percent": "2.8"},
        ],
    }
    data.update(overrides)
    return data


def test_create_and_results_by_hand(city, finance, position):
    api = token_client(finance)
    response = api.post(LIST, body(city), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert [r["percent"] for r in created["pay_rises"]] == ["3.000", "2.800"]
    projection = Projection.objects.get()
    assert projection.history.first().history_user == finance

    results = api.get(created["results_url"]).json()
    years = {y["year"]: y for y in results["years"]}
    # 2024 as planned: 60,000 cost, 57,000 funding, 3,000 own share.
    assert years[2024]["projected"]["own_share"] == "3000.00"
    # 2025: 60,000 × (3 + 9 × 1.03) / 12 = 61,350.00.
    assert years[2025]["projected"]["cost"] == "61350.00"
    assert years[2025]["projected"]["own_share"] == "4350.00"
    # 2026: 5,000 × (4 × 1.03 + 8 × 1.03 × 1.028) = 62,953.60.
    assert years[2026]["projected"]["cost"] == "62953.60"
    assert years[2026]["projected"]["bearers"] == {"musterhausen": "5953.60"}
    # The plan itself carries 2024 forward with the programme's pay rises (issue 14: the same
    # TVöD rises as this projection's), so the projection makes no difference.
    assert years[2026]["planned"]["cost"] == "62953.60"
    assert years[2026]["difference"]["cost"] == "0.00"
    assert results["total"]["projected"]["cost"] == "184303.60"


def test_programme_end_makes_it_all_own_share(city, finance, position):
    api = token_client(finance)
    response = api.post(LIST, body(city, programme_end_year=2026), format="json")
    results = api.get(response.json()["results_url"]).json()
    last = results["years"][-1]
    assert last["projected"]["funding"] == "0.00"
    assert last["projected"]["own_share"] == "62953.60"


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        (
            {"pay_rises": [{"effective_from": "2025-04-01", "percent": "-100.5"}]},
            "pay_rises.0.percent",
            "Eine Tarifänderung unter −100 % ist nicht möglich",
        ),
        ({"last_year": 2023}, "last_year", "muss nach dem Ausgangsjahr (2024) liegen"),
        (
            {
                "pay_rises": [
                    {"effective_from": "2025-04-01", "percent": "3"},
                    {"effective_from": "2025-04-01", "percent": "2"},
                ]
            },
            "pay_rises.1.__all__",
            "An diesem Tag ist schon eine Tarifänderung eingetragen.",
        ),
    ],
)
def test_bad_input_answers_400_in_german_and_saves_nothing(
    city, finance, position, overrides, key, message
):
    response = token_client(finance).post(LIST, body(city, **overrides), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert key in errors, errors
    assert any(message in m for m in errors[key])
    assert not Projection.objects.exists()
    assert not ProjectionPayRise.objects.exists()


def test_update_replaces_rows_and_checks_the_version(city, finance, position):
    api = token_client(finance)
    created = api.post(LIST, body(city), format="json")
    url = created.json()["url"]
    etag = created["ETag"]
    response = api.patch(
        url,
        {"pay_rises": [{"effective_from": "2025-01-01", "percent": "5"}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert [r["percent"] for r in response.json()["pay_rises"]] == ["5.000"]
    stale = api.patch(url, {"name": "Alt"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_other_scope_gets_404(city, finance, position):
    created = token_client(finance).post(LIST, body(city), format="json").json()
    other = UserFactory(role="finance", organisation=OrganisationFactory(slug="andere"))
    carrier = UserFactory(role="carrier", organisation=CarrierFactory())
    for user in (other, carrier):
        api = token_client(user)
        assert api.get(created["url"]).status_code == 404
        assert api.get(created["results_url"]).status_code == 404
        assert api.get(LIST).json()["results"] == []
    council = UserFactory(role="council", organisation=city)
    assert token_client(council).get(created["results_url"]).status_code == 200
    assert token_client(council).delete(created["url"]).status_code == 403


def test_position_of_another_recipient_is_refused(city, finance, position):
    foreign = PositionFactory(recipient=OrganisationFactory(slug="fremd"))
    response = token_client(finance).post(
        LIST,
        body(
            city, position_changes=[{"action": "end", "position": foreign.pk, "on": "2025-06-30"}]
        ),
        format="json",
    )
    assert response.status_code == 400
    assert not Projection.objects.exists()


@pytest.mark.parametrize("n", [10, 200])
def test_list_query_count_is_pinned(city, finance, n, django_assert_num_queries):
    projections = Projection.objects.bulk_create(
        Projection(recipient=city, name=f"F {i}", base_year=2024, last_year=2027) for i in range(n)
    )
    ProjectionPayRise.objects.bulk_create(
        ProjectionPayRise(projection=p, effective_from=date(2025, 4, 1), percent=D("3"))
        for p in projections
    )
    api = token_client(finance)
    # Token and user with its role, the role's permissions, count, page, one query per nested list: the
    # same for 10 and for 200 projections.
    with django_assert_num_queries(7):
        response = api.get(LIST + "?page_size=500")
    assert response.status_code == 200


def test_scenario_of_another_recipient_is_refused(city, finance, position):
    from tests.factories import ScenarioFactory

    foreign = ScenarioFactory(recipient=OrganisationFactory(slug="fremd"))
    response = token_client(finance).post(LIST, body(city, scenario=foreign.pk), format="json")
    assert response.status_code == 400
    assert "scenario" in response.json()
    assert not Projection.objects.exists()

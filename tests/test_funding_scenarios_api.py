"""The scenario endpoints: copy, quick changes, delete, the comparison; scope and German
messages; query counts of the list and the comparison."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import Organisation
from funding.models import Scenario
from staffing.models import Position
from tests import factories as f
from tests.api_helpers import token_client

pytestmark = pytest.mark.django_db

BASE = "/api/scenarios/"
COMPARE = "/api/scenarios/compare/"


def client_for(role, organisation):
    return token_client(f.UserFactory(role=role, organisation=organisation))


def test_compare_endpoint_gives_the_seed_000_ranking(leverkusen):
    api = client_for("coordinator", leverkusen)
    response = api.get(
        COMPARE,
        {
            "recipient": "leverkusen",
            "scenarios": "szenario-1,szenario-2,szenario-3,szenario-4",
            "years": "2025-2028",
        },
    )
    assert response.status_code == 200, response.data
    data = response.data
    assert data["years"] == [2025, 2026, 2027, 2028]
    assert data["ranking"][0] == "szenario-4"
    savings = {p["scenario"]: D(p["saving_total"]) for p in data["plans"]}
    assert savings["szenario-1"] == 0 < savings["szenario-2"]
    baseline = data["plans"][0]
    assert baseline["scenario"] is None
    assert baseline["years"]["2025"]["own_share"] == "607266.20"


def test_compare_refuses_foreign_and_too_many(leverkusen):
    api = client_for("finance", leverkusen)
    response = api.get(
        COMPARE, {"recipient": "leverkusen", "scenarios": "voerde-eigene-stelle", "years": "2025"}
    )
    assert response.status_code == 404
    assert "Unbekanntes Szenario „voerde-eigene-stelle“" in str(response.data)
    assert api.get(COMPARE, {"recipient": "kreis-wesel", "years": "2025"}).status_code == 404
    Scenario.objects.create(recipient=leverkusen, name="Fünf", slug="fuenf")
    response = api.get(
        COMPARE,
        {
            "recipient": "leverkusen",
            "scenarios": "szenario-1,szenario-2,szenario-3,szenario-4,fuenf",
            "years": "2025",
        },
    )
    assert response.status_code == 400
    assert "höchstens 4 Szenarien" in str(response.data)
    response = api.get(COMPARE, {"recipient": "leverkusen", "years": "2025/26"})
    assert response.status_code == 400
    assert "sind unklar" in str(response.data)


def test_voerde_through_the_api(demo_data):
    api = token_client(f.UserFactory(role="admin", organisation=None))
    response = api.get(
        COMPARE,
        {
            "recipient": "kreis-wesel",
            "scenarios": "voerde-eigene-stelle",
            "years": "2022",
            "bearer": "voerde",
        },
    )
    base, own = response.data["plans"]
    assert base["years"]["2022"]["bearers"]["voerde"] == "5941.25"
    assert own["years"]["2022"]["bearers"]["voerde"] == "23414.46"
    assert own["saving_total"] == "-17473.21"


def test_copy_change_and_delete_through_the_api(leverkusen):
    api = client_for("finance", leverkusen)
    response = api.post(BASE, {"name": "API", "slug": "api-kopie"}, format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    response = api.post(
        f"{BASE}{pk}/move-to-recipient/", {"carrier": "awo-leverkusen"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert len(response.data["moved"]) == 2
    response = api.post(f"{BASE}{pk}/lower-extra-cost/", {"percent": "10"}, format="json")
    assert response.status_code == 200, response.data
    assert set(response.data["carriers"]) == {"caritas-leverkusen", "diakonie-leverkusen"}
    response = api.post(
        f"{BASE}{pk}/cut-block/",
        {"block": 2, "n_positions": 20, "effective": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "nichts zu kürzen" in str(response.data)
    response = api.post(
        f"{BASE}{pk}/change-rate/",
        {"block": 2, "kind": "case_management", "amount": "58000.00", "valid_from": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 200, response.data
    response = api.patch(f"{BASE}{pk}/", {"name": "API umbenannt"}, format="json")
    assert response.status_code == 200 and response.data["name"] == "API umbenannt"
    assert api.delete(f"{BASE}{pk}/").status_code == 204
    assert not Position.objects.filter(scenario_id=pk).exists()


def test_council_and_carriers_cannot_write(leverkusen):
    pk = Scenario.objects.get(slug="szenario-1").pk
    council = client_for("council", leverkusen)
    assert council.post(BASE, {"name": "x", "slug": "x"}, format="json").status_code == 403
    assert council.post(f"{BASE}{pk}/move-to-recipient/", {}, format="json").status_code == 403
    carrier = client_for("carrier", Organisation.objects.get(slug="caritas-leverkusen"))
    # Carriers hold no permission on scenarios at all.
    assert carrier.get(BASE).status_code == 403
    assert carrier.get(f"{BASE}{pk}/").status_code == 403
    other = client_for("finance", f.OrganisationFactory())
    assert other.post(f"{BASE}{pk}/move-to-recipient/", {}, format="json").status_code == 404


def _queries(api, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, params or {})
        assert response.status_code == 200, response.data
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows():
    city = f.OrganisationFactory()
    api = client_for("finance", city)
    f.ScenarioFactory.create_batch(10, recipient=city)
    ten = _queries(api, BASE, {"page_size": 1000})
    Scenario.objects.bulk_create(
        [Scenario(recipient=city, name=f"S {i}", slug=f"bulk-{i}") for i in range(990)]
    )
    assert _queries(api, BASE, {"page_size": 1000}) == ten


def test_compare_queries_do_not_grow_with_positions():
    city = f.OrganisationFactory(slug="stadt")
    block = f.BuildingBlockFactory(number=2)
    api = client_for("finance", city)
    scenario = Scenario.objects.create(recipient=city, name="S", slug="s")
    params = {"recipient": "stadt", "scenarios": "s", "years": "2024-2026"}
    f.PositionFactory.create_batch(5, recipient=city, block=block)
    few = _queries(api, COMPARE, params)
    f.PositionFactory.create_batch(100, recipient=city, block=block)
    f.PositionFactory.create_batch(100, recipient=city, block=block, scenario=scenario)
    assert _queries(api, COMPARE, params) == few

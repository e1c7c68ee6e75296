"""Writing positions through the API: rules refuse the write whole, scope and roles hold,
and every write lands in the history with its user."""

from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from staffing.models import Occupancy, Position, PositionTown
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CountyFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def client_for(role, organisation):
    user = UserFactory(role=role, organisation=organisation)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def payload(city, **overrides):
    data = {
        "recipient": city.id,
        "block": BuildingBlockFactory(number=2).id,
        "funding_kind": "case_management",
        "title": "Casemanagement KI 4",
        "fte": "1.000",
        "employer": city.id,
        "planned_start": "2025-01-01",
        "occupancies": [{"start": "2025-07-01", "fte": "1.000"}],
    }
    data.update(overrides)
    return data


def test_finance_creates_a_position_with_occupancy_and_towns(city):
    # Towns of the recipient's county (another county's town is refused: the isolation tests).
    city = CountyFactory(name="Oberbergischer Kreis")
    client, user = client_for("finance", city)
    town_a, town_b = TownFactory(parent=city), TownFactory(parent=city)
    response = client.post(
        "/api/positions/",
        payload(
            city,
            served_towns=[
                {"town": town_a.id, "share": "50"},
                {"town": town_b.id, "share": "50"},
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.data
    position = Position.objects.get(pk=response.data["id"])
    assert response.data["occupancies"][0]["start"] == "2025-07-01"
    assert {t["town"] for t in response.data["served_towns"]} == {town_a.id, town_b.id}
    assert position.history.get().history_user == user
    assert Occupancy.history.get().history_user == user


def test_shares_not_summing_to_100_refuse_the_whole_write(city):
    city = CountyFactory(name="Oberbergischer Kreis")
    client, _user = client_for("finance", city)
    town_a, town_b = TownFactory(parent=city), TownFactory(parent=city)
    response = client.post(
        "/api/positions/",
        payload(
            city,
            served_towns=[
                {"town": town_a.id, "share": "60"},
                {"town": town_b.id, "share": "30"},
            ],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.data["served_towns"] == [
        "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 90 %)."
    ]
    assert not Position.objects.exists()
    assert not Occupancy.objects.exists()
    assert not PositionTown.objects.exists()


def test_occupancy_above_fte_refuses_the_whole_write(city):
    client, _user = client_for("coordinator", city)
    response = client.post(
        "/api/positions/",
        payload(
            city,
            fte="0.500",
            occupancies=[
                {"start": "2025-01-01", "fte": "0.500"},
                {"start": "2025-03-01", "end": "2025-05-31", "fte": "0.500"},
            ],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.data["occupancies"] == [
        "Die Besetzung (1 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ)."
    ]
    assert not Position.objects.exists()


def test_field_rule_is_named_next_to_the_field(city):
    client, _user = client_for("finance", city)
    response = client.post("/api/positions/", payload(city, fte="1.500"), format="json")
    assert response.status_code == 400
    assert response.data["fte"] == [
        "Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."
    ]


def test_update_replaces_the_occupancy_and_keeps_the_old_one_on_error(city):
    client, _user = client_for("finance", city)
    position = PositionFactory(recipient=city, planned_start=date(2022, 1, 1))
    OccupancyFactory(position=position, start=date(2022, 1, 1), end=date(2023, 6, 30))
    url = f"/api/positions/{position.pk}/"

    bad = client.patch(
        url, {"title": "Neu", "occupancies": [{"start": "2021-01-01", "fte": "1"}]}, format="json"
    )
    assert bad.status_code == 400
    position.refresh_from_db()
    assert position.title != "Neu"
    assert position.occupancies.get().end == date(2023, 6, 30)

    good = client.patch(url, {"occupancies": [{"start": "2023-07-01", "fte": "1"}]}, format="json")
    assert good.status_code == 200, good.data
    assert [o["start"] for o in good.data["occupancies"]] == ["2023-07-01"]


def test_partial_update_without_nested_keys_keeps_them(city):
    client, _user = client_for("finance", city)
    position = PositionFactory(recipient=city)
    OccupancyFactory(position=position)
    response = client.patch(f"/api/positions/{position.pk}/", {"title": "Umbenannt"}, format="json")
    assert response.status_code == 200
    assert response.data["title"] == "Umbenannt"
    assert len(response.data["occupancies"]) == 1


def test_position_of_another_recipient_answers_404(city):
    client, _user = client_for("finance", city)
    foreign = PositionFactory(recipient=OrganisationFactory())
    url = f"/api/positions/{foreign.pk}/"
    assert client.patch(url, {"title": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Position.objects.filter(pk=foreign.pk, title=foreign.title).exists()


def test_creating_for_another_recipient_is_refused(city):
    client, _user = client_for("finance", city)
    other = OrganisationFactory()
    response = client.post(
        "/api/positions/", payload(city, recipient=other.id, employer=other.id), format="json"
    )
    assert response.status_code == 400
    # Another recipient is not even a choice: the scoped reference answers like a missing one.
    assert response.data["recipient"] == [
        f"„{other.id}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]
    assert not Position.objects.exists()


@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_read_only_roles_cannot_write_whatever_they_send(city, role):
    organisation = {"council": city, "carrier": CarrierFactory(), "town": TownFactory()}[role]
    client, _user = client_for(role, organisation)
    position = PositionFactory(recipient=city, employer=organisation if role == "carrier" else city)
    assert client.post("/api/positions/", payload(city), format="json").status_code == 403
    url = f"/api/positions/{position.pk}/"
    # No change or delete permission: refused before the scope is looked at.
    assert client.patch(url, {"title": "x"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    position.refresh_from_db()
    assert position.title != "x"


def test_delete_records_the_user(city):
    client, user = client_for("finance", city)
    position = PositionFactory(recipient=city)
    OccupancyFactory(position=position)
    assert client.delete(f"/api/positions/{position.pk}/").status_code == 204
    assert not Position.objects.exists()
    deletion = Position.history.filter(history_type="-").get()
    assert deletion.history_user == user
    assert Occupancy.history.filter(history_type="-").get().history_user == user


def test_fte_and_occupancy_lowered_together(city):
    client, _user = client_for("finance", city)
    position = PositionFactory(recipient=city, fte=D("1"))
    OccupancyFactory(position=position, fte=D("1"))
    response = client.patch(
        f"/api/positions/{position.pk}/",
        {"fte": "0.500", "occupancies": [{"start": "2023-01-01", "fte": "0.5"}]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data["fte"] == "0.500"


def test_stale_if_match_answers_412_and_changes_nothing(city):
    client, _user = client_for("finance", city)
    position = PositionFactory(recipient=city, title="Original")
    url = f"/api/positions/{position.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == f'"staffing.position-{position.pk}-v1"'

    # Someone else saves in between (version 1 -> 2).
    first = client.patch(url, {"title": "Erste Änderung"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] == f'"staffing.position-{position.pk}-v2"'

    stale = client.patch(url, {"title": "Zweite Änderung"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "inzwischen von jemand anderem geändert" in stale.data["detail"]
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    position.refresh_from_db()
    assert (position.title, position.version) == ("Erste Änderung", 2)

    fresh = client.patch(url, {"title": "Dritte"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200

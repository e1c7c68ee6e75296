"""Occupancy periods and yearly costs of a position, on pages of their own: the position comes
from the URL; roles, German input and errors, stale forms, rows replaced in between."""

from datetime import date
from decimal import Decimal as D

import pytest

from staffing.models import Occupancy, Position, PositionCost
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    FundingRateFactory,
    OccupancyFactory,
    PositionCostFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city, other_city):
    caritas = CarrierFactory(name="Caritasverband Leverkusen", slug="caritas")
    town = TownFactory(name="Burscheid")
    FundingRateFactory(amount=D("57000.00"), valid_from=date(2023, 1, 1))
    position = PositionFactory(
        recipient=city,
        employer=caritas,
        block=BuildingBlockFactory(number=2),
        title="Casemanagement Caritas",
        fte=D("1"),
        planned_start=date(2023, 1, 1),
    )
    occupancy = OccupancyFactory(position=position, start=date(2023, 7, 1), fte=D("1"))
    cost = PositionCostFactory(position=position, year=2024, employer_gross=D("61000.00"))
    users = {
        "finance": UserFactory(role="finance", organisation=city),
        "coordinator": UserFactory(role="coordinator", organisation=city),
        "council": UserFactory(role="council", organisation=city),
        "carrier": UserFactory(role="carrier", organisation=caritas),
        "town": UserFactory(role="town", organisation=town),
        "other_finance": UserFactory(role="finance", organisation=other_city),
        "admin": UserFactory(role="admin", organisation=city),
    }
    return {"position": position, "occupancy": occupancy, "cost": cost, "users": users}


def login(client, world, role):
    user = world["users"][role]
    client.force_login(user)
    return user


def urls(world):
    p, o, c = world["position"].pk, world["occupancy"].pk, world["cost"].pk
    base = f"/stellen/{p}"
    return {
        "occupancy_add": f"{base}/besetzungen/neu/",
        "occupancy_edit": f"{base}/besetzungen/{o}/bearbeiten/",
        "occupancy_delete": f"{base}/besetzungen/{o}/loeschen/",
        "cost_add": f"{base}/kosten/neu/",
        "cost_edit": f"{base}/kosten/{c}/bearbeiten/",
        "cost_delete": f"{base}/kosten/{c}/loeschen/",
    }


OCCUPANCY = {"start": "01.01.2025", "end": "", "fte": "0,5", "note": "Teilzeit", "version": "1"}
COST = {
    "year": "2025",
    "status": "forecast",
    "employer_gross": "62.500,50",
    "material": "1.200,00",
    "overhead_rate": "20",
    "overhead_amount": "",
    "one_off": "0",
    "note": "Prognose der Trägerin",
    "version": "1",
}
EXPECTED = {
    "finance": 200,
    "coordinator": 200,
    "admin": 200,
    "council": 403,
    "carrier": 403,
    "town": 403,
    "other_finance": 404,
}


def snapshot():
    return (
        list(Occupancy.objects.values_list("pk", "start", "end", "fte", "version")),
        list(PositionCost.objects.values_list("pk", "year", "status", "employer_gross", "version")),
        list(Position.objects.values_list("pk", "version")),
        Occupancy.history.count() + PositionCost.history.count(),
    )


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_row_page_answers_each_role_as_expected(client, world, role):
    login(client, world, role)
    for name, url in urls(world).items():
        assert client.get(url).status_code == EXPECTED[role], name


@pytest.mark.parametrize("role", ["council", "carrier", "town", "other_finance"])
def test_refused_row_writes_change_nothing(client, world, role):
    login(client, world, role)
    before = snapshot()
    u = urls(world)
    codes = {
        client.post(u["occupancy_add"], OCCUPANCY).status_code,
        client.post(u["occupancy_edit"], OCCUPANCY).status_code,
        client.post(u["occupancy_delete"], {"version": "1"}).status_code,
        client.post(u["cost_add"], COST).status_code,
        client.post(u["cost_edit"], COST).status_code,
        client.post(u["cost_delete"], {"version": "1"}).status_code,
    }
    assert codes == {EXPECTED[role]}
    assert snapshot() == before


def test_a_row_is_found_only_under_its_own_position(client, world):
    login(client, world, "finance")
    other = PositionFactory(recipient=world["position"].recipient, block=world["position"].block)
    o, c = world["occupancy"].pk, world["cost"].pk
    assert client.get(f"/stellen/{other.pk}/besetzungen/{o}/bearbeiten/").status_code == 404
    assert client.post(f"/stellen/{other.pk}/kosten/{c}/loeschen/").status_code == 404
    assert PositionCost.objects.filter(pk=c).exists()


# --- Occupancy --------------------------------------------------------------------------------


def test_adding_an_occupancy_with_german_input(client, world):
    user = login(client, world, "finance")
    position, occupancy = world["position"], world["occupancy"]
    occupancy.end = date(2024, 12, 31)
    occupancy.save()
    response = client.post(urls(world)["occupancy_add"], OCCUPANCY)
    assert response.status_code == 302
    assert response["Location"] == f"/stellen/{position.pk}/#besetzungen"
    new = position.occupancies.get(start=date(2025, 1, 1))
    assert (new.end, new.fte, new.note, new.version) == (None, D("0.5"), "Teilzeit", 1)
    assert new.history.get().history_user == user
    position.refresh_from_db()
    assert position.version == 2  # a position form read before this is now stale


def test_occupancy_errors_in_german_next_to_the_field(client, world):
    login(client, world, "finance")
    url = urls(world)["occupancy_add"]
    response = client.post(url, {**OCCUPANCY, "start": "01.01.2022"})
    assert response.status_code == 200
    assert response.context["form"].errors["start"] == [
        "Die Besetzung beginnt vor dem Beginn der Stelle (01.01.2023)."
    ]
    # Together with the open period from 01.07.2023 the position would be filled 1,5 FTE.
    response = client.post(url, OCCUPANCY)
    assert response.context["form"].errors["fte"] == [
        "Die Besetzung (1,5 VZ) übersteigt den Stellenanteil der Stelle (1 VZ)."
    ]
    response = client.post(url, {**OCCUPANCY, "end": "31.12.2024", "fte": "0,5x"})
    errors = response.context["form"].errors
    assert errors["end"] == ["Das Ende darf nicht vor dem Beginn liegen."]
    assert errors["fte"] == ["Bitte eine Zahl eingeben."]
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.content.decode()
    assert world["position"].occupancies.count() == 1


def test_editing_an_occupancy_and_a_stale_second_save(client, world):
    login(client, world, "coordinator")
    url = urls(world)["occupancy_edit"]
    form = client.get(url).context["form"]
    assert form["start"].value() == date(2023, 7, 1)
    assert 'value="01.07.2023"' in client.get(url).content.decode()
    first = client.post(url, {**OCCUPANCY, "start": "01.08.2023", "fte": "1", "version": "1"})
    assert first.status_code == 302
    second = client.post(url, {**OCCUPANCY, "start": "01.09.2023", "fte": "1", "version": "1"})
    assert second.status_code == 409
    html = second.content.decode()
    assert "Jemand anderes hat diesen Datensatz gespeichert" in html
    assert f"/stellen/{world['position'].pk}/verlauf/" in html
    occupancy = Occupancy.objects.get(pk=world["occupancy"].pk)
    assert (occupancy.start, occupancy.version) == (date(2023, 8, 1), 2)


def test_a_row_replaced_in_between_answers_409_not_404(client, world):
    login(client, world, "finance")
    u = urls(world)
    world["occupancy"].delete()  # e.g. replaced by a save of the position's form
    response = client.post(u["occupancy_edit"], OCCUPANCY)
    assert response.status_code == 409
    assert "Jemand anderes hat diesen Datensatz gespeichert" in response.content.decode()
    assert client.post(u["occupancy_delete"], {"version": "1"}).status_code == 409
    # A row that never belonged to the position stays "not found".
    assert (
        client.get(f"/stellen/{world['position'].pk}/besetzungen/999999/bearbeiten/").status_code
        == 404
    )


def test_deleting_an_occupancy(client, world):
    user = login(client, world, "finance")
    url = urls(world)["occupancy_delete"]
    assert "wirklich gelöscht werden" in client.get(url).content.decode()
    assert client.post(url, {"version": "0"}).status_code == 409
    assert Occupancy.objects.filter(pk=world["occupancy"].pk).exists()
    response = client.post(url, {"version": "1"})
    assert response["Location"] == f"/stellen/{world['position'].pk}/#besetzungen"
    assert not Occupancy.objects.filter(pk=world["occupancy"].pk).exists()
    assert Occupancy.history.get(history_type="-").history_user == user
    page = client.get(f"/stellen/{world['position'].pk}/").content.decode()
    assert "Die Stelle ist unbesetzt" in page


# --- Costs ------------------------------------------------------------------------------------


def test_adding_a_cost_with_german_input(client, world):
    user = login(client, world, "finance")
    response = client.post(urls(world)["cost_add"], COST)
    assert response.status_code == 302
    assert response["Location"] == f"/stellen/{world['position'].pk}/#kosten"
    cost = PositionCost.objects.get(year=2025)
    assert (cost.status, cost.employer_gross, cost.material, cost.overhead_rate) == (
        "forecast",
        D("62500.50"),
        D("1200.00"),
        D("20"),
    )
    assert cost.history.get().history_user == user
    page = client.get(f"/stellen/{world['position'].pk}/").content.decode()
    assert "62.500,50\u00a0€" in page and "Prognose" in page


def test_cost_errors_in_german_next_to_the_field(client, world):
    login(client, world, "finance")
    url = urls(world)["cost_add"]
    duplicate = client.post(url, {**COST, "year": "2024", "status": "planned"})
    assert duplicate.context["form"].errors["year"] == [
        "Für diese Stelle, dieses Jahr und diesen Stand gibt es schon Kosten."
    ]
    both = client.post(url, {**COST, "overhead_amount": "5.000,00"})
    assert both.context["form"].errors["overhead_amount"] == [
        "Gemeinkosten bitte entweder als Prozentsatz oder als Betrag angeben, nicht beides."
    ]
    negative = client.post(url, {**COST, "employer_gross": "-1,00", "year": "1989"})
    errors = negative.context["form"].errors
    assert errors["employer_gross"] == ["Der Betrag darf nicht negativ sein."]
    assert errors["year"] == ["Bitte ein Jahr ab 1990 angeben."]
    assert PositionCost.objects.count() == 1


def test_editing_a_cost_and_a_stale_second_save(client, world):
    login(client, world, "finance")
    url = urls(world)["cost_edit"]
    assert 'value="61.000,00"' in client.get(url).content.decode()
    edit = {**COST, "year": "2024", "status": "planned"}
    first = client.post(url, {**edit, "employer_gross": "61.500,00"})
    assert first.status_code == 302
    second = client.post(url, {**edit, "employer_gross": "70.000,00"})
    assert second.status_code == 409
    cost = PositionCost.objects.get(pk=world["cost"].pk)
    assert (cost.employer_gross, cost.version) == (D("61500.00"), 2)


def test_deleting_a_cost(client, world):
    login(client, world, "finance")
    url = urls(world)["cost_delete"]
    response = client.post(url, {"version": "1"})
    assert response["Location"] == f"/stellen/{world['position'].pk}/#kosten"
    assert not PositionCost.objects.exists()

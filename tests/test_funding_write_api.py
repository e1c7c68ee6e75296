"""Writing the plan's rows through the API (occupancies, position costs, rates, grant notices,
programme costs, revenue accounts): the models' rules answer 400 next to the field and refuse
the write whole, If-Match guards against lost updates, scope and roles hold, and every write
lands in the history with its user. Positions: tests/test_staffing_write_api.py."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from funding.models import FundingRate, GrantNotice, GrantNoticeBlock, ProgrammeCost, RevenueAccount
from staffing.models import Occupancy, Position, PositionCost
from tests.api_helpers import detail_url, list_url
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    ProgrammeCostFactory,
    ProgrammeFactory,
    RevenueAccountFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Endpoint:
    basename: str
    model: type
    # An existing row of the recipient.
    make: Callable
    # Valid data to create a row for the recipient.
    payload: Callable
    # (data, key, German message) of a write the rules refuse; may create rows it needs.
    invalid: Callable
    # A field and a new value for a change.
    change: tuple[str, str]

    def __str__(self):
        return self.basename


def _occupancy_invalid(r):
    position = PositionFactory(recipient=r)
    data = {"position": position.id, "start": "2024-06-01", "end": "2024-01-01", "fte": "0.5"}
    return data, "end", "Das Ende darf nicht vor dem Beginn liegen."


def _cost_invalid(r):
    data = {
        "position": PositionFactory(recipient=r).id,
        "year": 2024,
        "status": "planned",
        "employer_gross": "60000.00",
        "overhead_rate": "20",
        "overhead_amount": "1000.00",
    }
    message = "Gemeinkosten bitte entweder als Prozentsatz oder als Betrag angeben, nicht beides."
    return data, "overhead_amount", message


def _rate_payload(r):
    return {
        "programme": ProgrammeFactory().id,
        "block": BuildingBlockFactory(number=2).id,
        "kind": "case_management",
        "amount": "58000.00",
        "valid_from": "2025-01-01",
        "recipient": r.id,
    }


def _rate_invalid(r):
    other = ProgrammeFactory(name="Anderes Programm", slug="anderes")
    data = _rate_payload(r) | {"block": BuildingBlockFactory(programme=other, number=1).id}
    return data, "block", "Der Baustein gehört zu einem anderen Förderprogramm."


def _notice_payload(r):
    return {
        "recipient": r.id,
        "programme": ProgrammeFactory().id,
        "reference": "51-2025",
        "issued_on": "2025-02-01",
        "period_start": "2025-01-01",
    }


def _notice_invalid(r):
    data = _notice_payload(r) | {"period_end": "2024-12-31"}
    return data, "period_end", "Das Ende darf nicht vor dem Beginn liegen."


def _agreement_payload(r):
    carrier = CarrierFactory()
    return {
        "recipient": r.id,
        "carrier": carrier.id,
        "valid_from": "2024-01-01",
        "coverage_policy": "all",
        "positions": [PositionFactory(recipient=r, employer=carrier).id],
    }


def _agreement_invalid(r):
    data = _agreement_payload(r) | {"valid_to": "2023-12-31"}
    return data, "valid_to", "Das Ende darf nicht vor dem Beginn liegen."


def _split_payload(r):
    return {
        "recipient": r.id,
        "name": "Region Süd",
        "method": "equal",
        "valid_from": "2024-01-01",
        "members": [{"organisation": TownFactory(parent=r).id}],
    }


def _programme_cost_payload(r):
    return {
        "recipient": r.id,
        "block": BuildingBlockFactory(number=1).id,
        "year": 2025,
        "category": "events",
        "status": "planned",
        "amount": "1000.00",
    }


def _account_invalid(r):
    RevenueAccountFactory(recipient=r, category="personnel")
    data = {"recipient": r.id, "category": "personnel", "ledger_account": "414199"}
    return data, "non_field_errors", "Für diese Ertragsart ist schon ein Konto hinterlegt."


ENDPOINTS = [
    Endpoint(
        "forwardingagreement",
        ForwardingAgreement,
        make=lambda r: ForwardingAgreementFactory(recipient=r),
        payload=_agreement_payload,
        invalid=_agreement_invalid,
        change=("reference", "AZ-neu"),
    ),
    Endpoint(
        "costsplit",
        CostSplit,
        make=lambda r: CostSplitMemberFactory(split=CostSplitFactory(recipient=r)).split,
        payload=_split_payload,
        invalid=lambda r: (
            _split_payload(r) | {"members": []},
            "members",
            "Bitte mindestens eine beteiligte Kommune angeben.",
        ),
        change=("name", "Region Nord"),
    ),
    Endpoint(
        "occupancy",
        Occupancy,
        make=lambda r: OccupancyFactory(position=PositionFactory(recipient=r)),
        payload=lambda r: {
            "position": PositionFactory(recipient=r).id,
            "start": "2024-01-01",
            "fte": "0.500",
        },
        invalid=_occupancy_invalid,
        change=("note", "Geändert"),
    ),
    Endpoint(
        "positioncost",
        PositionCost,
        make=lambda r: PositionCostFactory(position=PositionFactory(recipient=r)),
        payload=lambda r: {
            "position": PositionFactory(recipient=r).id,
            "year": 2024,
            "status": "planned",
            "employer_gross": "60000.00",
        },
        invalid=_cost_invalid,
        change=("note", "Geändert"),
    ),
    Endpoint(
        "fundingrate",
        FundingRate,
        make=lambda r: FundingRateFactory(recipient=r),
        payload=_rate_payload,
        invalid=_rate_invalid,
        change=("source", "Bescheid vom 01.02.2025"),
    ),
    Endpoint(
        "grantnotice",
        GrantNotice,
        make=lambda r: GrantNoticeBlockFactory(notice=GrantNoticeFactory(recipient=r)).notice,
        payload=_notice_payload,
        invalid=_notice_invalid,
        change=("reference", "51-neu"),
    ),
    Endpoint(
        "programmecost",
        ProgrammeCost,
        make=lambda r: ProgrammeCostFactory(recipient=r),
        payload=_programme_cost_payload,
        invalid=lambda r: (
            _programme_cost_payload(r) | {"amount": "-1.00"},
            "amount",
            "Der Betrag darf nicht negativ sein.",
        ),
        change=("description", "Fachtag"),
    ),
    Endpoint(
        "revenueaccount",
        RevenueAccount,
        make=lambda r: RevenueAccountFactory(recipient=r),
        payload=lambda r: {"recipient": r.id, "category": "material", "ledger_account": "414100"},
        invalid=_account_invalid,
        change=("budget_product", "31.50.01"),
    ),
]


def client_for(role, organisation):
    user = UserFactory(role=role, organisation=organisation)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


each_endpoint = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)


# --- For every writable endpoint ---------------------------------------------------------------


@each_endpoint
def test_finance_creates_and_the_history_names_the_user(endpoint, city):
    client, user = client_for("finance", city)
    data = endpoint.payload(city)

    response = client.post(list_url(endpoint.basename), data, format="json")

    assert response.status_code == 201, response.data
    model = endpoint.model
    obj = model.objects.get(pk=response.data["id"])
    assert response["ETag"] == obj.etag
    assert response.data["display"] == str(obj)
    assert obj.history.get(history_type="+").history_user == user


@each_endpoint
def test_invalid_data_answers_the_german_message_next_to_the_field(endpoint, city):
    client, _user = client_for("finance", city)
    data, key, message = endpoint.invalid(city)
    model = endpoint.model
    before = model.objects.count()

    response = client.post(list_url(endpoint.basename), data, format="json")

    assert response.status_code == 400
    assert response.data[key] == [message]
    assert model.objects.count() == before


@each_endpoint
def test_stale_if_match_answers_412_and_changes_nothing(endpoint, city):
    client, _user = client_for("coordinator", city)
    obj = endpoint.make(city)
    url = detail_url(endpoint.basename, obj)
    field, value = endpoint.change
    label = obj._meta.label_lower
    etag = client.get(url)["ETag"]
    assert etag == f'"{label}-{obj.pk}-v1"'

    first = client.patch(url, {field: value}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.data
    assert first.data[field] == value
    assert first["ETag"] == f'"{label}-{obj.pk}-v2"'

    stale = client.patch(url, {field: "Zu spät"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "inzwischen von jemand anderem geändert" in stale.data["detail"]
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    obj.refresh_from_db()
    assert (getattr(obj, field), obj.version) == (value, 2)

    fresh = client.put(
        url, endpoint.payload(city) | {field: "Dritte"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert fresh.status_code == 200, fresh.data
    assert fresh["ETag"] == f'"{label}-{obj.pk}-v3"'


@each_endpoint
def test_another_recipients_row_answers_404(endpoint, city):
    client, _user = client_for("finance", city)
    foreign = endpoint.make(OrganisationFactory())
    url = detail_url(endpoint.basename, foreign)
    field, value = endpoint.change

    assert client.patch(url, {field: value}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    foreign.refresh_from_db()
    assert getattr(foreign, field) != value
    assert foreign.version == 1


@each_endpoint
@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_read_only_roles_cannot_write(endpoint, role, city):
    organisation = {"council": city, "carrier": CarrierFactory(), "town": TownFactory()}[role]
    client, _user = client_for(role, organisation)
    obj = endpoint.make(city)
    model = type(obj)
    before = model.objects.count()
    url = detail_url(endpoint.basename, obj)
    field, value = endpoint.change

    assert (
        client.post(list_url(endpoint.basename), endpoint.payload(city), format="json").status_code
        == 403
    )
    assert client.patch(url, {field: value}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert model.objects.count() == before
    obj.refresh_from_db()
    assert getattr(obj, field) != value


@each_endpoint
def test_delete_is_recorded_with_the_user(endpoint, city):
    client, user = client_for("finance", city)
    obj = endpoint.make(city)
    model = type(obj)

    assert client.delete(detail_url(endpoint.basename, obj)).status_code == 204

    assert not model.objects.filter(pk=obj.pk).exists()
    assert model.history.get(id=obj.pk, history_type="-").history_user == user


# --- Rules of single endpoints -------------------------------------------------------------------


@pytest.mark.parametrize(
    "basename", ["fundingrate", "grantnotice", "programmecost", "revenueaccount"]
)
def test_rows_for_another_recipient_are_refused(basename, city):
    client, _user = client_for("finance", city)
    endpoint = next(e for e in ENDPOINTS if e.basename == basename)
    model = endpoint.model
    before = model.objects.count()

    other = OrganisationFactory()
    response = client.post(list_url(basename), endpoint.payload(other), format="json")

    # Another recipient is no choice at all: its id answers like an unknown one (no leak of
    # what exists outside the user's scope).
    assert response.status_code == 400
    assert response.data["recipient"] == [
        f"„{other.id}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]
    assert model.objects.count() == before


@pytest.mark.parametrize("basename", ["occupancy", "positioncost"])
def test_rows_of_another_recipients_position_are_refused(basename, city):
    client, _user = client_for("finance", city)
    endpoint = next(e for e in ENDPOINTS if e.basename == basename)
    model = endpoint.model
    before = model.objects.count()

    data = endpoint.payload(OrganisationFactory())
    response = client.post(list_url(basename), data, format="json")

    assert response.status_code == 400
    assert response.data["position"] == [
        f"„{data['position']}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]
    assert model.objects.count() == before


def test_occupancy_above_the_fte_is_refused_and_moves_the_position_on(city):
    client, _user = client_for("finance", city)
    position = PositionFactory(recipient=city, fte=D("1"))
    OccupancyFactory(position=position, fte=D("0.5"))
    data = {"position": position.id, "start": "2024-01-01", "fte": "0.750"}

    refused = client.post(list_url("occupancy"), data, format="json")
    assert refused.status_code == 400
    assert refused.data["fte"] == [
        "Die Besetzung (1,25 VZ) übersteigt den Stellenanteil der Stelle (1 VZ)."
    ]
    assert Occupancy.objects.count() == 1

    created = client.post(list_url("occupancy"), data | {"fte": "0.500"}, format="json")
    assert created.status_code == 201, created.data
    # A position form opened before the occupancy was added is stale now.
    assert Position.objects.get(pk=position.pk).version == 2


def test_finance_may_not_write_programme_wide_rates(city):
    client, _user = client_for("finance", city)
    programme_wide = FundingRateFactory()
    url = detail_url("fundingrate", programme_wide)

    response = client.post(
        list_url("fundingrate"), _rate_payload(city) | {"recipient": None}, format="json"
    )
    assert response.status_code == 400
    assert "nur die Administration" in response.data["recipient"][0]
    # Visible to everybody, changeable by admins only.
    assert client.get(url).status_code == 200
    assert client.patch(url, {"amount": "1.00"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    programme_wide.refresh_from_db()
    assert programme_wide.amount == D("57000.00")


def test_finance_writes_rates_of_its_own_scenario_only(city):
    client, _user = client_for("finance", city)
    own = ScenarioFactory(recipient=city)
    foreign = ScenarioFactory()
    data = _rate_payload(city) | {"recipient": None}

    refused = client.post(list_url("fundingrate"), data | {"scenario": foreign.id}, format="json")
    assert refused.status_code == 400
    assert refused.data["scenario"] == [
        f"„{foreign.id}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]

    created = client.post(list_url("fundingrate"), data | {"scenario": own.id}, format="json")
    assert created.status_code == 201, created.data
    assert FundingRate.objects.get(pk=created.data["id"]).scenario == own


def test_admin_writes_programme_wide_rates(city):
    client, user = client_for("admin", city)
    response = client.post(
        list_url("fundingrate"), _rate_payload(city) | {"recipient": None}, format="json"
    )
    assert response.status_code == 201, response.data
    rate = FundingRate.objects.get(pk=response.data["id"])
    assert rate.recipient is None
    assert rate.history.get().history_user == user


def test_grant_notice_blocks_are_replaced_when_sent_and_go_with_their_notice(city):
    # Issue 15: blocks are written through the API; PATCH without them keeps them, with them
    # replaces the list (here: an empty list removes the one block).
    client, user = client_for("finance", city)
    notice = GrantNoticeBlockFactory(notice=GrantNoticeFactory(recipient=city)).notice
    url = detail_url("grantnotice", notice)

    response = client.patch(url, {"reference": "neu"}, format="json")
    assert response.status_code == 200, response.data
    assert len(response.data["blocks"]) == 1
    response = client.patch(url, {"blocks": []}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["blocks"] == []
    assert GrantNoticeBlock.history.get(history_type="-").history_user == user
    GrantNoticeBlockFactory(notice=notice)

    assert client.delete(url).status_code == 204
    assert not GrantNotice.objects.exists()
    assert {r.history_user for r in GrantNoticeBlock.history.filter(history_type="-")} == {user}


def test_programme_cost_scenario_of_another_recipient_is_refused(city):
    client, _user = client_for("finance", city)
    foreign = ScenarioFactory()
    data = _programme_cost_payload(city) | {"scenario": foreign.id}

    response = client.post(list_url("programmecost"), data, format="json")

    assert response.status_code == 400
    assert response.data["scenario"] == [
        f"„{foreign.id}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]


def test_agreement_covers_only_positions_of_its_carrier(city):
    client, _user = client_for("finance", city)
    elsewhere = PositionFactory(recipient=city, title="Casemanagement Stadt")
    data = _agreement_payload(city)
    carrier = Organisation.objects.get(pk=data["carrier"])

    response = client.post(
        list_url("forwardingagreement"), data | {"positions": [elsewhere.id]}, format="json"
    )

    assert response.status_code == 400
    assert response.data["positions"] == [
        f"Die Stelle „{elsewhere}“ ist nicht bei {carrier} angestellt."
    ]
    assert not ForwardingAgreement.objects.exists()


def test_agreement_refuses_the_figures_of_another_coverage_policy(city):
    """One rule in one place (ForwardingAgreement.clean): with "all" neither a percent nor a
    flat amount may be stored, through the API as through the page."""
    client, _user = client_for("finance", city)
    data = _agreement_payload(city) | {"coverage_percent": "70", "coverage_flat_per_fte": "5000"}

    response = client.post(list_url("forwardingagreement"), data, format="json")

    assert response.status_code == 400
    assert response.data["coverage_percent"] == [
        "Einen Anteil in Prozent gibt es nur bei „Übernahme eines Prozentsatzes“."
    ]
    assert response.data["coverage_flat_per_fte"] == [
        "Eine Pauschale je Vollzeitstelle gibt es nur bei „Pauschale je Vollzeitstelle“."
    ]
    assert not ForwardingAgreement.objects.exists()


def test_agreement_positions_are_replaced_when_sent(city):
    client, _user = client_for("finance", city)
    created = client.post(list_url("forwardingagreement"), _agreement_payload(city), format="json")
    assert created.status_code == 201, created.data
    assert len(created.data["positions"]) == 1
    url = detail_url("forwardingagreement", ForwardingAgreement.objects.get())

    kept = client.patch(url, {"notes": "Vertrag verlängert"}, format="json")
    assert kept.status_code == 200, kept.data
    assert kept.data["positions"] == created.data["positions"]

    emptied = client.patch(url, {"positions": []}, format="json")
    assert emptied.status_code == 200, emptied.data
    assert emptied.data["positions"] == []


def test_split_towns_are_saved_and_deleted_with_the_user(city):
    client, user = client_for("coordinator", city)
    town_a, town_b = TownFactory(parent=city), TownFactory(parent=city)
    data = _split_payload(city) | {
        "method": "fixed_percent",
        "members": [
            {"organisation": town_a.id, "percent": "60"},
            {"organisation": town_b.id, "percent": "40"},
        ],
    }

    created = client.post(list_url("costsplit"), data, format="json")
    assert created.status_code == 201, created.data
    assert {m["organisation"] for m in created.data["members"]} == {town_a.id, town_b.id}
    assert {m.history.get().history_user for m in CostSplitMember.objects.all()} == {user}

    url = detail_url("costsplit", CostSplit.objects.get())
    assert client.delete(url).status_code == 204
    assert not CostSplitMember.objects.exists()
    deletions = CostSplitMember.history.filter(history_type="-")
    assert [d.history_user for d in deletions] == [user, user]


def test_split_percentages_must_make_100_and_towns_belong_to_the_recipient(city):
    client, _user = client_for("finance", city)
    foreign_town = TownFactory()
    own = [TownFactory(parent=city), TownFactory(parent=city)]
    data = _split_payload(city) | {
        "method": "fixed_percent",
        "members": [
            {"organisation": own[0].id, "percent": "60"},
            {"organisation": foreign_town.id, "percent": "30"},
        ],
    }

    response = client.post(list_url("costsplit"), data, format="json")

    # Another county's town is no choice: refused at its row, like an unknown one.
    assert response.status_code == 400
    assert response.data["members"][1]["organisation"] == [
        f"„{foreign_town.id}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]
    data["members"][1]["organisation"] = own[1].id
    response = client.post(list_url("costsplit"), data, format="json")
    assert response.status_code == 400
    messages = response.data["members"]
    assert any("100 %" in m for m in messages), messages
    assert not CostSplit.objects.exists()

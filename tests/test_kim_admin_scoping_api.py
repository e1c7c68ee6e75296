"""Who gets what from the API: authentication (session and token), each role's scope on every
list, 404 for a detail outside the scope, and no writes at all (405)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api_helpers import detail_url, ids, list_url, token_client
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    OrganisationFactory,
    PayGradeCostFactory,
    PayGradeFactory,
    PositionCostFactory,
    PositionFactory,
    PositionTownFactory,
    ProgrammeCostFactory,
    ProgrammeFactory,
    RevenueAccountFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# One row of a recipient's plan per endpoint (basename: builder).
PLAN_ROWS = {
    "grantnotice": lambda r: GrantNoticeBlockFactory(notice=GrantNoticeFactory(recipient=r)).notice,
    "scenario": lambda r: ScenarioFactory(recipient=r),
    "programmecost": lambda r: ProgrammeCostFactory(recipient=r),
    "revenueaccount": lambda r: RevenueAccountFactory(recipient=r),
    "position": lambda r: PositionFactory(recipient=r),
    "occupancy": lambda r: OccupancyFactory(position=PositionFactory(recipient=r)),
    "positioncost": lambda r: PositionCostFactory(position=PositionFactory(recipient=r)),
    "forwardingagreement": lambda r: ForwardingAgreementFactory(recipient=r),
    "costsplit": lambda r: CostSplitMemberFactory(split=CostSplitFactory(recipient=r)).split,
}
# Reference data: the same for every role.
REFERENCE_ROWS = {
    "programme": lambda r: ProgrammeFactory(name="Anderes Programm", slug="anderes"),
    "buildingblock": lambda r: BuildingBlockFactory(number=3),
    "fundingrate": lambda r: FundingRateFactory(),
    "paygrade": lambda r: PayGradeFactory(code="E 9b"),
    "paygradecost": lambda r: PayGradeCostFactory(),
}
ALL_ROWS = PLAN_ROWS | REFERENCE_ROWS


# --- Authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("basename", sorted(ALL_ROWS))
def test_anonymous_gets_nothing(basename, city):
    obj = ALL_ROWS[basename](city)
    client = APIClient()

    # Anonymous (and a bad token): 403, not 401: the session scheme comes first in
    # REST_FRAMEWORK's authentication classes and sends no WWW-Authenticate challenge.
    assert client.get(list_url(basename)).status_code == 403
    assert client.get(detail_url(basename, obj)).status_code == 403


def test_anonymous_gets_no_api_root_and_no_overview():
    client = APIClient()

    assert client.get(reverse("api:api-root")).status_code == 403
    assert client.get(reverse("api:overview")).status_code == 403


def test_token_for_a_script(city):
    UserFactory(username="skript", password="geheim-123", role="finance", organisation=city)
    position = PositionFactory(recipient=city)
    client = APIClient()

    response = client.post(
        reverse("api:auth-token"), {"username": "skript", "password": "geheim-123"}
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    assert ids(client.get(list_url("position"))) == {position.pk}


def test_token_refused_for_wrong_password(city):
    UserFactory(username="skript", password="geheim-123", role="finance", organisation=city)

    response = APIClient().post(
        reverse("api:auth-token"), {"username": "skript", "password": "falsch"}
    )

    assert response.status_code == 400
    assert "token" not in response.json()
    assert response.json()["non_field_errors"]


def test_unknown_token_is_refused(city):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert client.get(list_url("position")).status_code == 403


def test_session_login_works_too(city):
    position = PositionFactory(recipient=city)
    client = APIClient()
    client.force_login(UserFactory(role="council", organisation=city))

    assert ids(client.get(list_url("position"))) == {position.pk}


def test_user_without_role_gets_403(city):
    PositionFactory(recipient=city)
    client = token_client(UserFactory(organisation=city))

    assert client.get(list_url("position")).status_code == 403
    assert client.get(list_url("organisation")).status_code == 403


def test_api_root_lists_the_endpoints(city):
    client = token_client(UserFactory(role="council", organisation=city))

    response = client.get(reverse("api:api-root"))

    assert response.status_code == 200
    assert response.json()["positions"].endswith("/api/positions/")
    assert response.json()["overview"].endswith("/api/overview/")
    # 15 lists and the overview, and issue 4's: forecasts, attachments, payments, year
    # closings, forecast against actual, the forecast inbox; the published reports; and
    # issue 6's projections, settlement statements and advance payments; issue 14's pay rises;
    # issue 15's funds calls and funds payments, the carriers' proofs and their attachments,
    # the proofs of use, the deadlines; issue 16's organisational units.
    assert len(response.json()) == 34
    assert response.json()["proofs-of-use"].endswith("/api/proofs-of-use/")
    assert response.json()["deadlines"].endswith("/api/deadlines/")
    assert response.json()["carrier-proofs"].endswith("/api/carrier-proofs/")
    assert response.json()["funds-calls"].endswith("/api/funds-calls/")
    assert response.json()["organisational-units"].endswith("/api/organisational-units/")
    assert response.json()["pay-rises"].endswith("/api/pay-rises/")
    assert response.json()["settlements"].endswith("/api/settlements/")
    assert response.json()["reports"].endswith("/api/reports/")
    assert response.json()["projections"].endswith("/api/projections/")


# --- Scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basename", "role"),
    [
        (basename, role)
        for basename in sorted(PLAN_ROWS)
        for role in ("finance", "coordinator", "council")
        # A recipient's scenarios are its confidential planning: the council reads none.
        if not (basename == "scenario" and role == "council")
    ],
)
def test_recipient_roles_see_their_own_plan_only(basename, role, city, other_city):
    own = PLAN_ROWS[basename](city)
    foreign = PLAN_ROWS[basename](other_city)
    client = token_client(UserFactory(role=role, organisation=city))

    assert ids(client.get(list_url(basename))) == {own.pk}
    assert client.get(detail_url(basename, own)).status_code == 200
    assert client.get(detail_url(basename, foreign)).status_code == 404


@pytest.mark.parametrize("basename", sorted(PLAN_ROWS))
def test_admin_sees_every_plan(basename, city, other_city):
    rows = {PLAN_ROWS[basename](city).pk, PLAN_ROWS[basename](other_city).pk}
    client = token_client(UserFactory(role="admin", organisation=None))

    assert ids(client.get(list_url(basename))) == rows


@pytest.mark.parametrize("role", ["finance", "carrier", "town", "council"])
@pytest.mark.parametrize("basename", sorted(REFERENCE_ROWS))
def test_reference_data_is_visible_to_every_role(basename, role, city):
    organisation = {"carrier": CarrierFactory, "town": TownFactory}.get(role, lambda: city)()
    obj = REFERENCE_ROWS[basename](city)
    client = token_client(UserFactory(role=role, organisation=organisation))

    assert obj.pk in ids(client.get(list_url(basename)))
    assert client.get(detail_url(basename, obj)).status_code == 200


def test_the_council_reads_no_scenario(city):
    scenario = PLAN_ROWS["scenario"](city)
    client = token_client(UserFactory(role="council", organisation=city))

    # No permission on scenarios at all: the list is refused, not merely empty.
    assert client.get(list_url("scenario")).status_code == 403
    assert client.get(detail_url("scenario", scenario)).status_code == 403


def test_organisations_are_each_roles_circle(city):
    """Whom a user deals with: a recipient's users its towns and carriers, a carrier the
    recipients it works for, a town its county and the county's towns; never anyone else."""
    county = CountyFactory(name="Kreis Coesfeld")
    billerbeck, havixbeck = TownFactory(parent=county), TownFactory(parent=county)
    caritas = CarrierFactory(works_for=[city])
    elsewhere = [OrganisationFactory(), CarrierFactory(), TownFactory()]
    circles = {
        ("finance", city): {city.pk, caritas.pk},
        ("council", county): {county.pk, billerbeck.pk, havixbeck.pk},
        ("carrier", caritas): {caritas.pk, city.pk},
        ("town", billerbeck): {billerbeck.pk, county.pk, havixbeck.pk},
    }
    for (role, organisation), expected in circles.items():
        client = token_client(UserFactory(role=role, organisation=organisation))
        assert ids(client.get(list_url("organisation"))) == expected, role
        for other in elsewhere:
            assert client.get(detail_url("organisation", other)).status_code == 404, role


def test_organisation_bound_role_without_organisation_sees_nothing(city):
    PositionFactory(recipient=city)
    client = token_client(UserFactory(role="finance", organisation=None))

    assert ids(client.get(list_url("position"))) == set()
    assert ids(client.get(list_url("organisation"))) == set()


def test_carrier_sees_only_what_it_employs(city, other_city):
    caritas, awo = CarrierFactory(slug="caritas"), CarrierFactory(slug="awo")
    at_caritas = PositionFactory(recipient=city, employer=caritas)
    at_caritas_koeln = PositionFactory(recipient=other_city, employer=caritas)
    at_awo = PositionFactory(recipient=city, employer=awo)
    at_city = PositionFactory(recipient=city)
    occupancy = OccupancyFactory(position=at_caritas)
    OccupancyFactory(position=at_awo)
    cost = PositionCostFactory(position=at_caritas_koeln)
    PositionCostFactory(position=at_city)
    agreement = ForwardingAgreementFactory(recipient=city, carrier=caritas)
    agreement.positions.add(at_caritas)
    ForwardingAgreementFactory(recipient=city, carrier=awo).positions.add(at_awo)
    for basename in ("grantnotice", "scenario", "programmecost", "revenueaccount", "costsplit"):
        PLAN_ROWS[basename](city)
    client = token_client(UserFactory(role="carrier", organisation=caritas))

    assert ids(client.get(list_url("position"))) == {at_caritas.pk, at_caritas_koeln.pk}
    assert ids(client.get(list_url("occupancy"))) == {occupancy.pk}
    assert ids(client.get(list_url("positioncost"))) == {cost.pk}
    assert ids(client.get(list_url("forwardingagreement"))) == {agreement.pk}
    for basename in ("grantnotice", "programmecost", "revenueaccount", "costsplit"):
        assert ids(client.get(list_url(basename))) == set(), basename
    assert client.get(list_url("scenario")).status_code == 403
    assert client.get(detail_url("position", at_awo)).status_code == 404
    assert client.get(detail_url("position", at_city)).status_code == 404
    forwarded = client.get(detail_url("forwardingagreement", agreement)).json()
    assert forwarded["positions"] == [at_caritas.pk]


def test_town_sees_the_positions_that_concern_it():
    """Seed 002: a carrier's case manager works 50 % for Hückeswagen, 50 % for Wipperfürth;
    seed 003: towns share the own share of their region's positions."""
    county = CountyFactory(slug="oberbergischer-kreis")
    hueckeswagen = TownFactory(slug="hueckeswagen", parent=county)
    wipperfuerth = TownFactory(slug="wipperfuerth", parent=county)
    shared = PositionFactory(recipient=county, employer=CarrierFactory())
    PositionTownFactory(position=shared, town=hueckeswagen, share=Decimal("50"))
    PositionTownFactory(position=shared, town=wipperfuerth, share=Decimal("50"))
    own = PositionFactory(recipient=county, employer=hueckeswagen)
    in_split = PositionFactory(recipient=county)
    region = CostSplitFactory(recipient=county)
    region.positions.add(in_split)
    own_membership = CostSplitMemberFactory(split=region, organisation=hueckeswagen)
    CostSplitMemberFactory(split=region, organisation=wipperfuerth)
    elsewhere = PositionFactory(recipient=county)
    PositionTownFactory(position=elsewhere, town=wipperfuerth)
    paid = ForwardingAgreementFactory(recipient=county, payer=hueckeswagen)
    ForwardingAgreementFactory(recipient=county)
    client = token_client(UserFactory(role="town", organisation=hueckeswagen))

    assert ids(client.get(list_url("position"))) == {shared.pk, own.pk, in_split.pk}
    assert client.get(detail_url("position", elsewhere)).status_code == 404
    assert ids(client.get(list_url("forwardingagreement"))) == {paid.pk}
    assert ids(client.get(list_url("costsplit"))) == {region.pk}
    # Nested rows go through restrict as well: a town sees its own membership of a split.
    members = client.get(detail_url("costsplit", region)).json()["members"]
    assert [m["id"] for m in members] == [own_membership.pk]
    # The served towns of a position it may see are part of that position.
    served = client.get(detail_url("position", shared)).json()["served_towns"]
    assert {t["town_slug"] for t in served} == {"hueckeswagen", "wipperfuerth"}


def test_nested_lists_of_a_position_in_scope(city):
    position = PositionFactory(recipient=city, planned_start=date(2021, 1, 1))
    first = OccupancyFactory(position=position, start=date(2021, 1, 1), end=date(2022, 6, 30))
    second = OccupancyFactory(position=position, start=date(2022, 7, 1))
    client = token_client(UserFactory(role="council", organisation=city))

    occupancies = client.get(detail_url("position", position)).json()["occupancies"]

    assert [o["id"] for o in occupancies] == [first.pk, second.pk]


def test_rates_of_another_recipient_are_not_visible(city, other_city):
    FundingRateFactory(valid_from=date(2023, 1, 1))
    foreign = FundingRateFactory(recipient=other_city, valid_from=date(2023, 1, 1))
    client = token_client(UserFactory(role="finance", organisation=city))

    assert foreign.pk not in ids(client.get(list_url("fundingrate")))


# --- No writes (the plan's rows are writable: tests/test_staffing_write_api.py and
# tests/test_funding_write_api.py) --------------------------------------------------------

WRITABLE = {
    "position",
    "occupancy",
    "positioncost",
    "fundingrate",
    "grantnotice",
    "programmecost",
    "revenueaccount",
    "forwardingagreement",
    "costsplit",
    # Copy, rename, delete and quick changes: tests/test_funding_scenarios_api.py.
    "scenario",
}


@pytest.mark.parametrize("role", ["admin", "finance", "council", "carrier"])
@pytest.mark.parametrize("basename", sorted(set(ALL_ROWS) - WRITABLE))
def test_writes_are_refused(basename, role, city):
    obj = ALL_ROWS[basename](city)
    organisation = CarrierFactory() if role == "carrier" else city
    client = token_client(UserFactory(role=role, organisation=organisation))
    model = type(obj)
    before = model.objects.count()

    assert client.post(list_url(basename), {}, format="json").status_code == 405
    assert client.put(detail_url(basename, obj), {}, format="json").status_code == 405
    assert client.patch(detail_url(basename, obj), {}, format="json").status_code == 405
    assert client.delete(detail_url(basename, obj)).status_code == 405
    assert model.objects.count() == before
    assert model.objects.filter(pk=obj.pk).exists()

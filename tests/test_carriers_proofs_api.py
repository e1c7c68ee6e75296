"""The API of the carriers' proofs: scope (another carrier 404, towns and council nothing), the
workflow through its services with German messages by field, the figures, pinned query counts.

Data: the demo fixtures (fixtures/08: 2024 checked for Caritas, AWO, Diakonie; AWO's 2025
proof 8004 submitted)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from carriers.choices import ProofState
from carriers.models import CarrierProof, ForwardingAgreement, Organisation, ProofLine
from tests.api_helpers import results, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/carrier-proofs/"


@pytest.fixture
def orgs(demo_data):
    return Organisation.objects.in_bulk(
        ["leverkusen", "caritas-leverkusen", "awo-leverkusen", "hueckeswagen"], field_name="slug"
    )


@pytest.fixture
def caritas(orgs):
    return token_client(UserFactory(role="carrier", organisation=orgs["caritas-leverkusen"]))


@pytest.fixture
def awo(orgs):
    return token_client(UserFactory(role="carrier", organisation=orgs["awo-leverkusen"]))


@pytest.fixture
def coordinator(orgs):
    return token_client(UserFactory(role="coordinator", organisation=orgs["leverkusen"]))


def test_each_role_lists_its_own(orgs, caritas, coordinator):
    assert {r["carrier_slug"] for r in results(caritas.get(URL))} == {"caritas-leverkusen"}
    assert {r["id"] for r in results(coordinator.get(URL))} == {8001, 8002, 8003, 8004}
    for role, org in (("town", "hueckeswagen"), ("council", "leverkusen")):
        client = token_client(UserFactory(role=role, organisation=orgs[org]))
        assert results(client.get(URL)) == []
        assert client.get(f"{URL}8001/").status_code == 404


def test_another_carriers_proof_is_404_and_unchanged(awo):
    assert awo.get(f"{URL}8001/").status_code == 404
    assert awo.patch(f"{URL}8001/", {"note": "fremd"}, format="json").status_code == 404
    assert awo.post(f"{URL}8001/submit/").status_code == 404
    assert CarrierProof.objects.get(pk=8001).note.startswith("Beispiel")


def test_a_line_for_a_position_the_carrier_does_not_hold_is_refused(caritas):
    before = CarrierProof.objects.count(), ProofLine.objects.count()
    # 1006 is AWO's position: outside Caritas's scope, answered like an unknown one.
    body = {
        "agreement": 101,
        "year": 2025,
        "lines": [{"position": 1006, "employer_gross": "70000.00"}],
    }
    response = caritas.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == [
        "Zeile 1: Diese Stelle gibt es in Ihrem Zuständigkeitsbereich nicht."
    ]
    assert (CarrierProof.objects.count(), ProofLine.objects.count()) == before


def test_another_carriers_agreement_is_refused_at_the_field(caritas):
    response = caritas.post(URL, {"agreement": 102, "year": 2025}, format="json")
    assert response.status_code == 400
    assert "agreement" in response.json()


def test_an_open_year_is_refused_at_the_year(caritas):
    year = timezone.localdate().year
    response = caritas.post(URL, {"agreement": 101, "year": year}, format="json")
    assert response.status_code == 400
    assert "noch nicht abgeschlossen" in response.json()["year"][0]


def test_the_whole_workflow_through_the_api(caritas, coordinator):
    body = {
        "agreement": 101,
        "year": 2025,
        "funds_received": "210000.00",
        "own_contribution": "0.00",
        "lines": [
            {"position": 1005, "employer_gross": "72300.00", "material": "12000.00"},
            {"position": 1015, "employer_gross": "72300.00", "overhead": "20244.00"},
        ],
    }
    created = caritas.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    # (72,300 + 12,000) + (72,300 + 20,244) = 176,844.00.
    assert data["total_cost"] == "176844.00"
    pk = data["id"]
    figures = caritas.get(f"{URL}{pk}/figures/").json()
    # 210,000.00 + 0.00 − 176,844.00 = 33,156.00.
    assert figures["totals"]["balance"] == "33156.00"
    assert [line["exceeds_public_pay"] for line in figures["lines"]] == [False, False]
    assert caritas.post(f"{URL}{pk}/submit/").status_code == 200
    # A carrier does not check.
    assert caritas.post(f"{URL}{pk}/check/", {"check": "content"}, format="json").status_code == 403
    for check in ("content", "arithmetic"):
        response = coordinator.post(f"{URL}{pk}/check/", {"check": check}, format="json")
        assert response.status_code == 200
    refused = coordinator.post(
        f"{URL}{pk}/review/", {"review_result": "findings", "findings": ""}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["findings"] == ["Bitte die Feststellungen eintragen."]
    done = coordinator.post(f"{URL}{pk}/review/", {"review_result": "confirmed"}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == ProofState.CHECKED
    assert done.json()["review_result_label"] == "Ohne Beanstandung"


def test_a_stale_if_match_is_412(caritas):
    created = caritas.post(URL, {"agreement": 101, "year": 2025}, format="json")
    pk = created.json()["id"]
    response = caritas.patch(f"{URL}{pk}/", {"note": "x"}, format="json", HTTP_IF_MATCH='"999"')
    assert response.status_code == 412


# --- Query counts --------------------------------------------------------------------------------


def many_proofs(orgs, n):
    city, carrier = orgs["leverkusen"], orgs["caritas-leverkusen"]
    agreements = ForwardingAgreement.objects.bulk_create(
        ForwardingAgreement(
            recipient=city, carrier=carrier, valid_from=date(1990, 1, 1), coverage_policy="all"
        )
        for _ in range(10)
    )
    proofs = CarrierProof.objects.bulk_create(
        CarrierProof(
            recipient=city,
            carrier=carrier,
            agreement=agreements[i % 10],
            year=1991 + i // 10,
            state="submitted",
        )
        for i in range(n)
    )
    ProofLine.objects.bulk_create(
        ProofLine(proof=p, position_id=1005, employer_gross=D("70000")) for p in proofs
    )


# The same for 10 and 1,000 proofs: the page, its lines and attachments are one query each
# (the token's user brings its role along).
LIST_QUERIES = 5


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_the_same_for_10_and_1000_rows(
    orgs, coordinator, n, django_assert_num_queries
):
    many_proofs(orgs, n)
    with django_assert_num_queries(LIST_QUERIES):
        response = coordinator.get(URL, {"limit": 1000})
    # n proofs and the demo's four, at most 1,000 on a page.
    assert len(results(response)) == min(n + 4, 1000)

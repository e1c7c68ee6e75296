"""``POST /api/recipient-setup/`` (issue 16): the guided setup as one JSON document for
administrators. It calls the wizard's service, so the recipient it sets up has the same
figures as the wizard's (the same hand calculation); a refused part answers 400 with German
messages by path, and nothing is saved."""

import copy

import pytest
from django.urls import reverse

from carriers.models import Organisation
from kim_admin.models import User
from staffing.models import OrganisationalUnit, Position
from tests.api_helpers import token_client
from tests.factories import UserFactory
from tests.test_kim_admin_onboarding import E11, E12, assert_the_setup_and_its_hand_calculation

pytestmark = pytest.mark.django_db

URL = "/api/recipient-setup/"

# The same setup as the wizard's walk in tests/test_kim_admin_onboarding.py (seed 00_programme:
# blocks 1, 2, 3 have pks 1, 2, 3; programme 1).
DOCUMENT = {
    "recipient": {"name": "Kreis Musterland", "slug": "kreis-musterland", "kind": "county"},
    "units": [
        {"name": "Kommunales Integrationszentrum Musterland", "kind": "integration_centre"},
        {"name": "Ausländerbehörde", "kind": "foreigners_authority"},
    ],
    "towns": [{"name": "Stadt Musterdorf", "slug": "musterdorf"}],
    "split": {"name": "Eigenanteil KIM Musterland", "method": "equal", "valid_from": "2026-01-01"},
    "notice": {
        "programme": 1,
        "reference": "51.07-KIM-2026",
        "issued_on": "2026-02-15",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    },
    "notice_blocks": [
        {"block": 1, "approved_fte": "1", "max_personnel_funding": "160000.00"},
        {"block": 2, "approved_fte": "1"},
        {"block": 3, "approved_fte": "0.5"},
    ],
    "rates": [
        {"block": 2, "kind": "case_management", "amount": "56000.00", "valid_from": "2026-01-01"}
    ],
    "carriers": [
        {
            "name": "Caritasverband Musterland",
            "slug": "caritas-musterland",
            "valid_from": "2026-01-01",
            "coverage_policy": "all",
        }
    ],
    "positions": [
        {
            "title": "Koordination KI",
            "block": 1,
            "funding_kind": "coordination",
            "pay_grade": int(E12),
            "fte": "1",
            "planned_start": "2026-01-01",
            "occupied_from": "2026-01-01",
            "unit": 0,
        },
        {
            "title": "Sachbearbeitung Ausländerbehörde",
            "block": 3,
            "funding_kind": "immigration_office",
            "pay_grade": int(E11),
            "fte": "0.5",
            "planned_start": "2026-01-01",
            "occupied_from": "2026-01-01",
            "unit": 1,
        },
        {
            "title": "Casemanagement Caritas",
            "block": 2,
            "funding_kind": "case_management",
            "pay_grade": int(E11),
            "fte": "1",
            "planned_start": "2026-01-01",
            "occupied_from": "2026-07-01",
            "carrier": 0,
        },
    ],
    "logins": [
        {
            "role": "finance",
            "username": "finanzen-musterland",
            "password": "Kaemmerei-2026!x",
            "email": "finanzen@musterland.example",
        },
        {"role": "coordinator", "username": "ki-musterland", "password": "Integration-2026!y"},
    ],
}


@pytest.fixture
def admin_api(demo_data):
    return token_client(User.objects.create_superuser("chef", password="x"))


def nothing_saved():
    return (
        not Organisation.objects.filter(
            slug__in=["kreis-musterland", "caritas-musterland", "musterdorf"]
        ).exists()
        and not User.objects.filter(username="finanzen-musterland").exists()
    )


def test_the_api_sets_up_the_recipient_with_the_wizards_hand_calculation(admin_api):
    response = admin_api.post(URL, DOCUMENT, format="json")

    assert response.status_code == 201, response.data
    kreis = Organisation.objects.get(slug="kreis-musterland")
    assert (response.data["id"], response.data["slug"], response.data["kind"]) == (
        kreis.pk,
        "kreis-musterland",
        "county",
    )
    assert_the_setup_and_its_hand_calculation(kreis)


def test_a_unit_of_no_row_is_refused_at_its_path_and_nothing_is_saved(admin_api):
    document = copy.deepcopy(DOCUMENT)
    document["positions"][1]["unit"] = 5

    response = admin_api.post(URL, document, format="json")

    assert response.status_code == 400
    assert response.data == {
        "positions.1.unit": ["Diese Organisationseinheit gibt es in der Einrichtung nicht."]
    }
    assert nothing_saved()


def test_a_unit_for_a_carriers_position_is_refused_by_the_model_and_rolled_back(admin_api):
    """The carrier's staff sit in no unit of the county: Position.clean refuses it when the
    third position is saved, after the recipient, its units and its carrier; all of it goes."""
    document = copy.deepcopy(DOCUMENT)
    document["positions"][2]["unit"] = 0

    response = admin_api.post(URL, document, format="json")

    assert response.status_code == 400
    assert response.data == {
        "positions.2.unit": [
            "Eine Organisationseinheit haben nur die eigenen Stellen des Empfängers."
        ]
    }
    assert nothing_saved()
    assert not OrganisationalUnit.objects.filter(name="Ausländerbehörde").exists()


def test_a_bad_nested_field_is_refused_in_german_at_its_path(admin_api):
    document = copy.deepcopy(DOCUMENT)
    document["positions"][0]["fte"] = "viel"
    del document["notice"]["issued_on"]
    document["carriers"][0]["coverage_policy"] = "irgendwie"

    response = admin_api.post(URL, document, format="json")

    assert response.status_code == 400
    assert set(response.data) == {
        "positions.0.fte",
        "notice.issued_on",
        "carriers.0.coverage_policy",
    }
    assert response.data["notice.issued_on"] == ["Dieses Feld ist zwingend erforderlich."]
    assert response.data["positions.0.fte"] == ["Eine gültige Zahl ist erforderlich."]
    assert nothing_saved()


def test_a_rule_of_a_domain_service_refuses_late_and_rolls_everything_back(admin_api):
    """The forwarding agreement starts after the carrier's position: position_save refuses it
    after the recipient, its units, towns, notice and carrier were written; all of them go."""
    document = copy.deepcopy(DOCUMENT)
    document["carriers"][0]["valid_from"] = "2026-09-01"

    response = admin_api.post(URL, document, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["positions.2.carrier"]
    assert "Weiterleitungsvertrag" in response.data["positions.2.carrier"][0]
    assert nothing_saved()
    assert not OrganisationalUnit.objects.filter(name="Ausländerbehörde").exists()
    assert not Position.objects.filter(title="Sachbearbeitung Ausländerbehörde").exists()


def test_towns_only_for_a_county(admin_api):
    document = copy.deepcopy(DOCUMENT)
    document["recipient"]["kind"] = "county_free_city"

    response = admin_api.post(URL, document, format="json")

    assert response.status_code == 400
    assert response.data["towns"] == [
        "Kreisangehörige Kommunen hat nur ein Kreis; eine kreisfreie Stadt hat keine."
    ]
    assert nothing_saved()


@pytest.mark.parametrize("role", ["finance", "coordinator", "carrier", "town", "council"])
def test_only_administrators_set_up_recipients_through_the_api(leverkusen, role):
    organisation = {
        "carrier": Organisation.objects.get(slug="caritas-leverkusen"),
        "town": Organisation.objects.get(slug="hueckeswagen"),
    }.get(role, leverkusen)
    client = token_client(UserFactory(role=role, organisation=organisation))

    response = client.post(URL, DOCUMENT, format="json")

    assert response.status_code == 403
    assert response.data["detail"] == "Zuwendungsempfänger richtet die Administration ein."
    assert nothing_saved()


def test_the_endpoint_is_in_the_api_schema(admin_api):
    schema = admin_api.get(reverse("api-schema"), {"format": "json"})

    assert schema.status_code == 200
    post = schema.json()["paths"][URL]["post"]
    assert "201" in post["responses"] and "400" in post["responses"]

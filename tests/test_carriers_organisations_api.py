"""Organisations through the API: administrators create and change them (a new recipient with
its towns and the carriers it forwards to), with the model's German refusals by field and
nothing half-saved; every other role reads only."""

import pytest
from django.urls import reverse

from carriers.models import Organisation
from tests.api_helpers import token_client
from tests.factories import CountyFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:organisation-list")


@pytest.fixture
def admin_api(db):
    return token_client(UserFactory(role="admin", organisation=None))


def test_an_admin_sets_up_a_recipient_its_town_and_a_carrier(admin_api):
    county = admin_api.post(
        LIST,
        {"name": "Kreis Heinsberg", "slug": "kreis-heinsberg", "kind": "county", "four_eyes": True},
        format="json",
    )
    assert county.status_code == 201, county.data
    town = admin_api.post(
        LIST,
        {"name": "Stadt Erkelenz", "slug": "erkelenz", "kind": "town", "parent": county.data["id"]},
        format="json",
    )
    assert town.status_code == 201, town.data
    carrier = admin_api.post(
        LIST,
        {
            "name": "Caritasverband Heinsberg",
            "slug": "caritas-heinsberg",
            "kind": "carrier",
            "partner_recipients": [county.data["id"]],
        },
        format="json",
    )
    assert carrier.status_code == 201, carrier.data
    kreis = Organisation.objects.get(slug="kreis-heinsberg")
    assert kreis.four_eyes is True
    assert Organisation.objects.get(slug="erkelenz").parent == kreis
    assert list(Organisation.objects.get(slug="caritas-heinsberg").partner_recipients.all()) == [
        kreis
    ]
    # The audit history names the administrator.
    assert kreis.history.first().history_user.role == "admin"


def test_refusals_are_german_by_field_and_save_nothing(admin_api):
    town_without_county = admin_api.post(
        LIST, {"name": "Irgendwo", "slug": "irgendwo", "kind": "town"}, format="json"
    )
    carrier_with_four_eyes = admin_api.post(
        LIST,
        {"name": "Diakonie", "slug": "diakonie", "kind": "carrier", "four_eyes": True},
        format="json",
    )
    assert town_without_county.status_code == 400
    assert town_without_county.data == {
        "parent": ["Eine kreisangehörige Kommune gehört zu einem Kreis."]
    }
    assert carrier_with_four_eyes.status_code == 400
    assert carrier_with_four_eyes.data == {
        "four_eyes": [
            "Das Vier-Augen-Prinzip ist eine Einstellung der Zuwendungsempfänger (Kreise und "
            "kreisfreie Städte)."
        ]
    }
    assert not Organisation.objects.filter(slug__in=["irgendwo", "diakonie"]).exists()


def test_an_admin_switches_four_eyes_on_for_a_recipient(admin_api, city):
    response = admin_api.patch(
        reverse("api:organisation-detail", args=[city.pk]), {"four_eyes": True}, format="json"
    )
    assert response.status_code == 200, response.data
    city.refresh_from_db()
    assert city.four_eyes is True


@pytest.mark.parametrize("role", ["finance", "coordinator", "council"])
def test_other_roles_read_but_do_not_create(city, role):
    api = token_client(UserFactory(role=role, organisation=city))
    assert api.get(LIST).status_code == 200
    refused = api.post(LIST, {"name": "Neu", "slug": "neu", "kind": "county"}, format="json")
    assert refused.status_code == 403
    assert not Organisation.objects.filter(slug="neu").exists()


# --- the recipients a carrier works for and the bank details (issue 16) ---------------------

# A valid German IBAN (check digits 02, the common documentation example) and one with a typo.
IBAN = "DE02120300000000202051"
IBAN_TYPO = "DE02120300000000202052"


def test_an_admin_reads_and_writes_partner_recipients_and_bank_details(admin_api, city):
    created = admin_api.post(
        LIST,
        {
            "name": "Diakonie Leverkusen",
            "slug": "diakonie-lev",
            "kind": "carrier",
            "partner_recipients": [city.pk],
            "bank_name": "Beispielbank",
            "iban": IBAN,
            "bic": "BYLADEM1001",
            "payment_term_days": 14,
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    detail = reverse("api:organisation-detail", args=[created.data["id"]])

    shown = admin_api.get(detail).data
    assert shown["partner_recipients"] == [city.pk]
    assert (shown["bank_name"], shown["iban"], shown["bic"], shown["payment_term_days"]) == (
        "Beispielbank",
        IBAN,
        "BYLADEM1001",
        14,
    )

    # PATCH replaces the recipients it works for; the list shows them too.
    other = CountyFactory(name="Kreis Heinsberg", slug="kreis-heinsberg")
    patched = admin_api.patch(detail, {"partner_recipients": [city.pk, other.pk]}, format="json")
    assert patched.status_code == 200, patched.data
    rows = {row["slug"]: row for row in admin_api.get(LIST, {"limit": 100}).data["results"]}
    assert sorted(rows["diakonie-lev"]["partner_recipients"]) == sorted([city.pk, other.pk])


def test_a_wrong_iban_is_refused_in_german_at_the_field_and_nothing_is_saved(admin_api, city):
    response = admin_api.patch(
        reverse("api:organisation-detail", args=[city.pk]),
        {"iban": IBAN_TYPO, "bank_name": "Beispielbank"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {
        "iban": ["Bitte eine gültige IBAN angeben (z. B. DE89 3704 0044 0532 0130 00)."]
    }
    city.refresh_from_db()
    assert (city.iban, city.bank_name) == ("", "")


def test_a_recipient_cannot_be_partner_of_a_town(admin_api, city):
    town = admin_api.post(
        LIST,
        {
            "name": "Stadt Burscheid",
            "slug": "burscheid",
            "kind": "town",
            "parent": CountyFactory(slug="rhein-berg").pk,
            "partner_recipients": [city.pk],
        },
        format="json",
    )
    assert town.status_code == 400
    assert town.data == {
        "partner_recipients": ["Nur Trägerinnen sind für Zuwendungsempfänger tätig."]
    }
    assert not Organisation.objects.filter(slug="burscheid").exists()

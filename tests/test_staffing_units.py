"""Organisational units (issue 16): the KI and the recipient's other units are rows of their
own, a position of the recipient names one; a unit of another recipient is refused in German
at the field, on the page and in the API; the data migration turns the department texts of
each recipient's own positions into units."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from staffing.models import OrganisationalUnit, Position
from staffing.services import position_save
from tests.api_helpers import token_client
from tests.factories import (
    BuildingBlockFactory,
    OrganisationFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FOREIGN_UNIT = "Die Organisationseinheit gehört zu einem anderen Empfänger."


def test_the_demo_positions_sit_in_their_units(leverkusen):
    """Seed 001 (fixtures/01_leverkusen.json): the coordination posts are in the KI."""
    ki = OrganisationalUnit.objects.get(recipient=leverkusen, name="Kommunales Integrationszentrum")
    assert ki.kind == "integration_centre"
    titles = set(ki.positions.values_list("title", flat=True))
    assert {"Koordination KIM 1", "Koordination KIM 2"} <= titles
    # Every own position with a department text has the unit of that name.
    own = Position.objects.filter(recipient=leverkusen, employer=leverkusen).exclude(department="")
    assert own.exists()
    assert all(p.unit.name == p.department for p in own.select_related("unit"))


def test_the_migration_makes_units_of_the_own_positions_department_texts(db):
    migration = importlib.import_module("staffing.migrations.0007_organisational_units")
    recipient = OrganisationFactory()
    town = TownFactory()
    own = PositionFactory(recipient=recipient, department="Ausländerbehörde")
    twin = PositionFactory(recipient=recipient, block=own.block, department="Ausländerbehörde")
    PositionFactory(recipient=recipient, block=own.block, department="")
    at_town = PositionFactory(
        recipient=recipient, block=own.block, employer=town, department="Fachbereich Soziales"
    )

    migration.units_from_departments(apps, None)

    units = OrganisationalUnit.objects.filter(recipient=recipient)
    assert [(u.name, u.kind) for u in units] == [("Ausländerbehörde", "foreigners_authority")]
    own.refresh_from_db()
    twin.refresh_from_db()
    at_town.refresh_from_db()
    assert own.unit == twin.unit == units[0]
    # A town's department is the town's, not a unit of the recipient.
    assert at_town.unit is None


def test_a_unit_of_another_recipient_is_refused_at_the_field(db):
    mine, other = OrganisationFactory(), OrganisationFactory()
    foreign = OrganisationalUnit.objects.create(recipient=other, name="KI anderswo")
    position = PositionFactory.build(
        recipient=mine, employer=mine, block=BuildingBlockFactory(), unit=foreign
    )
    admin = UserFactory(role="admin", organisation=None)

    with pytest.raises(ValidationError) as refused:
        position_save(position=position, actor=admin)

    assert refused.value.message_dict["unit"] == [FOREIGN_UNIT]
    assert not Position.objects.filter(recipient=mine).exists()


def test_a_unit_only_for_the_recipients_own_positions(db):
    city = OrganisationFactory()
    ki = OrganisationalUnit.objects.create(recipient=city, name="KI Musterstadt")
    position = PositionFactory.build(
        recipient=city, employer=TownFactory(), block=BuildingBlockFactory(), unit=ki
    )

    with pytest.raises(ValidationError) as refused:
        position.clean()

    assert refused.value.message_dict["unit"] == [
        "Eine Organisationseinheit haben nur die eigenen Stellen des Empfängers."
    ]


def test_the_api_refuses_a_unit_out_of_scope_and_shows_its_own(db):
    mine, other = OrganisationFactory(), OrganisationFactory()
    ki = OrganisationalUnit.objects.create(recipient=mine, name="KI Musterstadt")
    foreign = OrganisationalUnit.objects.create(recipient=other, name="KI anderswo")
    position = PositionFactory(recipient=mine, unit=ki)
    client = token_client(UserFactory(role="finance", organisation=mine))

    shown = client.get(reverse("api:position-detail", args=[position.pk]))
    assert (shown.data["unit"], shown.data["unit_name"]) == (ki.pk, "KI Musterstadt")

    refused = client.patch(
        reverse("api:position-detail", args=[position.pk]),
        {"unit": foreign.pk},
        format="json",
    )
    assert refused.status_code == 400
    assert "unit" in refused.data and "anderswo" not in str(refused.data)
    position.refresh_from_db()
    assert position.unit == ki
    # The other recipient's unit is not in the list either.
    listed = client.get(reverse("api:organisationalunit-list"))
    assert [row["name"] for row in listed.data["results"]] == ["KI Musterstadt"]


def test_the_positions_page_shows_and_filters_by_unit(client, db):
    city = OrganisationFactory()
    ki = OrganisationalUnit.objects.create(recipient=city, name="Kommunales Integrationszentrum")
    abh = OrganisationalUnit.objects.create(
        recipient=city, name="Ausländerbehörde", kind="foreigners_authority"
    )
    block = BuildingBlockFactory()
    PositionFactory(recipient=city, block=block, unit=ki, title="Koordination")
    PositionFactory(recipient=city, block=block, unit=abh, title="Sachbearbeitung ABH")
    client.force_login(UserFactory(role="finance", organisation=city))

    page = client.get(reverse("staffing:position_list"), {"unit": "Integration"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Koordination" in html and "Kommunales Integrationszentrum" in html
    assert "Sachbearbeitung ABH" not in html
    # The umlaut-insensitive search finds the unit's name too.
    found = client.get(reverse("staffing:position_list"), {"q": "auslaenderbehoerde"})
    assert "Sachbearbeitung ABH" in found.content.decode()


def test_the_position_form_offers_only_the_own_units(client, db):
    city, other = OrganisationFactory(), OrganisationFactory()
    OrganisationalUnit.objects.create(recipient=city, name="KI Musterstadt")
    OrganisationalUnit.objects.create(recipient=other, name="KI anderswo")
    client.force_login(UserFactory(role="finance", organisation=city))

    form = client.get(reverse("staffing:position_add")).context["form"]

    assert [u.name for u in form.fields["unit"].queryset] == ["KI Musterstadt"]


# Queries of one list request with token authentication (admin): token + user (1), COUNT (1),
# page with the recipient joined (1).
UNIT_LIST_QUERIES = 3


@pytest.mark.parametrize("n", [10, 1000])
def test_unit_list_query_count_is_constant(n, django_assert_num_queries):
    recipient = OrganisationFactory()
    OrganisationalUnit.objects.bulk_create(
        OrganisationalUnit(recipient=recipient, name=f"Einheit {i:04}") for i in range(n)
    )
    client = token_client(UserFactory(role="admin", organisation=None))

    with django_assert_num_queries(UNIT_LIST_QUERIES):
        response = client.get(
            reverse("api:organisationalunit-list"), {"limit": 1000, "recipient": recipient.slug}
        )

    assert response.status_code == 200
    assert response.data["count"] == n


@pytest.mark.parametrize("n", [10, 100])
def test_unit_list_query_count_is_constant_for_finance(n, django_assert_num_queries):
    recipient = OrganisationFactory()
    OrganisationalUnit.objects.bulk_create(
        OrganisationalUnit(recipient=recipient, name=f"Einheit {i:04}") for i in range(n)
    )
    client = token_client(UserFactory(role="finance", organisation=recipient))

    # + the permission check (user and group permissions, one statement; the role comes with the
    # user), as for positions (tests/test_staffing_api.py).
    with django_assert_num_queries(UNIT_LIST_QUERIES + 1):
        response = client.get(reverse("api:organisationalunit-list"), {"limit": 1000})

    assert response.data["count"] == n


def test_finance_writes_its_own_units_through_the_api_with_the_history(db):
    mine, other = OrganisationFactory(), OrganisationFactory()
    user = UserFactory(role="finance", organisation=mine)
    client = token_client(user)
    url = reverse("api:organisationalunit-list")

    created = client.post(
        url, {"recipient": mine.pk, "name": "Jobcenter", "kind": "jobcentre"}, format="json"
    )
    assert created.status_code == 201, created.data
    unit = OrganisationalUnit.objects.get(recipient=mine, name="Jobcenter")
    assert unit.history.first().history_user == user

    foreign = client.post(url, {"recipient": other.pk, "name": "Jobcenter"}, format="json")
    assert foreign.status_code == 400
    # The other recipient is outside the user's scope: not even found.
    assert "außerhalb Ihres Zuständigkeitsbereichs" in str(foreign.data["recipient"])
    twice = client.post(url, {"recipient": mine.pk, "name": "Jobcenter"}, format="json")
    assert twice.status_code == 400
    assert "Eine Organisationseinheit mit diesem Namen gibt es beim Empfänger schon." in str(
        twice.data
    )

    # A unit that a position names is not deleted (409); an unused one is.
    PositionFactory(recipient=mine, unit=unit)
    detail = reverse("api:organisationalunit-detail", args=[unit.pk])
    refused = client.delete(detail)
    assert refused.status_code == 409
    assert OrganisationalUnit.objects.filter(pk=unit.pk).exists()
    spare = OrganisationalUnit.objects.create(recipient=mine, name="Ausländerbehörde")
    gone = client.delete(reverse("api:organisationalunit-detail", args=[spare.pk]))
    assert gone.status_code == 204
    # Another recipient's unit is not found at all.
    theirs = OrganisationalUnit.objects.create(recipient=other, name="KI anderswo")
    hidden = reverse("api:organisationalunit-detail", args=[theirs.pk])
    assert client.get(hidden).status_code == 404
    assert client.patch(hidden, {"name": "Übernommen"}, format="json").status_code == 404


@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_other_roles_write_no_units(role, db):
    city = OrganisationFactory()
    client = token_client(UserFactory(role=role, organisation=city))

    response = client.post(
        reverse("api:organisationalunit-list"), {"recipient": city.pk, "name": "KI"}, format="json"
    )

    assert response.status_code == 403
    assert not OrganisationalUnit.objects.filter(recipient=city).exists()

"""The pages of the organisational units (issue 16: "its organisational units such as the KI as
real units"): finance and coordination of a recipient list, add, change and delete their
units in the "Förderung" section, the council reads them, carriers and towns see none. The
list counts each unit's positions; a unit that positions still name is not deleted."""

from itertools import count

import pytest
from django.urls import reverse

from staffing.models import OrganisationalUnit, Position
from tests import generic
from tests.factories import BuildingBlockFactory, OrganisationFactory, PositionFactory

pytestmark = pytest.mark.django_db

UNITS = reverse("staffing:organisationalunit_list")
NUMBERS = count(1)


def unit(recipient, name=None, kind="integration_centre"):
    return OrganisationalUnit.objects.create(
        recipient=recipient, name=name or f"Einheit {next(NUMBERS)}", kind=kind
    )


class TestOrganisationalUnitPages(generic.ObjectPages):
    """List, detail, add, edit, delete, history; permissions and scope of every role (finance
    and coordination write, the council reads, carriers and towns see no unit)."""

    model = OrganisationalUnit

    def make(self, recipient):
        return unit(recipient)

    def form_data(self, recipient):
        return {
            "recipient": recipient.id,
            "name": "Kommunales Integrationszentrum",
            "kind": "integration_centre",
        }

    created = {"name": "Kommunales Integrationszentrum", "kind": "integration_centre"}
    edit_changes = {"name": "Ausländerbehörde", "kind": "foreigners_authority"}
    changed = {"name": "Ausländerbehörde", "kind": "foreigners_authority"}
    # make() gives the KI's kind; the history shows the kinds' German labels.
    history_shows = "Kommunales Integrationszentrum → Ausländerbehörde"


def test_a_unit_that_positions_name_is_not_deleted(client, login_as, city):
    ki = unit(city, "Kommunales Integrationszentrum")
    PositionFactory(recipient=city, unit=ki, title="Koordination KI")
    login_as("finance", city)

    response = client.post(
        reverse("staffing:organisationalunit_delete", args=[ki.pk]), {"version": ki.version}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert (
        "„Kommunales Integrationszentrum“ kann nicht gelöscht werden, solange noch darauf "
        "verweisen: Stellen: Koordination KI. Bitte diese zuerst löschen oder ändern."
    ) in html
    assert OrganisationalUnit.objects.filter(pk=ki.pk).exists()
    assert not OrganisationalUnit.history.filter(id=ki.pk, history_type="-").exists()
    assert Position.objects.get(title="Koordination KI").unit == ki


def test_a_second_unit_of_the_same_name_is_refused_at_the_field(client, login_as, city):
    unit(city, "Kommunales Integrationszentrum")
    login_as("coordinator", city)

    response = client.post(
        reverse("staffing:organisationalunit_add"),
        {"recipient": city.id, "name": "Kommunales Integrationszentrum", "kind": "other"},
    )

    assert response.status_code == 200
    assert "Eine Organisationseinheit mit diesem Namen gibt es beim Empfänger schon." in (
        response.content.decode()
    )
    assert OrganisationalUnit.objects.filter(recipient=city).count() == 1


def test_the_list_counts_positions_sorts_by_them_and_filters_by_kind(client, login_as, city):
    ki = unit(city, "Kommunales Integrationszentrum")
    abh = unit(city, "Ausländerbehörde", kind="foreigners_authority")
    unit(city, "Jobcenter", kind="jobcentre")
    block = BuildingBlockFactory()
    for title in ("Koordination 1", "Koordination 2"):
        PositionFactory(recipient=city, block=block, unit=ki, title=title)
    PositionFactory(recipient=city, block=block, unit=abh, title="Sachbearbeitung ABH")
    login_as("council", city)

    # KI: 2 positions, Ausländerbehörde: 1, Jobcenter: 0.
    response = client.get(UNITS, {"sort": "-position_count"})
    assert response.status_code == 200
    rows = [(row.record.name, row.record.position_count) for row in response.context["table"].rows]
    assert rows == [
        ("Kommunales Integrationszentrum", 2),
        ("Ausländerbehörde", 1),
        ("Jobcenter", 0),
    ]
    html = response.content.decode()
    assert "Organisationseinheiten" in html and "Jobcenter/Sozialamt" in html

    filtered = client.get(UNITS, {"kind": "foreigners_authority"})
    assert [row.record.name for row in filtered.context["table"].rows] == ["Ausländerbehörde"]


def test_the_unit_page_shows_its_positions(client, login_as, city):
    ki = unit(city, "Kommunales Integrationszentrum")
    other = unit(city, "Ausländerbehörde", kind="foreigners_authority")
    block = BuildingBlockFactory()
    mine = PositionFactory(recipient=city, block=block, unit=ki, title="Koordination KI")
    PositionFactory(recipient=city, block=block, unit=other, title="Sachbearbeitung ABH")
    login_as("coordinator", city)

    response = client.get(ki.get_absolute_url())

    assert response.status_code == 200
    assert list(response.context["positions"]) == [mine]
    html = response.content.decode()
    assert reverse("staffing:position_detail", args=[mine.pk]) in html
    assert "Sachbearbeitung ABH" not in html


@pytest.mark.parametrize(
    ("role", "tab_shown"),
    [("finance", True), ("coordinator", True), ("council", True), ("carrier", False)],
)
def test_the_tab_in_the_funding_section(client, login_as, city, role, tab_shown):
    organisation = city if role != "carrier" else OrganisationFactory(kind="carrier")
    login_as(role, organisation)

    html = client.get(reverse("funding:revenueaccount_list")).content.decode()

    assert (f'href="{UNITS}"' in html) is tab_shown


@pytest.mark.parametrize("n", [10, 1000])
def test_the_unit_list_query_count_is_the_same_for_10_and_1000_rows(
    client, login_as, city, n, django_assert_num_queries
):
    units = OrganisationalUnit.objects.bulk_create(
        OrganisationalUnit(recipient=city, name=f"Einheit {i:04d}") for i in range(n)
    )
    block = BuildingBlockFactory()
    Position.objects.bulk_create(
        Position(
            recipient=city,
            employer=city,
            block=block,
            funding_kind="case_management",
            title=f"Stelle {i}",
            fte="1",
            planned_start="2023-01-01",
            unit=u,
        )
        for i, u in enumerate(units)
    )
    login_as("finance", city)
    client.get(UNITS)  # the session and the user's permissions, once

    # session, user with its role, permissions (1), count, organisation (page header), the page's
    # rows with their position counts (one query): 6 for any number of units.
    with django_assert_num_queries(6):
        response = client.get(UNITS)
    assert response.status_code == 200
    assert response.context["result_count"] == n
    # Each unit has exactly one position (bulk_create above).
    assert {row.record.position_count for row in response.context["table"].rows} == {1}


def test_the_unit_pages_mark_the_funding_section_in_the_main_navigation(client, login_as, city):
    ki = unit(city, "Kommunales Integrationszentrum")
    login_as("finance", city)

    for url in (UNITS, ki.get_absolute_url(), reverse("staffing:position_list")):
        html = client.get(url).content.decode()
        navigation = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
        current = [
            link.split(">", 1)[1].split("<", 1)[0]
            for link in navigation.split("<a ")[1:]
            if 'aria-current="page"' in link.split(">", 1)[0]
        ]
        expected = (
            ["Stellen"] if url == reverse("staffing:position_list") else ["Förderung &amp; Träger"]
        )
        assert current == expected, url

"""The position pages: list, position page, forms, ending, deleting, history.

Every role against every page and write endpoint; German input and errors; stale forms;
figures computed by hand; query counts pinned for 10 and 1,000 positions.
"""

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from carriers.models import Organisation
from staffing.models import Occupancy, Position, PositionCost, PositionTown
from staffing.views import PositionListView
from tests import generic
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    OccupancyFactory,
    PayGradeFactory,
    PositionCostFactory,
    PositionFactory,
    PositionTownFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
LIST = "/stellen/"
# session, user with its role, permissions (1), year span, FTE total, filtered ids, recipients, the
# engine's selector (12), count, page rows, filter choices (blocks, employers, carriers,
# towns, pay grades, scenarios), the header's organisation.
LIST_QUERIES = 30


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


@pytest.fixture
def world(other_city):
    """The Oberbergischer Kreis with one position forwarded to Caritas, serving its town
    Hückeswagen (to have a town user), filled from 01.07.2023; Köln with a position of its
    own. Rate 57,000 capped at the cost from 2023."""
    city = CountyFactory(name="Oberbergischer Kreis", slug="oberberg")
    caritas = CarrierFactory(name="Caritasverband Leverkusen", slug="caritas")
    awo = CarrierFactory(name="AWO Leverkusen", slug="awo")
    town = TownFactory(name="Schloss-Stadt Hückeswagen", slug="hueckeswagen", parent=city)
    block = BuildingBlockFactory(number=2, name="Casemanagement")
    FundingRateFactory(amount=D("57000.00"), valid_from=date(2023, 1, 1), capped_at_cost=True)
    position = PositionFactory(
        recipient=city,
        employer=caritas,
        block=block,
        title="Casemanagement Caritas",
        fte=D("1"),
        planned_start=date(2023, 1, 1),
    )
    PositionTownFactory(position=position, town=town, share=D("100"))
    OccupancyFactory(position=position, start=date(2023, 7, 1), end=None, fte=D("1"))
    # Planned for the full position (issue 14): 60,000.00 in 2023, 30,000.00 for the six
    # months filled.
    PositionCostFactory(position=position, year=2023, employer_gross=D("60000.00"))
    PositionCostFactory(position=position, year=2024, employer_gross=D("61000.00"))
    ForwardingAgreementFactory(recipient=city, carrier=caritas).positions.add(position)
    foreign = PositionFactory(recipient=other_city, block=block, title="Casemanagement Köln")
    users = {
        "finance": UserFactory(role="finance", organisation=city),
        "coordinator": UserFactory(role="coordinator", organisation=city),
        "council": UserFactory(role="council", organisation=city),
        "carrier": UserFactory(role="carrier", organisation=caritas),
        "other_carrier": UserFactory(role="carrier", organisation=awo),
        "town": UserFactory(role="town", organisation=town),
        "other_finance": UserFactory(role="finance", organisation=other_city),
        "admin": UserFactory(role="admin", organisation=city),
    }
    return {
        "city": city,
        "caritas": caritas,
        "town": town,
        "block": block,
        "position": position,
        "foreign": foreign,
        "users": users,
    }


def login(client, world, role):
    user = world["users"][role]
    client.force_login(user)
    return user


def position_data(world, **overrides):
    """The position form as a browser sends it: German numbers and dates, two formsets."""
    data = {
        "recipient": world["city"].pk,
        "block": world["block"].pk,
        "funding_kind": "case_management",
        "title": "Casemanagement KI 4",
        "fte": "0,5",
        "employer": world["city"].pk,
        "department": "Kommunales Integrationszentrum",
        "pay_grade": "",
        "planned_start": "01.07.2023",
        "end_date": "",
        "budget_product": "",
        "ledger_account": "",
        "cost_centre": "",
        "notes": "",
        "version": "",
        "besetzungen-TOTAL_FORMS": "1",
        "besetzungen-INITIAL_FORMS": "0",
        "besetzungen-0-start": "01.07.2023",
        "besetzungen-0-end": "",
        "besetzungen-0-fte": "0,5",
        "besetzungen-0-note": "",
        "kommunen-TOTAL_FORMS": "1",
        "kommunen-INITIAL_FORMS": "0",
        "kommunen-0-town": str(world["town"].pk),
        "kommunen-0-share": "100",
    }
    data.update(overrides)
    return data


def edit_data(client, url):
    """What the edit form posts back unchanged: every field as the browser shows it."""
    form = client.get(url).context["form"]
    data = {}

    def put(bound):
        value = bound.value()
        if value is None:
            value = ""
        elif not isinstance(value, str):
            value = bound.field.widget.format_value(value)
        data[bound.html_name] = value

    for bound in form:
        put(bound)
    for formset in (form.towns, form.occupancies):
        for bound in formset.management_form:
            put(bound)
        for row in formset.forms:
            for bound in row:
                if bound.name != "DELETE":
                    put(bound)
    return data


# --- the generic pages (tests.generic) ----------------------------------------------------------


class TestPositionPages(generic.ObjectPages):
    """The generic pages of a position. Carriers and towns see the positions they employ or
    serve (test_every_page_answers_each_role_as_expected); the ones here are neither."""

    model = Position

    # Its served town is one of the recipient's towns.
    recipient_factory = CountyFactory

    def make(self, recipient):
        return PositionFactory(recipient=recipient)

    def form_data(self, recipient):
        town = TownFactory(parent=recipient)
        world = {"city": recipient, "block": BuildingBlockFactory(number=2), "town": town}
        return position_data(world)

    created = {
        "title": "Casemanagement KI 4",
        "fte": D("0.5"),
        "planned_start": date(2023, 7, 1),
        "department": "Kommunales Integrationszentrum",
    }
    edit_changes = {"title": "Casemanagement KI 5", "fte": "1"}
    changed = {"title": "Casemanagement KI 5", "fte": D("1"), "planned_start": date(2023, 7, 1)}
    # The factory's position starts on 01.01.2023.
    history_shows = "01.01.2023 → 01.07.2023"
    # As test_list_query_count_is_the_same_for_10_and_1000_positions.
    list_queries = LIST_QUERIES


# --- Who may see and do what -----------------------------------------------------------------

ROLES = [
    "finance",
    "coordinator",
    "council",
    "carrier",
    "other_carrier",
    "town",
    "other_finance",
    "admin",
]
# role -> (list, page, history, add form, edit/end/delete form) for the county's position.
EXPECTED = {
    "finance": (200, 200, 200, 200, 200),
    "coordinator": (200, 200, 200, 200, 200),
    "council": (200, 200, 200, 403, 403),
    "carrier": (200, 200, 200, 403, 403),
    "other_carrier": (200, 404, 404, 403, 403),
    "town": (200, 200, 200, 403, 403),
    "other_finance": (200, 404, 404, 200, 404),
    "admin": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_expected(client, world, role):
    login(client, world, role)
    pk = world["position"].pk
    list_, page, history, add, change = EXPECTED[role]
    assert client.get(LIST).status_code == list_
    assert client.get(f"{LIST}{pk}/").status_code == page
    assert client.get(f"{LIST}{pk}/verlauf/").status_code == history
    assert client.get(f"{LIST}neu/").status_code == add
    for action in ("bearbeiten", "beenden", "loeschen"):
        assert client.get(f"{LIST}{pk}/{action}/").status_code == change, action


@pytest.mark.parametrize("role", ["council", "carrier", "other_carrier", "town", "other_finance"])
def test_refused_writes_change_nothing(client, world, role):
    login(client, world, role)
    position = world["position"]
    pk = position.pk
    before = (
        Position.objects.count(),
        Occupancy.objects.count(),
        PositionTown.objects.count(),
        Position.objects.get(pk=pk).version,
        Position.history.count(),
    )
    add = client.post(f"{LIST}neu/", position_data(world))
    edit = client.post(f"{LIST}{pk}/bearbeiten/", position_data(world, version="1"))
    end = client.post(f"{LIST}{pk}/beenden/", {"end_date": "31.12.2025", "version": "1"})
    delete = client.post(f"{LIST}{pk}/loeschen/", {"version": "1"})
    expected_change = EXPECTED[role][4]
    assert edit.status_code == end.status_code == delete.status_code == expected_change
    # Another recipient's finance may add positions, but only for its own recipient.
    assert add.status_code == (200 if role == "other_finance" else 403)
    after = (
        Position.objects.count(),
        Occupancy.objects.count(),
        PositionTown.objects.count(),
        Position.objects.get(pk=pk).version,
        Position.history.count(),
    )
    assert after == before
    assert Position.objects.get(pk=pk).end_date is None


def test_council_sees_no_edit_buttons(client, world):
    login(client, world, "council")
    page = client.get(f"{LIST}{world['position'].pk}/")
    html = page.content.decode()
    assert page.context["can_change"] is False
    for text in (
        "Bearbeiten",
        "Stelle beenden",
        "Löschen",
        "Besetzung hinzufügen",
        "Kosten erfassen",
    ):
        assert text not in html.split('<main id="inhalt"')[1], text
    assert "Neu anlegen" not in client.get(LIST).content.decode()


def test_finance_sees_the_edit_buttons(client, world):
    login(client, world, "finance")
    html = client.get(f"{LIST}{world['position'].pk}/").content.decode()
    for text in (
        "Bearbeiten",
        "Stelle beenden",
        "Löschen",
        "Besetzung hinzufügen",
        "Kosten erfassen",
    ):
        assert text in html, text


def test_lists_show_only_what_concerns_the_user(client, world):
    own, foreign = world["position"], world["foreign"]
    shown = {}
    for role in ROLES:
        login(client, world, role)
        response = client.get(LIST, {"year": 2024})
        shown[role] = {row.record.pk for row in response.context["table"].rows}
    assert shown["finance"] == shown["coordinator"] == shown["council"] == {own.pk}
    assert shown["carrier"] == shown["town"] == {own.pk}
    assert shown["other_carrier"] == set()
    assert shown["other_finance"] == {foreign.pk}
    assert shown["admin"] == {own.pk, foreign.pk}


def test_admin_chooses_the_recipient(client, world):
    login(client, world, "admin")
    response = client.get(LIST, {"year": 2024, "recipient": "koeln"})
    assert {row.record.pk for row in response.context["table"].rows} == {world["foreign"].pk}
    assert "recipient" in response.context["filter"].form.fields
    login(client, world, "finance")
    assert "recipient" not in client.get(LIST).context["filter"].form.fields


# --- The list ---------------------------------------------------------------------------------


def test_list_shows_state_and_figures_of_the_year(client, world):
    login(client, world, "finance")
    response = client.get(LIST, {"year": 2023})
    html = response.content.decode()
    assert response.context["year"] == 2023
    assert '<span class="badge badge--partly">teilweise besetzt</span>' in html
    # 30,000.00 cost, 57,000 × 6/12 = 28,500.00 funding, 1,500.00 own share.
    for amount in ("30.000,00", "28.500,00", "1.500,00"):
        assert html.count(euro(amount)) == 2, amount  # the row and the totals row
    assert "Kosten 2023" in html and "Förderung 2023" in html

    response = client.get(LIST, {"year": 2024})
    html = response.content.decode()
    assert '<span class="badge badge--filled">besetzt</span>' in html
    assert euro("57.000,00") in html and euro("4.000,00") in html


def test_default_year_is_this_year_capped_to_the_data(client, world):
    login(client, world, "finance")
    # Costs are entered up to 2024.
    expected = min(timezone.localdate().year, 2024)
    assert client.get(LIST).context["year"] == expected


def test_filters(client, world):
    login(client, world, "finance")
    city, block = world["city"], world["block"]
    vacant = PositionFactory(
        recipient=city,
        block=block,
        title="Koordination KI",
        department="Kommunales Integrationszentrum",
        pay_grade=PayGradeFactory(code="E 11"),
        planned_start=date(2023, 1, 1),
    )
    filled = PositionFactory(recipient=city, block=block, title="Casemanagement KI 1")
    OccupancyFactory(position=filled, start=date(2023, 1, 1))

    def shown(**params):
        response = client.get(LIST, {"year": 2024, **params})
        assert response.status_code == 200
        return {row.record.pk for row in response.context["table"].rows}

    own = world["position"].pk
    assert shown() == {own, vacant.pk, filled.pk}
    assert shown(state="vacant") == {vacant.pk}
    assert shown(state="filled") == {own, filled.pk}
    assert shown(state="partly") == set()
    assert shown(year=2023, state="partly") == {own}
    assert shown(carrier="caritas") == {own}
    assert shown(employer="caritas") == {own}
    assert shown(employer=city.slug) == {vacant.pk, filled.pk}
    assert shown(town="hueckeswagen") == {own}
    assert shown(pay_grade="E 11") == {vacant.pk}
    assert shown(q="integrationszentrum") == {vacant.pk}
    assert shown(q="ki 1") == {filled.pk}
    assert shown(block=2) == {own, vacant.pk, filled.pk}
    assert shown(block=1) == set()
    # Positions not active in the year are not listed.
    assert shown(year=2022) == set()


def test_filter_choices_name_each_visible_organisation_once(client, world):
    """The employer, carrier and town selects offer the organisations of the positions the
    user sees, each once and by name: a second position of the city's own adds the city as
    employer and serves the same town again; AWO, whose agreement covers a position it does
    not employ, is a carrier to choose. Köln's position, employed by a carrier of its own
    and serving a town of its own, adds nothing."""
    city, town = world["city"], world["town"]
    second = PositionFactory(recipient=city, block=world["block"], title="Koordination KI")
    PositionTownFactory(position=second, town=town, share=D("100"))
    awo = Organisation.objects.get(slug="awo")
    ForwardingAgreementFactory(recipient=city, carrier=awo).positions.add(second)
    other_city = world["foreign"].recipient
    diakonie = CarrierFactory(name="Diakonie Köln", slug="diakonie-koeln")
    Position.objects.filter(pk=world["foreign"].pk).update(employer=diakonie)
    PositionTownFactory(
        position=world["foreign"],
        town=TownFactory(name="Stadtbezirk Porz", slug="porz", parent=other_city),
        share=D("100"),
    )

    login(client, world, "finance")
    form = client.get(LIST, {"year": 2024}).context["filter"].form

    def offered(name):
        return [label for value, label in form.fields[name].widget.choices if value]

    assert offered("employer") == ["Caritasverband Leverkusen", "Oberbergischer Kreis"]
    assert offered("carrier") == ["AWO Leverkusen", "Caritasverband Leverkusen"]
    assert offered("town") == ["Schloss-Stadt Hückeswagen"]


def test_a_filter_value_not_offered_is_named_next_to_its_select(client, world):
    """A stale bookmark's carrier (or one the user may not see) is an error on that select,
    not an empty list under a select that says "Alle"; ``?scenario=none`` (the real plan, as
    the API names it) is understood though the select does not list it."""
    login(client, world, "finance")
    response = client.get(LIST, {"year": 2024, "carrier": "caritas-alt"})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert errors == {"carrier": ["„caritas-alt“ steht hier nicht zur Auswahl."]}
    html = response.content.decode()
    assert '<p class="field__error" role="alert">„caritas-alt“ steht hier nicht zur' in html
    assert '<details class="filter-panel" open>' in html
    assert list(response.context["table"].rows) == []

    for query in ({"carrier": "caritas"}, {"scenario": "none"}):
        response = client.get(LIST, {"year": 2024, **query})
        assert response.context["filter"].form.errors == {}, query
        assert {row.record.pk for row in response.context["table"].rows} == {world["position"].pk}


def test_totals_cover_all_filtered_rows_not_only_the_page(client, world, monkeypatch):
    monkeypatch.setattr(PositionListView, "per_page", 2)
    login(client, world, "finance")
    city, block = world["city"], world["block"]
    for i in range(3):
        p = PositionFactory(recipient=city, block=block, fte=D("0.5"), title=f"Teilzeit {i}")
        OccupancyFactory(position=p, start=date(2023, 1, 1), fte=D("0.5"))
        PositionCostFactory(position=p, year=2024, employer_gross=D("30000.00"))
    response = client.get(LIST, {"year": 2024})
    table = response.context["table"]
    assert len(table.page.object_list) == 2 and table.paginator.count == 4
    assert table.totals["fte"] == D("2.5")
    # 61,000 + 3 × 30,000; funding 57,000 + 3 × 28,500 (0.5 × 57,000)
    assert table.totals["total_cost"] == D("151000.00")
    assert table.totals["funding"] == D("142500.00")
    assert table.totals["own_share"] == D("8500.00")
    assert euro("151.000,00") in response.content.decode()


def test_sorting_by_a_column(client, world):
    login(client, world, "finance")
    city, block = world["city"], world["block"]
    PositionFactory(recipient=city, block=block, title="Aaa")
    PositionFactory(recipient=city, block=block, title="Zzz")
    titles = [
        row.record.title
        for row in client.get(LIST, {"year": 2024, "sort": "-title"}).context["table"].rows
    ]
    assert titles == ["Zzz", "Casemanagement Caritas", "Aaa"]
    states = [
        row.record.year_state
        for row in client.get(LIST, {"year": 2024, "sort": "year_state"}).context["table"].rows
    ]
    assert states == sorted(states)


def test_bad_filter_values_are_answered_in_german(client, world):
    login(client, world, "finance")
    response = client.get(LIST, {"year": "2024", "state": "irgendwie"})
    errors = response.context["filter"].form.errors
    assert "state" in errors and "gültige" in errors["state"][0]


def test_exports_have_the_filtered_rows_with_numbers_as_numbers(client, world):
    login(client, world, "finance")
    PositionFactory(recipient=world["city"], block=world["block"], title="Vakanz")
    csv = client.get(LIST, {"year": 2024, "state": "filled", "export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header == [
        "Stelle",
        "Förderart",
        "Baustein",
        "VZ",
        "Anstellungsträger",
        "EG",
        "Beginn",
        "Ende",
        "Besetzung 2024",
        "Kosten 2024",
        "Förderung 2024",
        "Eigenanteil 2024",
    ]
    assert lines[1].split(";") == [
        "Casemanagement Caritas",
        "Casemanagement",
        "2",
        "1",  # FTE without trailing zeros (kim_admin.exports)
        "Caritasverband Leverkusen",
        "",
        "01.01.2023",
        "",
        "besetzt",
        "61000,00",
        "57000,00",
        "4000,00",
    ]
    assert len(lines) == 2

    xlsx = client.get(LIST, {"year": 2024, "export": "xlsx"})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    *data, totals = sheet.iter_rows(min_row=2)
    rows = {row[0].value: row for row in data}
    assert set(rows) == {"Casemanagement Caritas", "Vakanz"}
    # The totals row below, summing what the page's totals row sums (FTE and amounts).
    assert totals[0].value == "Summe (sichtbare Zeilen)"
    assert totals[9].value == "=SUBTOTAL(109,J2:J3)"
    assert rows["Casemanagement Caritas"][9].value == 61000
    assert rows["Casemanagement Caritas"][9].number_format == "#,##0.00"
    assert rows["Casemanagement Caritas"][6].value.date() == date(2023, 1, 1)
    assert rows["Vakanz"][8].value == "unbesetzt"


def _bulk_positions(world, n):
    city, block = world["city"], world["block"]
    positions = Position.objects.bulk_create(
        Position(
            recipient=city,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:04d}",
            fte=D("1"),
            employer=world["caritas"] if i % 2 else city,
            department="KI",
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2023, 1 + i % 12, 1), fte=D("1"))
        for i, p in enumerate(positions)
    )
    PositionCost.objects.bulk_create(
        PositionCost(position=p, year=2024, status="planned", employer_gross=D("60000"))
        for p in positions
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_the_same_for_10_and_1000_positions(
    client, world, n, django_assert_num_queries
):
    login(client, world, "finance")
    _bulk_positions(world, n)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"year": 2024})
    assert response.status_code == 200
    assert response.context["table"].paginator.count == n + 1
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"year": 2024, "state": "filled", "sort": "-year_state"})
    assert response.status_code == 200
    # Sorted by an amount of the engine: still one query for the page's rows.
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"year": 2024, "sort": "-own_share"})
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_export_query_count_is_the_same_for_10_and_1000_positions(
    client, world, n, django_assert_num_queries
):
    login(client, world, "finance")
    _bulk_positions(world, n)
    # As the list without the page (count, rows), filter choices and header; all rows in one;
    # and one count: above EXPORT_SYNC_ROWS the export goes to the job worker.
    with django_assert_num_queries(LIST_QUERIES - 7):
        response = client.get(LIST, {"year": 2024, "export": "xlsx"})
    # Header, the rows, the totals row.
    assert load_workbook(BytesIO(response.content)).active.max_row == n + 3


# --- The position page ------------------------------------------------------------------------


def test_position_page_shows_the_figures_per_year_computed_by_hand(client, world):
    login(client, world, "finance")
    response = client.get(f"{LIST}{world['position'].pk}/")
    years = {row["year"]: row for row in response.context["years"]}
    assert set(years) >= {2023, 2024}
    # 2023: filled from 01.07.: 57,000 × 6/12 = 28,500.00 of 30,000.00 employer gross.
    y2023 = years[2023]
    assert (y2023["source"], y2023["filled_months"]) == ("Plan", D("6"))
    assert y2023["amounts"].total_cost == D("30000.00")
    assert y2023["amounts"].funding == D("28500.00")
    assert y2023["amounts"].own_share == D("1500.00")
    # 2024: all year: 57,000.00 of 61,000.00.
    assert years[2024]["amounts"].funding == D("57000.00")
    assert years[2024]["amounts"].own_share == D("4000.00")
    html = response.content.decode()
    assert "57.000,00\u00a0€ je VZ × 6 VZ-Monate / 12, höchstens die förderfähigen Kosten" in html
    assert euro("28.500,00") in html and euro("1.500,00") in html
    # The forwarding agreement covers all: the city carries the own share.
    assert "Eigenanteil trägt: Oberbergischer Kreis" in html


def test_position_page_shows_towns_occupancy_timeline_and_costs(client, world):
    login(client, world, "finance")
    html = client.get(f"{LIST}{world['position'].pk}/").content.decode()
    assert "Schloss-Stadt Hückeswagen" in html and "100 %" in html
    assert '<figure class="timeline">' in html
    assert 'role="img"' in html
    assert "besetzt 01.07.2023 – offen mit 1 VZ" in html
    assert "unbesetzt 01.01.2023 – 30.06.2023" in html
    assert 'class="timeline__bar"' in html and 'class="timeline__gap"' in html
    # SVG coordinates are never written the German way.
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert "," not in svg.split("<title")[0]
    assert euro("61.000,00") in html  # the 2024 cost row


def _position_with_rows(world, n):
    position = PositionFactory(
        recipient=world["city"], block=world["block"], planned_start=date(2015, 1, 1)
    )
    for i in range(n):
        OccupancyFactory(
            position=position, start=date(2015 + i, 1, 1), end=date(2015 + i, 6, 30), fte=D("1")
        )
        PositionCostFactory(position=position, year=2015 + i, employer_gross=D("30000"))
        PositionTownFactory(position=position, town=TownFactory(), share=D(100) / n)
    return position


@pytest.mark.parametrize("n", [1, 10])
def test_position_page_query_count_is_the_same_for_1_and_10_rows(
    client, world, n, django_assert_num_queries
):
    login(client, world, "finance")
    position = _position_with_rows(world, n)
    # session, user with its role, permissions (1), position, change scope, towns, periods,
    # costs, the engine's selector (12, and the pay rises with which the years after the last
    # with figures are carried forward), the year's state, history (4), the header's
    # organisation.
    with django_assert_num_queries(29):
        response = client.get(f"{LIST}{position.pk}/")
    assert response.status_code == 200
    assert len(response.context["occupancies"]) == n


@pytest.mark.history
@pytest.mark.parametrize("n", [1, 10])
def test_history_page_query_count_is_the_same_for_1_and_10_rows(
    client, world, n, django_assert_num_queries
):
    login(client, world, "finance")
    position = _position_with_rows(world, n)
    for occupancy in position.occupancies.all():
        occupancy.note = "geändert"
        occupancy.save()
    # session, user with its role, position, history (4), the header's organisation and
    # navigation permissions (1).
    with django_assert_num_queries(9):
        response = client.get(f"{LIST}{position.pk}/verlauf/")
    assert len(response.context["entries"]) == 1 + 4 * n


@pytest.mark.history
def test_history_names_who_changed_which_field_of_the_position_and_its_rows(client, world):
    user = login(client, world, "finance")
    user.first_name, user.last_name = "Frieda", "Finanz"
    user.save()
    pk = world["position"].pk
    url = f"{LIST}{pk}/bearbeiten/"
    data = edit_data(client, url)
    data.update(fte="1", title="Casemanagement Caritas (neu)")
    data["besetzungen-0-end"] = "31.12.2024"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    cost = world["position"].costs.get(year=2024)
    client.post(
        f"{LIST}{pk}/kosten/{cost.pk}/bearbeiten/",
        {
            "year": "2024",
            "status": "planned",
            "employer_gross": "62.000,00",
            "material": "0",
            "one_off": "0",
            "version": str(cost.version),
        },
    )
    page = client.get(f"{LIST}{pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page
    assert (
        "<strong>Bezeichnung</strong>: Casemanagement Caritas → Casemanagement Caritas (neu)"
        in page
    )
    # The changed occupancy list was replaced: the old period removed, the new one added.
    assert "<strong>Besetzung</strong>: 01.07.2023 – offen → –" in page
    assert "<strong>Besetzung</strong>: – → 01.07.2023 – 31.12.2024" in page
    assert (
        "<strong>Kosten 2024 (Plan): Arbeitgeberbrutto (€)</strong>: 61.000,00 → 62.000,00" in page
    )
    assert "<strong>Betreute Kommune</strong>: – → Schloss-Stadt Hückeswagen (100 %)" in page
    # The position page shows the same list.
    assert "Frieda Finanz" in client.get(f"{LIST}{pk}/").content.decode()


# --- Creating and editing ---------------------------------------------------------------------


def test_finance_creates_a_position_with_german_input(client, world):
    user = login(client, world, "finance")
    response = client.post(f"{LIST}neu/", position_data(world))
    position = Position.objects.get(title="Casemanagement KI 4")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{position.pk}/"
    assert (position.fte, position.planned_start, position.recipient) == (
        D("0.5"),
        date(2023, 7, 1),
        world["city"],
    )
    occupancy = position.occupancies.get()
    assert (occupancy.start, occupancy.end, occupancy.fte) == (date(2023, 7, 1), None, D("0.5"))
    assert position.served_towns.get().town == world["town"]
    assert position.history.get().history_user == user
    assert occupancy.history.get().history_user == user


def test_errors_are_answered_in_german_next_to_the_field(client, world):
    login(client, world, "finance")
    response = client.post(
        f"{LIST}neu/",
        position_data(world, fte="1,5", planned_start="31.02.2023", **{"besetzungen-0-fte": "x"}),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["planned_start"] == ["Bitte ein gültiges Datum eingeben."]
    assert form.occupancies.forms[0].errors["fte"] == ["Bitte eine Zahl eingeben."]
    html = response.content.decode()
    assert "Bitte ein gültiges Datum eingeben." in html
    assert not Position.objects.filter(title="Casemanagement KI 4").exists()

    # The service's rules: the FTE next to its field, a period row next to its field.
    response = client.post(
        f"{LIST}neu/", position_data(world, fte="1,5", **{"besetzungen-0-start": "01.01.2023"})
    )
    form = response.context["form"]
    assert form.errors["fte"] == [
        "Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."
    ]
    response = client.post(
        f"{LIST}neu/", position_data(world, **{"besetzungen-0-start": "01.01.2023"})
    )
    form = response.context["form"]
    assert form.occupancies.forms[0].errors["start"] == [
        "Die Besetzung beginnt vor dem Beginn der Stelle (01.07.2023)."
    ]
    assert "Bitte prüfen Sie die markierten Angaben." in form.non_field_errors()
    assert response.context["object"] is None  # still a new position's form
    assert not Position.objects.filter(title="Casemanagement KI 4").exists()


def test_rules_across_rows_are_shown_above_the_formset(client, world):
    login(client, world, "finance")
    response = client.post(
        f"{LIST}neu/",
        position_data(
            world,
            **{
                "kommunen-0-share": "60",
                "besetzungen-TOTAL_FORMS": "2",
                "besetzungen-1-start": "01.10.2023",
                "besetzungen-1-fte": "0,5",
            },
        ),
    )
    form = response.context["form"]
    assert form.formset_errors["served_towns"] == [
        "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 60 %)."
    ]
    assert form.formset_errors["occupancies"] == [
        "Die Besetzung (1 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ)."
    ]
    html = response.content.decode()
    assert "jetzt 60 %" in html and "übersteigt den Stellenanteil" in html
    assert not Position.objects.filter(title="Casemanagement KI 4").exists()


def test_an_unchanged_occupancy_formset_keeps_the_rows(client, world):
    login(client, world, "finance")
    position = world["position"]
    occupancy = position.occupancies.get()
    url = f"{LIST}{position.pk}/bearbeiten/"
    data = edit_data(client, url)
    data["department"] = "Fachdienst"
    assert client.post(url, data).status_code == 302
    assert position.occupancies.get().pk == occupancy.pk  # not replaced
    assert Occupancy.history.filter(history_type="-").count() == 0


def test_a_changed_period_checks_the_occupancy_against_it(client, world):
    login(client, world, "finance")
    position = world["position"]
    url = f"{LIST}{position.pk}/bearbeiten/"
    data = edit_data(client, url)
    data["end_date"] = "31.12.2023"  # the occupancy runs open
    response = client.post(url, data)
    assert response.status_code == 200
    row = response.context["form"].occupancies.forms[0]
    assert row.errors["end"] == [
        "Die Besetzung reicht über das Ende der Stelle (31.12.2023) hinaus."
    ]
    position.refresh_from_db()
    assert position.end_date is None


def test_second_save_of_a_stale_position_form_is_refused(client, world):
    login(client, world, "finance")
    position = world["position"]
    url = f"{LIST}{position.pk}/bearbeiten/"
    data = edit_data(client, url)  # both editors read version 1
    first = client.post(url, {**data, "title": "Erste Änderung"})
    assert first.status_code == 302
    second = client.post(url, {**data, "title": "Zweite Änderung", "besetzungen-0-fte": "0,5"})
    assert second.status_code == 409
    html = second.content.decode()
    assert "Jemand anderes hat diesen Datensatz gespeichert" in html
    assert f"{LIST}{position.pk}/verlauf/" in html
    position.refresh_from_db()
    assert (position.title, position.version) == ("Erste Änderung", 2)
    assert position.occupancies.get().fte == D("1")


def test_a_position_form_read_before_an_occupancy_change_is_stale(client, world):
    login(client, world, "finance")
    position = world["position"]
    url = f"{LIST}{position.pk}/bearbeiten/"
    data = edit_data(client, url)
    occupancy = position.occupancies.get()
    changed = client.post(
        f"{LIST}{position.pk}/besetzungen/{occupancy.pk}/bearbeiten/",
        {"start": "01.08.2023", "end": "", "fte": "1", "note": "", "version": "1"},
    )
    assert changed.status_code == 302
    # The position form still holds the period from 01.07.: saving it would undo the change.
    stale = client.post(url, {**data, "title": "Mit alter Besetzung"})
    assert stale.status_code == 409
    assert position.occupancies.get().start == date(2023, 8, 1)


# --- Ending and deleting ----------------------------------------------------------------------


@pytest.mark.history
def test_ending_a_position_ends_its_open_occupancy(client, world):
    user = login(client, world, "coordinator")
    position = world["position"]
    url = f"{LIST}{position.pk}/beenden/"
    assert client.get(url).context["form"]["version"].value() == 1
    response = client.post(url, {"end_date": "31.12.2025", "version": "1"})
    assert response.status_code == 302
    position.refresh_from_db()
    occupancy = position.occupancies.get()
    assert position.end_date == date(2025, 12, 31)
    assert occupancy.end == date(2025, 12, 31)
    assert occupancy.history.first().history_user == user
    page = client.get(f"{LIST}{position.pk}/verlauf/").content.decode()
    assert "<strong>Ende der Stelle</strong>: – → 31.12.2025" in page
    assert "<strong>Besetzung 01.07.2023 – offen: Besetzt bis</strong>: – → 31.12.2025" in page


def test_ending_is_validated_in_german(client, world):
    login(client, world, "finance")
    position = world["position"]
    url = f"{LIST}{position.pk}/beenden/"
    before_start = client.post(url, {"end_date": "31.12.2022", "version": "1"})
    assert before_start.context["form"].errors["end_date"] == [
        "Das Ende darf nicht vor dem Beginn liegen.",
        "Die Besetzung ab 01.07.2023 beginnt nach diesem Ende; bitte löschen oder ändern Sie sie zuerst.",
    ]
    bad = client.post(url, {"end_date": "31.13.2025", "version": "1"})
    assert bad.context["form"].errors["end_date"] == ["Bitte ein gültiges Datum eingeben."]
    stale = client.post(url, {"end_date": "31.12.2025", "version": "0"})
    assert stale.status_code == 409
    position.refresh_from_db()
    assert position.end_date is None and position.occupancies.get().end is None


def test_deleting_a_position_with_confirmation(client, world):
    user = login(client, world, "finance")
    position = world["position"]
    url = f"{LIST}{position.pk}/loeschen/"
    page = client.get(url).content.decode()
    assert "wirklich gelöscht werden" in page and "beendet" in page
    stale = client.post(url, {"version": "0"})
    assert stale.status_code == 409
    assert Position.objects.filter(pk=position.pk).exists()
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Position.objects.filter(pk=position.pk).exists()
    assert Position.history.filter(id=position.pk, history_type="-").get().history_user == user
    assert client.get(f"{LIST}{position.pk}/").status_code == 404


# --- The API serves the same filters ----------------------------------------------------------


def test_api_offers_the_state_and_carrier_filters(client, world):
    login(client, world, "finance")
    url = reverse("api:position-list")

    def ids(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    own = world["position"].pk
    assert ids(year=2023, state="partly") == {own}
    assert ids(year=2024, state="filled") == {own}
    assert ids(year=2024, state="vacant") == set()
    assert ids(carrier="caritas") == {own}
    assert ids(carrier="awo") == set()
    assert client.get(url, {"state": "voll"}).status_code == 400

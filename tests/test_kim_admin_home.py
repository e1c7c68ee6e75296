"""The start page of each role (kim_admin.views.home): what a carrier, a town, the KI
coordination, finance and the council see first, the waiting work in the navigation, and the
query counts of each start page (the same for 10 and 1,000 rows)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carriers.models import CostForecast, Organisation
from staffing.models import Occupancy, Position, PositionCost
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CarrierPaymentFactory,
    CostForecastFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    OccupancyFactory,
    PositionCostFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


def html_of(response) -> str:
    return response.content.decode()


# --- Carrier -------------------------------------------------------------------------------------


@pytest.fixture
def caritas(city):
    """Two case-management positions of the city employed by Caritas, 1.0 FTE each, filled all
    of 2024, employer gross 60,000 each, forwarded with the city taking over all cost above the
    funding; the city paid Caritas 2 x 10,000 in 2024.

    By hand: cost 2 x 60,000 = 120,000.00; funding 2 x 57,000 (rate x 1.0 FTE x 12/12) =
    114,000.00; cost above the funding 6,000.00, all of it carried by the city (0,00 € by
    Caritas); payments 20,000.00.
    """
    FundingRateFactory(amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    carrier = CarrierFactory(name="Caritasverband Leverkusen", slug="caritas")
    positions = []
    for n in (1, 2):
        position = PositionFactory(
            recipient=city,
            employer=carrier,
            title=f"Casemanagement Caritas {n}",
            planned_start=date(2024, 1, 1),
        )
        OccupancyFactory(position=position, start=date(2024, 1, 1))
        PositionCostFactory(position=position, year=2024, employer_gross=Decimal("60000.00"))
        positions.append(position)
    agreement = ForwardingAgreementFactory(recipient=city, carrier=carrier, coverage_policy="all")
    agreement.positions.set(positions)
    for _ in range(2):
        CarrierPaymentFactory(recipient=city, carrier=carrier, year=2024)
    # Someone else's position of the city: never on Caritas' page.
    PositionFactory(recipient=city, title="Koordination KI", planned_start=date(2024, 1, 1))
    return carrier


def test_carrier_start_page_shows_its_positions_due_work_and_figures(client, city, caritas):
    client.force_login(UserFactory(role="carrier", organisation=caritas))
    response = client.get(reverse("home"), {"year": "2024"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Eine eigene Übersicht" not in html
    assert "Casemanagement Caritas 1" in html and "Casemanagement Caritas 2" in html
    assert "Koordination KI" not in html
    row = response.context["home"].recipients[0]
    assert row.recipient_name == "Stadt Leverkusen"
    assert row.positions == 2
    assert row.total_cost == Decimal("120000.00")
    assert row.funding == Decimal("114000.00")
    assert row.own_share == Decimal("6000.00")
    assert row.carrier_carries == Decimal("0.00")
    assert row.payments == Decimal("20000.00")
    for text in ("120.000,00", "114.000,00", "6.000,00", "20.000,00"):
        assert euro(text) in html
    # What is due: the forecasts of this and next year, each once (two positions, one entry).
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        assert html.count(f"Kostenprognose {year} für Stadt Leverkusen fehlt.") == 1
    assert "Vollständige Übernahme der Mehrkosten" in html


def test_carrier_task_list_names_each_missing_forecast_once(client, city, caritas):
    client.force_login(UserFactory(role="carrier", organisation=caritas))
    html = html_of(client.get(reverse("carriers:forecast_tasks")))
    this_year = timezone.localdate().year
    assert html.count(f"Kostenprognose {this_year} für Stadt Leverkusen fehlt.") == 1


def test_a_returned_forecast_is_named_with_its_year_once(client, city, caritas):
    CostForecastFactory(
        recipient=city, carrier=caritas, year=2026, state="returned", title="Prognose Dezember 2026"
    )
    CostForecastFactory(
        recipient=city, carrier=caritas, year=2025, state="draft", title="Prognose April"
    )
    client.force_login(UserFactory(role="carrier", organisation=caritas))
    html = html_of(client.get(reverse("carriers:forecast_tasks")))
    assert "Prognose Dezember 2026 wurde zurückgegeben" in html
    assert "2026 2026" not in html
    assert "Prognose April für 2025 ist noch nicht eingereicht." in html


def test_carrier_without_positions_reads_what_will_appear(client, city):
    carrier = CarrierFactory(name="Diakonie")
    client.force_login(UserFactory(role="carrier", organisation=carrier))
    html = html_of(client.get(reverse("home")))
    assert "Noch keine Stellen. Hier erscheinen die geförderten Stellen" in html
    assert "Noch kein Weiterleitungsvertrag." in html


def test_carrier_start_page_refuses_an_unknown_year_in_german(client, caritas):
    client.force_login(UserFactory(role="carrier", organisation=caritas))
    response = client.get(reverse("home"), {"year": "zwanzig"})
    assert response.status_code == 404
    assert "Das Jahr „zwanzig“ ist unbekannt." in html_of(response)


def bulk_carrier_positions(recipient, carrier, count: int):
    block = BuildingBlockFactory(number=2)
    positions = Position.objects.bulk_create(
        Position(
            recipient=recipient,
            employer=carrier,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:04}",
            fte=Decimal("1"),
            planned_start=date(2024, 1, 1),
        )
        for i in range(count)
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2024, 1, 1), fte=Decimal("1")) for p in positions
    )
    PositionCost.objects.bulk_create(
        PositionCost(position=p, year=2024, status="planned", employer_gross=Decimal("60000"))
        for p in positions
    )


# Session, user with its role, the carrier, the navigation's permissions and waiting count, the
# positions, agreements, payments, the due list (statements, coverage, positions per year) and
# the cost engine's fixed reads for the one recipient, the proofs of use it owes (its open and
# last year's proofs, its agreements), its deadlines due (the recipients it works for and the
# eight reads of funding.deadlines.selectors) - never one query per position.
CARRIER_HOME_QUERIES = 38


def test_carrier_start_page_query_count_is_the_same_for_10_and_1000_positions(client, city):
    carrier = CarrierFactory(name="Caritas")
    carrier.partner_recipients.add(city)
    FundingRateFactory(amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    client.force_login(UserFactory(role="carrier", organisation=carrier))
    counts = []
    made = 0
    for rows in (10, 1000):
        bulk_carrier_positions(city, carrier, rows - made)
        made = rows
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"), {"year": "2024"})
        assert response.status_code == 200
        assert len(response.context["home"].positions) == rows
        # By hand: rows x 57,000 funding.
        assert response.context["home"].recipients[0].funding == Decimal(57000 * rows)
        counts.append(len(queries))
    assert counts[0] == counts[1] == CARRIER_HOME_QUERIES


# --- Town ----------------------------------------------------------------------------------------


def test_town_without_statements_reads_what_will_appear(client):
    town = TownFactory(name="Hückeswagen", parent=CountyFactory())
    client.force_login(UserFactory(role="town", organisation=town))
    html = html_of(client.get(reverse("home")))
    assert "Noch keine Abrechnung. Ist Ihre Kommune an einer Kostenaufteilung beteiligt" in html
    assert "Noch keine Abschläge erfasst." in html


# Session, user with its role, the town and its county, the year span, positions, statements (own
# and issued), advances, the navigation's permissions and the engine's fixed reads.
TOWN_HOME_QUERIES = 24


def test_town_start_page_query_count_is_the_same_for_10_and_1000_positions(client):
    county = CountyFactory(name="Oberbergischer Kreis")
    town = TownFactory(name="Hückeswagen", parent=county)
    FundingRateFactory(amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    client.force_login(UserFactory(role="town", organisation=town))
    counts = []
    made = 0
    for rows in (10, 1000):
        bulk_carrier_positions(county, town, rows - made)
        made = rows
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"), {"year": "2024"})
        assert response.status_code == 200
        assert response.context["home"].positions == rows
        counts.append(len(queries))
    assert counts[0] == counts[1] == TOWN_HOME_QUERIES


# --- KI coordination, finance, council -----------------------------------------------------------


@pytest.fixture
def inbox(city):
    """Two submitted statements (one with the content check done, one with both checks) and a
    returned one, of three carriers of the city."""
    reviewer = UserFactory(role="coordinator", organisation=city)
    carriers = [CarrierFactory(name=f"Trägerin {n}") for n in range(3)]
    now = timezone.now()
    CostForecastFactory(
        recipient=city,
        carrier=carriers[0],
        state="submitted",
        content_checked_by=reviewer,
        content_checked_at=now,
    )
    CostForecastFactory(
        recipient=city,
        carrier=carriers[1],
        state="submitted",
        content_checked_by=reviewer,
        content_checked_at=now,
        arithmetic_checked_by=reviewer,
        arithmetic_checked_at=now,
    )
    CostForecastFactory(recipient=city, carrier=carriers[2], state="returned")
    return carriers


def test_coordinator_start_page_counts_the_waiting_forecasts(client, city, inbox):
    client.force_login(UserFactory(role="coordinator", organisation=city))
    response = client.get(reverse("home"))
    review = response.context["review"]
    assert (review.submitted, review.content_open, review.arithmetic_open) == (2, 0, 1)
    assert (review.ready_to_approve, review.returned) == (1, 1)
    html = html_of(response)
    assert "Ihr Eingang: Prognosen der Trägerinnen" in html
    # The navigation: two statements wait for the KI coordination.
    assert "(2 warten auf Sie)" in html


def test_carrier_navigation_counts_its_returned_and_unsent_statements(client, city, inbox):
    carrier = inbox[2]
    CostForecastFactory(recipient=city, carrier=carrier, year=2030, state="draft")
    client.force_login(UserFactory(role="carrier", organisation=carrier))
    assert "(2 warten auf Sie)" in html_of(client.get(reverse("carriers:costforecast_list")))


def test_finance_sees_where_the_forecasts_stand_but_no_count_in_the_menu(client, city, inbox):
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get(reverse("home"))
    html = html_of(response)
    assert "Stand der Prognosen der Trägerinnen" in html
    assert response.context["review"].submitted == 2
    assert "warten auf Sie" not in html


def test_coordinator_without_waiting_forecasts_reads_what_will_appear(client, city):
    client.force_login(UserFactory(role="coordinator", organisation=city))
    html = html_of(client.get(reverse("home")))
    assert "Keine Prognose wartet. Reicht eine Trägerin eine Kostenprognose" in html
    assert "warten auf Sie" not in html


def test_council_start_page_offers_the_latest_reports(client, city):
    client.force_login(UserFactory(role="council", organisation=city))
    response = client.get(reverse("home"))
    assert response.context["reports"] == []
    html = html_of(response)
    assert "Neueste Berichte für den Rat" in html
    assert "Noch kein Bericht veröffentlicht." in html
    assert "Ihr Eingang" not in html


# Coordinator: 22 and the deadlines due (8 reads); the council sees no deadlines.
@pytest.mark.parametrize(("role", "expected"), [("coordinator", 30), ("council", 20)])
def test_start_page_query_count_is_the_same_for_10_and_1000_forecasts(client, city, role, expected):
    """Coordinator: the overview's reads, the inbox counts and the navigation's count;
    council: the overview's reads and the latest reports."""
    carriers = Organisation.objects.bulk_create(
        Organisation(name=f"Trägerin {i}", slug=f"traegerin-{i}", kind="carrier") for i in range(10)
    )
    client.force_login(UserFactory(role=role, organisation=city))
    counts = []
    made = 0
    for rows in (10, 1000):
        CostForecast.objects.bulk_create(
            CostForecast(
                recipient=city, carrier=carriers[i % 10], year=1991 + i // 10, state="submitted"
            )
            for i in range(made, rows)
        )
        made = rows
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == expected


# --- Menus per role and empty lists ----------------------------------------------------------------


def nav_of(html: str) -> str:
    return html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize(
    ("role", "offered", "not_offered"),
    [
        ("council", ["Stellen", "Berichte"], ["Verwaltung", "Import", "Prognosen"]),
        ("finance", ["Prognosen", "Abrechnungen", "Berichte", "Import"], ["Verwaltung"]),
        ("coordinator", ["Prognosen", "Abrechnungen", "Berichte", "Import"], ["Verwaltung"]),
        ("admin", ["Verwaltung", "Import", "Prognosen"], []),
    ],
)
def test_the_menu_offers_only_what_the_role_may_use(client, city, role, offered, not_offered):
    client.force_login(UserFactory(role=role, organisation=None if role == "admin" else city))
    html = html_of(client.get(reverse("home")))
    nav = nav_of(html)
    for entry in offered:
        assert f">{entry}" in nav, entry
    for entry in not_offered:
        assert f">{entry}" not in nav, entry


def test_carrier_and_town_menus(client, city):
    carrier = CarrierFactory()
    client.force_login(UserFactory(role="carrier", organisation=carrier))
    nav = nav_of(html_of(client.get(reverse("home"))))
    assert ">Prognosen" in nav
    for entry in ("Abrechnungen", "Berichte", "Import", "Verwaltung"):
        assert f">{entry}" not in nav
    town = TownFactory(parent=CountyFactory())
    client.force_login(UserFactory(role="town", organisation=town))
    nav = nav_of(html_of(client.get(reverse("home"))))
    assert ">Abrechnungen" in nav
    for entry in ("Prognosen", "Berichte", "Import", "Verwaltung"):
        assert f">{entry}" not in nav


def test_the_council_home_offers_no_editing(client, city):
    PositionFactory(recipient=city, planned_start=date(2024, 1, 1))
    client.force_login(UserFactory(role="council", organisation=city))
    html = html_of(client.get(reverse("home"), {"year": "2024"}))
    assert "Stellen bearbeiten" not in html
    assert reverse("imports:upload") not in html


@pytest.mark.parametrize(
    ("role", "url", "text"),
    [
        ("council", "reports:publishedreport_list", "Noch kein Bericht veröffentlicht. Sobald"),
        ("finance", "reports:publishedreport_list", "Unter „Neuer Bericht“ wählen Sie"),
        ("finance", "carriers:settlementstatement_list", "Noch keine Abrechnung ausgestellt."),
        ("coordinator", "carriers:costforecast_list", "Die Trägerinnen legen ihre"),
        ("finance", "carriers:carrierpayment_list", "Noch keine Zahlung an eine Trägerin"),
    ],
)
def test_empty_lists_say_what_will_appear_and_how(client, city, role, url, text):
    client.force_login(UserFactory(role=role, organisation=city))
    html = html_of(client.get(reverse(url)))
    assert text in html
    # A filter that finds nothing says just that.
    filtered = html_of(client.get(reverse(url), {"year": "1999"}))
    assert text not in filtered
    assert "Keine Einträge gefunden." in filtered


def test_empty_lists_of_carriers_and_towns_speak_to_them(client, city):
    client.force_login(UserFactory(role="carrier", organisation=CarrierFactory()))
    html = html_of(client.get(reverse("carriers:costforecast_list")))
    assert "Mit „Neu anlegen“ öffnen Sie eine Kostenprognose" in html
    town = TownFactory(parent=CountyFactory())
    client.force_login(UserFactory(role="town", organisation=town))
    html = html_of(client.get(reverse("carriers:settlementstatement_list")))
    assert "Noch keine Abrechnung. Ist Ihre Kommune an einer Kostenaufteilung beteiligt" in html

"""Login, logout and the start page with the cost overview (German figures)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from staffing.models import Occupancy, Position, PositionCost
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CountyFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def euro(text: str) -> str:
    """'57.000,00' -> '57.000,00 €' with the no-break space de_money puts before the sign."""
    return f"{text}{NBSP}€"


@pytest.fixture
def small_plan(city):
    """One case-management position, 1.0 FTE, filled all of 2024, employer gross 60,000.

    By hand: funding = 57,000 rate x 1.0 FTE x 12/12 months = 57,000.00 (below the cost, so
    the "up to the cost" cap does not bite); own share = 60,000.00 - 57,000.00 = 3,000.00.
    No grant notice covers 2024, which the engine warns about.
    """
    FundingRateFactory(amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    position = PositionFactory(
        recipient=city,
        title="Casemanagement KI",
        fte=Decimal("1"),
        planned_start=date(2024, 1, 1),
        department="Kommunales Integrationszentrum",
    )
    OccupancyFactory(position=position, start=date(2024, 1, 1), end=date(2024, 12, 31))
    PositionCostFactory(position=position, year=2024, employer_gross=Decimal("60000.00"))
    return position


# --- login and logout -------------------------------------------------------------------------


def test_login_page_is_german(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    for text in ("Anmelden", "Benutzername", "Passwort"):
        assert text in html
    assert "/static/css/app.css" in html
    assert "https://" not in html  # nothing from a CDN


@pytest.mark.parametrize("page", ["/login/", "/api/"])
def test_pages_name_the_apps_own_icon(client, page):
    """Without an icon every browser asked for /favicon.ico on its first page and the log
    had a "Not Found" warning for it; the app's pages and the browsable API name their own."""
    if page != "/login/":
        client.force_login(UserFactory(role="council"))
    response = client.get(page, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon, html[:500]
    assert icon.group(1) == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")


def test_the_browsable_apis_root_names_itself_once(client):
    client.force_login(UserFactory(role="council"))
    html = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert "<title>Alle Endpunkte – KIM-Verwaltung: Schnittstelle</title>" in html
    assert html.count("KIM-Verwaltung: Schnittstelle") == 2  # the title and the brand


def test_wrong_password_answers_in_german(client):
    UserFactory(username="finanzen")
    response = client.post(reverse("login"), {"username": "finanzen", "password": "falsch"})
    assert response.status_code == 200
    assert "Groß-/Kleinschreibung" in response.content.decode()


def test_login_leads_home_and_logout_back_to_login(client, city):
    UserFactory(username="finanzen", role="finance", organisation=city)
    response = client.post(reverse("login"), {"username": "finanzen", "password": "geheim-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_home_needs_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the cost overview ------------------------------------------------------------------------


def test_home_shows_the_plan_in_german_figures(client, small_plan, city):
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get(reverse("home"), {"year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Übersicht für den Rat 2024" in html
    for header in ("Gesamtkosten Personal", "Landesförderung Personal", "Mehrkosten"):
        assert header in html
    council = html.split('class="table table--council"')[1].split("</table>")[0]
    cells = [euro("60.000,00"), euro("57.000,00"), euro("3.000,00")]
    positions = [council.index(c) for c in cells]
    assert positions == sorted(positions)  # cost, funding, extra cost: in that order
    # by block, by employer, by bearer
    assert "2 – Baustein 2" in html
    assert "Stadt Leverkusen – Kommunales Integrationszentrum" in html
    assert "Wer trägt die Mehrkosten?" in html
    assert "Kreisfreie Stadt" in html
    # the warning box
    assert 'class="warnings"' in html
    assert "Für 2024 liegt kein Bewilligungsbescheid vor." in html
    # no English number formats, no localised year
    assert "60,000.00" not in html
    assert "2.024" not in html


def test_home_defaults_to_the_latest_year_with_data(client, small_plan, city):
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get(reverse("home"))
    expected = min(timezone.localdate().year, 2024)
    assert response.context["year"] == expected
    assert expected in response.context["years"]


def test_a_year_without_data_shows_an_empty_overview(client, small_plan, city):
    client.force_login(UserFactory(role="council", organisation=city))
    response = client.get(reverse("home"), {"year": "2019"})
    assert response.status_code == 200
    assert "Für 2019 sind bei Stadt Leverkusen keine Stellen" in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "1800", "20245"])
def test_unknown_year_answers_a_german_message(client, small_plan, city, year):
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get(reverse("home"), {"year": year})
    assert response.status_code == 404
    assert f"Das Jahr „{year}“ ist unbekannt." in response.content.decode()


def test_council_sees_the_same_figures(client, small_plan, city):
    client.force_login(UserFactory(role="council", organisation=city))
    html = client.get(reverse("home"), {"year": "2024"}).content.decode()
    assert euro("57.000,00") in html
    assert euro("3.000,00") in html


def test_admin_chooses_any_recipient(client, small_plan, city):
    OrganisationFactory(name="Stadt Köln", slug="koeln")
    client.force_login(UserFactory(role="admin", organisation=None))
    response = client.get(reverse("home"), {"recipient": "leverkusen", "year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    assert euro("57.000,00") in html
    assert 'name="recipient"' in html and "Stadt Köln" in html
    response = client.get(reverse("home"), {"recipient": "koeln", "year": "2024"})
    assert response.context["recipient"].slug == "koeln"
    assert euro("57.000,00") not in response.content.decode()


def test_unknown_recipient_answers_a_german_message(client, small_plan):
    client.force_login(UserFactory(role="admin", organisation=None))
    response = client.get(reverse("home"), {"recipient": "atlantis"})
    assert response.status_code == 404
    assert "Der Zuwendungsempfänger „atlantis“ ist unbekannt." in response.content.decode()


def test_finance_cannot_look_at_another_recipient(client, small_plan):
    koeln = OrganisationFactory(name="Stadt Köln", slug="koeln")
    client.force_login(UserFactory(role="finance", organisation=koeln))
    response = client.get(reverse("home"), {"recipient": "leverkusen", "year": "2024"})
    assert response.status_code == 404
    html = response.content.decode()
    assert euro("57.000,00") not in html
    assert "Der Zuwendungsempfänger „leverkusen“ ist unbekannt." in html


def test_carrier_gets_its_own_start_page(client, city):
    caritas = CarrierFactory(name="Caritasverband Leverkusen")
    PositionFactory(recipient=city, employer=caritas)
    PositionFactory(recipient=city)
    client.force_login(UserFactory(role="carrier", organisation=caritas))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Übersicht der Trägerin" in html
    assert len(response.context["home"].positions) == 1
    assert "table--council" not in html


def test_town_gets_its_own_start_page(client):
    town = TownFactory(name="Hückeswagen", parent=CountyFactory())
    client.force_login(UserFactory(role="town", organisation=town, is_staff=True))
    html = client.get(reverse("home")).content.decode()
    assert "Übersicht der Kommune" in html
    # Its positions are in the app's pages; the Django admin is the administration's.
    assert reverse("staffing:position_list") in html
    assert reverse("admin:staffing_position_changelist") not in html


def test_user_without_role_or_recipient_gets_a_note(client, city):
    client.force_login(UserFactory(organisation=city))
    assert "keine Rolle" in client.get(reverse("home")).content.decode()
    town = TownFactory()
    client.force_login(UserFactory(role="finance", organisation=town))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "keinem Zuwendungsempfänger" in response.content.decode()


# --- query count ------------------------------------------------------------------------------

# Session, user with its role, the organisation, the year span, the cost overview's
# fixed set of reads (funding.selectors), where the carriers' forecasts stand (1) and the user's
# permissions for the navigation (1, cached for the request), the deadlines due (8,
# funding.deadlines.selectors) - never one query per position.
# The plan's years for the chart come in the same load, with the programme's pay rises for the
# years carried forward (1). The funds called and received this year for the idle-funds line (1).
HOME_QUERIES = 30


def bulk_plan(recipient, count: int):
    block = BuildingBlockFactory(number=2)
    FundingRateFactory(block=block, amount=Decimal("57000.00"), valid_from=date(2023, 1, 1))
    positions = Position.objects.bulk_create(
        Position(
            recipient=recipient,
            employer=recipient,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:03}",
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


@pytest.mark.parametrize(
    ("count", "funding", "own_share"),
    # count x 57,000 funding and count x (60,000 - 57,000) own share
    [(10, "570.000,00", "30.000,00"), (100, "5.700.000,00", "300.000,00")],
)
def test_home_query_count_does_not_grow_with_positions(
    client, city, django_assert_num_queries, count, funding, own_share
):
    bulk_plan(city, count)
    client.force_login(UserFactory(role="finance", organisation=city))
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"), {"year": "2024"})
    assert response.status_code == 200
    assert len(response.context["overview"].positions) == count
    html = response.content.decode()
    assert euro(funding) in html
    assert euro(own_share) in html


# --- template filters -------------------------------------------------------------------------


def test_kim_format_filters():
    template = Template(
        "{% load kim_format %}{{ amount|money }}|{{ share|fte }}|{{ day|de_date }}|{{ none|money }}"
    )
    text = template.render(
        Context(
            {
                "amount": Decimal("962300"),
                "share": Decimal("2.250"),
                "day": date(2024, 12, 16),
                "none": None,
            }
        )
    )
    assert text == f"962.300,00{NBSP}€|2,25|16.12.2024|"

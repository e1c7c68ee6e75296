"""The finance UI as a person uses it (issue: finance staff work in the browser):

1. finance creates a position with German input, adds an occupancy from 01.07.2023 and sees
   the year's funding and own share change on the home page;
2. an import with one bad row shows the error and changes nothing;
3. a council login sees no edit controls.

Screenshots of the home page and the position page go to ``$KIM_SCREENSHOTS``.
"""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from staffing.models import Occupancy, Position
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    OccupancyFactory,
    OrganisationFactory,
    PayGradeCostFactory,
    PositionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def plan():
    """A city with the 2023 case-management rate and the S 12 cost table (no positions yet)."""
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    block = BuildingBlockFactory(number=2, name="Rechtskreisübergreifendes Casemanagement")
    FundingRateFactory(
        block=block, programme=block.programme, amount=Decimal("57000"), valid_from=date(2023, 1, 1)
    )
    GrantNoticeBlockFactory(notice__recipient=city, block=block, approved_fte=Decimal("1"))
    PayGradeCostFactory(year=2023, employer_gross_per_fte=Decimal("62000.00"))
    return {"city": city, "block": block}


def council_figures(page) -> list[str]:
    """Gesamtkosten Personal, Landesförderung Personal, Mehrkosten of the home page."""
    cells = page.locator("section.council tbody td")
    # The amounts keep a non-breaking space before the euro sign.
    return [cells.nth(i).inner_text().strip().replace("\xa0", " ") for i in range(3)]


def test_finance_creates_a_position_adds_occupancy_and_the_home_page_follows(
    login_as, plan, expect, screenshot
):
    page = login_as("finance", plan["city"])
    page.goto("/?year=2023")
    assert council_figures(page) == ["0,00 €", "0,00 €", "0,00 €"]

    page.goto("/stellen/neu/")
    main = page.locator("main")
    main.get_by_label("Baustein").select_option(label=str(plan["block"]))
    main.get_by_label("Förderart").select_option(label="Casemanagement")
    main.get_by_label("Bezeichnung").fill("Casemanagement KI 4")
    main.get_by_label("Stellenanteil (VZ)").fill("1,0")
    main.get_by_label("Anstellungsträger").select_option(label="Stadt Leverkusen")
    main.get_by_label("Entgeltgruppe").select_option(label="S 12")
    main.get_by_label("Geplanter Beginn").fill("01.01.2023")
    main.get_by_role("button", name="Speichern").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Casemanagement KI 4")
    position = Position.objects.get(title="Casemanagement KI 4")
    assert position.fte == Decimal("1")

    # Vacant all of 2023: no cost (the cost table costs filled months only), no funding.
    page.goto("/?year=2023")
    assert council_figures(page) == ["0,00 €", "0,00 €", "0,00 €"]

    page.goto(f"/stellen/{position.pk}/")
    main.get_by_role("link", name="Besetzung hinzufügen").click()
    main.get_by_label("Besetzt ab").fill("01.07.2023")
    main.get_by_label("Besetzter Anteil (VZ)").fill("1")
    main.get_by_role("button", name="Speichern").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Casemanagement KI 4")
    assert Occupancy.objects.get(position=position).start == date(2023, 7, 1)
    screenshot(page, "stellenseite")

    # Filled six months of 2023: cost 62,000 x 1.0 x 6/12 = 31,000.00 (pay-grade table);
    # funding 57,000 x 1.0 x 6/12 = 28,500.00 (below the cost, so not capped);
    # own share 31,000.00 - 28,500.00 = 2,500.00.
    page.goto("/?year=2023")
    assert council_figures(page) == ["31.000,00 €", "28.500,00 €", "2.500,00 €"]
    screenshot(page, "startseite")


def bad_import_file(position) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet("Stellen")
    sheet.append(
        [
            "ID",
            "Bezeichnung",
            "Baustein",
            "Förderart",
            "Stellenanteil (VZ)",
            "Anstellungsträger (Kürzel)",
            "Beginn",
        ]
    )
    sheet.append([position.pk, "Umbenannt", 2, "Casemanagement", 1, "leverkusen", date(2023, 1, 1)])
    # Row 3: an FTE above one full-time post.
    sheet.append([None, "Neue Stelle", 2, "Casemanagement", "1,5", "leverkusen", "01.01.2024"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_with_one_bad_row_shows_the_error_and_changes_nothing(
    login_as, plan, expect, screenshot
):
    position = PositionFactory(
        recipient=plan["city"], block=plan["block"], title="Casemanagement KI 1"
    )
    page = login_as("finance", plan["city"])
    page.goto("/import/")
    main = page.locator("main")
    main.locator("input[type=file]").set_input_files(
        {
            "name": "stellen.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": bad_import_file(position),
        }
    )
    main.get_by_role("button", name="Hochladen und prüfen").click()
    report = main.locator(".report")
    expect(report).to_contain_text("Stellen")
    expect(report).to_contain_text("Stellenanteil (VZ)")
    expect(report).to_contain_text("höchstens 1")
    screenshot(page, "import-fehler")
    position.refresh_from_db()
    assert position.title == "Casemanagement KI 1"
    assert not Position.objects.filter(title__in=["Umbenannt", "Neue Stelle"]).exists()


def test_council_sees_no_edit_controls(login_as, plan, expect, screenshot):
    position = PositionFactory(recipient=plan["city"], block=plan["block"])
    OccupancyFactory(position=position)
    page = login_as("council", plan["city"])
    for url in ("/stellen/", f"/stellen/{position.pk}/"):
        page.goto(url)
        main = page.locator("main")
        expect(main.get_by_role("heading", level=1)).to_be_visible()
        for name in (
            "Neu anlegen",
            "Bearbeiten",
            "Löschen",
            "Stelle beenden",
            "Besetzung hinzufügen",
        ):
            expect(main.get_by_role("link", name=name)).to_have_count(0)
            expect(main.get_by_role("button", name=name)).to_have_count(0)
    screenshot(page, "rat-stellenseite")
    # The server refuses whatever a council member sends.
    page.goto(f"/stellen/{position.pk}/bearbeiten/")
    expect(page.locator("body")).to_contain_text("403")

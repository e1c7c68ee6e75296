"""The funding rates in a real browser: German input through the form, what a council member
does not get to see, and the list's layout on a desktop and on a tablet.

Screenshots of every step go to ``$KIM_SCREENSHOTS`` (if set)."""

import re
from datetime import date
from decimal import Decimal

import pytest

from funding.models import FundingRate
from tests.browser.conftest import TABLET
from tests.factories import BuildingBlockFactory, FundingRateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/foerderung/saetze/"


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def block():
    return BuildingBlockFactory(number=2, name="Rechtskreisübergreifendes Casemanagement")


def focus_by_tab(page, name: str, limit: int = 30):
    """Press Tab until the focused element is named ``name``; returns its computed outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {text: el.innerText || el.value || "", outline: style.outlineStyle,
                        width: parseFloat(style.outlineWidth)};
            }"""
        )
        if focused["text"].strip() == name:
            return focused
    raise AssertionError(f"„{name}“ ist mit der Tabulatortaste nicht erreichbar")


def test_finance_creates_a_rate_with_german_input(login_as, city, block, expect, screenshot):
    page = login_as("finance", city)
    page.goto(LIST)
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Fördersätze")
    screenshot(page, "1-liste")

    # By keyboard: the skip link first, past the menus to the content (the section's tabs grow
    # with the app), then over the section's tabs on to "Neu anlegen", with a visible focus ring.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(main).to_be_focused()
    focused = focus_by_tab(page, "Neu anlegen", limit=60)
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{LIST}neu/")

    form = page.locator("main form")
    form.get_by_label("Förderprogramm").select_option(label="Kommunales Integrationsmanagement NRW")
    form.get_by_label("Baustein").select_option(str(block.pk))
    form.get_by_label("Art").select_option(label="Casemanagement")
    form.get_by_label("Betrag (€)").fill("58.500,00")
    form.get_by_label("Gültig ab").fill("01.04.2026")
    expect(form.get_by_label("Nur für Empfänger")).to_have_value(str(city.pk))
    screenshot(page, "2-formular")
    form.get_by_role("button", name="Speichern").click()

    page.wait_for_url(re.compile(r"/foerderung/saetze/\d+/$"))
    expect(main.get_by_role("heading", level=1)).to_contain_text("58.500,00 €")
    expect(main.locator(".messages")).to_contain_text("wurde gespeichert")
    expect(main.locator(".facts")).to_contain_text("01.04.2026")
    screenshot(page, "3-gespeichert")

    rate = FundingRate.objects.get()
    assert (rate.amount, rate.valid_from, rate.recipient_id) == (
        Decimal("58500.00"),
        date(2026, 4, 1),
        city.pk,
    )
    assert rate.history.get().history_user == page.user

    page.goto(LIST)
    row = main.locator("tbody tr", has_text="Casemanagement")
    expect(row).to_contain_text("58.500,00 €")
    expect(row).to_contain_text("01.04.2026")


def test_council_sees_no_controls_to_change_rates(login_as, city, block, expect, screenshot):
    rate = FundingRateFactory(
        block=block, programme=block.programme, recipient=city, amount=Decimal("57000")
    )
    page = login_as("council", city)
    page.goto(LIST)
    main = page.locator("main")
    expect(main.locator("tbody")).to_contain_text("57.000,00 €")
    expect(main.get_by_role("link", name="Neu anlegen")).to_have_count(0)
    screenshot(page, "1-liste")

    page.goto(rate.get_absolute_url())
    expect(main.get_by_role("heading", level=1)).to_contain_text("57.000,00 €")
    for name in ("Neu anlegen", "Bearbeiten", "Löschen"):
        expect(main.get_by_role("link", name=name)).to_have_count(0)
        expect(main.get_by_role("button", name=name)).to_have_count(0)
    screenshot(page, "2-satz")


def test_rate_list_fits_a_desktop_and_a_tablet(login_as, city, block, expect, screenshot):
    FundingRateFactory(block=block, programme=block.programme, recipient=city)
    page = login_as("finance", city)
    page.goto(LIST)
    panel, table = page.locator("main .filter-panel"), page.locator("main .table-scroll")
    filters = panel.locator(".filter-form")
    # No filter set: the filters are folded away above the table, one click opens them.
    expect(filters).to_be_hidden()
    panel.locator("summary").click()
    expect(filters).to_be_visible()

    # 1280 px: the filters above the table, which has the page's whole width.
    above, body = filters.bounding_box(), table.bounding_box()
    assert above["y"] + above["height"] <= body["y"], (above, body)
    assert body["width"] >= above["width"] - 1, (above, body)
    screenshot(page, "1280")

    # A tablet upright: the same, the page never scrolls sideways.
    page.set_viewport_size(TABLET)
    above, body = filters.bounding_box(), table.bounding_box()
    assert above["y"] + above["height"] <= body["y"], (above, body)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"die Seite ist {overflow} px zu breit"
    screenshot(page, "820")

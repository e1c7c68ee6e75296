"""Scenarios in a real browser: finance copies the real plan, moves the carriers' positions to
the city in one click and sees the difference on the comparison page.

Screenshots of every step go to ``$KIM_SCREENSHOTS`` (if set)."""

import pytest

from carriers.models import Organisation
from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_finance_copies_moves_and_compares(login_as, expect, screenshot):
    demo_snapshot.load()
    page = login_as("finance", Organisation.objects.get(slug="leverkusen"))
    main = page.locator("main")

    page.goto("/foerderung/szenarien/")
    expect(main.get_by_role("heading", level=1)).to_have_text("Szenarien")
    expect(main.get_by_role("link", name="Szenario 4: Baustein 2 auf fünf Stellen")).to_be_visible()
    screenshot(page, "1-liste")

    main.get_by_role("link", name="Neues Szenario").click()
    main.get_by_label("Bezeichnung").fill("Alle Stellen beim KI")
    main.get_by_label("Kürzel").fill("alle-beim-ki")
    screenshot(page, "2-anlegen")
    main.get_by_role("button", name="Szenario anlegen").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Alle Stellen beim KI")

    page.goto(page.url.split("?")[0] + "?year=2025")
    main.get_by_role("button", name="Zur Stadt verlagern").click()
    expect(main.get_by_text("6 Stelle(n) zur Stadt verlagert")).to_be_visible()
    expect(main.get_by_role("cell", name="Caritasverband", exact=False)).to_have_count(0)
    screenshot(page, "3-verlagert")

    main.get_by_role("link", name="Mit dem echten Plan vergleichen").click()
    main.get_by_label("Jahre").fill("2025-2026")
    main.get_by_role("button", name="Vergleichen").click()
    ranking = main.locator("ol.ranking")
    expect(ranking).to_contain_text("Alle Stellen beim KI")
    # The city saves 61.627,20 € in 2025 and 51.628,80 € in 2026 (hand check in
    # tests/test_funding_scenarios_selectors.py's figures: forecasts of the carriers against the city's
    # own cost for S 12 with the KI's material and overhead).
    expect(ranking).to_contain_text(f"+113.256,00{NBSP}€")
    year_2025 = main.locator("section").filter(
        has=page.get_by_role("heading", name="2025", exact=True)
    )
    expect(year_2025).to_contain_text(f"+61.627,20{NBSP}€")
    screenshot(page, "4-vergleich")

"""Projections in a real browser: finance enters a projection with two pay rises and the
programme's end, sees the years by hand, and a bad pay rise is refused at its field."""

from datetime import date
from decimal import Decimal as D

import pytest

from funding.models import Projection
from tests.factories import (
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_finance_projects_the_plan(login_as, expect, screenshot):
    city = OrganisationFactory(name="Stadt Musterhausen", slug="musterhausen")
    FundingRateFactory(amount=D("57000.00"), capped_at_cost=False, valid_from=date(2023, 1, 1))
    position = PositionFactory(recipient=city, planned_start=date(2024, 1, 1))
    OccupancyFactory(position=position)
    PositionCostFactory(position=position, year=2024, employer_gross=D("60000.00"))

    page = login_as("finance", city)
    main = page.locator("main")
    page.goto("/foerderung/fortschreibungen/")
    main.get_by_role("link", name="Neu anlegen").click()
    main.locator('input[name="name"]').fill("Tarif und Förderende")
    main.get_by_label("Ausgangsjahr").fill("2024")
    main.get_by_label("Fortschreiben bis").fill("2026")
    main.get_by_label("Landesförderung endet ab").fill("2026")
    main.locator('input[name="pay_rises-0-effective_from"]').fill("01.04.2025")
    main.locator('input[name="pay_rises-0-percent"]').fill("-150")
    main.get_by_role("button", name="Speichern").click()
    # Refused at its field, nothing saved, the other entries kept.
    error = main.locator(".field__error", has_text="unter −100 %")
    expect(error).to_be_visible()
    expect(main.locator('input[name="name"]')).to_have_value("Tarif und Förderende")
    assert not Projection.objects.exists()
    screenshot(page, "1-abgelehnt")

    main.locator('input[name="pay_rises-0-percent"]').fill("3,0")
    main.locator('input[name="pay_rises-1-effective_from"]').fill("01.05.2026")
    main.locator('input[name="pay_rises-1-percent"]').fill("2,8")
    main.get_by_role("button", name="Speichern").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Tarif und Förderende")

    rows = main.locator("section", has=page.get_by_role("heading", name="Fortschreibung gegenüber"))
    # 2025: 60.000 × (3 + 9 × 1,03) / 12 = 61.350,00; own share 61.350 − 57.000 = 4.350,00.
    row_2025 = rows.locator("tbody tr", has_text="2025")
    expect(row_2025).to_contain_text(f"61.350,00{NBSP}€")
    expect(row_2025).to_contain_text(f"4.350,00{NBSP}€")
    # 2026: 5.000 × (4 × 1,03 + 8 × 1,05884) = 62.953,60, no funding: all own share.
    row_2026 = rows.locator("tbody tr", has_text="2026")
    expect(row_2026).to_contain_text(f"62.953,60{NBSP}€")
    expect(row_2026).to_contain_text(f"0,00{NBSP}€")
    expect(main).to_contain_text("Tarif +3,0 % ab 01.04.2025")
    screenshot(page, "2-fortschreibung")

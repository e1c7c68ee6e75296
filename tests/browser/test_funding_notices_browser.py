"""Issue 15 in a real browser: a coordinator adds an amendment to a grant notice, reads the
history on the notice page, and opens the application for a year; both pages without
serious accessibility barriers (axe-core).

Screenshots go to ``$KIM_SCREENSHOTS`` (if set)."""

import re
from datetime import date
from decimal import Decimal

import pytest

from funding.choices import NoticeKind
from funding.models import GrantNotice
from tests.browser.test_kim_admin_layout_browser import axe_problems
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    ProgrammeFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_coordinator_amends_a_notice_and_opens_the_application(login_as, expect, screenshot):
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    programme = ProgrammeFactory()
    block = BuildingBlockFactory(
        programme=programme, number=2, name="Rechtskreisübergreifendes Casemanagement"
    )
    FundingRateFactory(
        programme=programme,
        block=block,
        amount=Decimal("57000.00"),
        valid_from=date(2023, 1, 1),
        capped_at_cost=True,
    )
    position = PositionFactory(
        recipient=city, block=block, planned_start=date(2023, 1, 1), fte=Decimal("1")
    )
    OccupancyFactory(position=position, start=date(2023, 1, 1), end=None, fte=Decimal("1"))
    PositionCostFactory(position=position, year=2027, employer_gross=Decimal("61000.00"))
    notice = GrantNoticeFactory(
        recipient=city,
        programme=programme,
        issued_on=date(2023, 2, 15),
        period_start=date(2023, 1, 1),
        reference="KIM NRW ab 2023",
    )
    GrantNoticeBlockFactory(notice=notice, block=block, approved_fte=Decimal("9"))

    page = login_as("coordinator", city)
    page.goto(notice.get_absolute_url())
    page.get_by_role("link", name="Änderungsbescheid hinzufügen").click()
    page.wait_for_url(f"**/bescheide/{notice.pk}/aendern/")
    form = page.locator("main form")
    expect(form.get_by_label("Art")).to_have_value("amendment")
    form.get_by_label("Aktenzeichen").fill("KIM NRW ab 2023, 1. Änderung")
    form.get_by_label("Bescheid vom").fill("10.03.2025")
    form.get_by_label("Wirksam ab").fill("01.04.2025")
    form.get_by_label("Baustein", exact=True).select_option(str(block.pk))
    form.get_by_label("Bewilligte Stellen (VZ)").fill("7,5")
    screenshot(page, "1-aenderung")
    form.get_by_role("button", name="Speichern").click()

    page.wait_for_url(re.compile(r"/foerderung/bescheide/\d+/$"))
    amendment = GrantNotice.objects.get(kind=NoticeKind.AMENDMENT)
    assert amendment.amends_id == notice.pk and amendment.effective_from == date(2025, 4, 1)
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text("Änderungsbescheid vom 10.03.2025")
    history = main.get_by_role("table", name="Bescheidverlauf")
    expect(history).to_contain_text("9 → 7,5")
    expect(history).to_contain_text("01.04.2025")
    screenshot(page, "2-verlauf")
    assert axe_problems(page, "Bescheid mit Verlauf") == []

    # The section's tab (from the list of notices) leads to the application.
    page.goto("/foerderung/bescheide/")
    page.get_by_role("link", name="Förderantrag", exact=True).click()
    page.wait_for_url("**/foerderung/antrag/")
    page.get_by_label("Förderjahr").fill("2027")
    page.get_by_role("button", name="Anzeigen").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Förderantrag 2027")
    # 1 FTE × 57,000 (below the 61,000 employer gross), filled all year.
    expect(main).to_contain_text("57.000,00\u00a0€")
    expect(main).to_contain_text("30.10.2026")
    screenshot(page, "3-antrag")
    assert axe_problems(page, "Förderantrag") == []

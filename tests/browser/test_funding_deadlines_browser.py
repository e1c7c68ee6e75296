"""The deadlines in a real browser (issue 15): finance opens "Fristen" from the funding tabs,
sees the overdue carrier proof and its own application, is refused an impossible date at the
field, marks the application submitted and sees it done; the start page names what is due;
axe finds no serious barrier and the page fits a 390 px phone."""

import re
from datetime import date

import pytest
from django.utils import timezone

from funding.models import DeadlineSubmission
from tests.browser.test_kim_admin_layout_browser import axe_problems
from tests.factories import (
    CarrierFactory,
    ForwardingAgreementFactory,
    GrantNoticeFactory,
    OrganisationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_finance_sees_the_deadlines_and_marks_the_application_submitted(
    login_as, expect, screenshot
):
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    year = timezone.localdate().year
    GrantNoticeFactory(recipient=city, period_start=date(year - 3, 1, 1))
    carrier = CarrierFactory(name="Caritas", works_for=[city])
    ForwardingAgreementFactory(recipient=city, carrier=carrier, valid_from=date(year - 3, 1, 1))
    page = login_as("finance", city)
    problems = []

    # The carrier's proof of the year before last was due 31.03. last year: overdue.
    expect(page.locator("main")).to_contain_text(f"Verwendungsnachweis {year - 2} der Trägerin")
    expect(page.locator("main")).to_contain_text("überfällig seit")

    page.goto("/foerderung/antrag/")
    page.get_by_role("navigation", name="Bereiche der Förderung").get_by_role(
        "link", name="Fristen"
    ).click()
    page.wait_for_url(re.compile(r"/foerderung/fristen/$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Fristen")
    row = main.locator("tr", has_text=f"Förderantrag {year + 1}")
    row.get_by_label("Eingereicht am").fill("31.02.2026")
    row.get_by_role("button", name="Als eingereicht vermerken").click()
    row = page.locator("main tr", has_text=f"Förderantrag {year + 1}")
    expect(row).to_contain_text("Bitte ein Datum wie 16.12.2024 eingeben.")
    assert not DeadlineSubmission.objects.exists()
    screenshot(page, "1-fristen-abgelehnt")
    problems += axe_problems(page, "Fristen mit Fehler")

    today = timezone.localdate()
    row.get_by_label("Eingereicht am").fill(today.strftime("%d.%m.%Y"))
    row.get_by_role("button", name="Als eingereicht vermerken").click()
    expect(page.locator("main")).to_contain_text("als eingereicht am")
    row = page.locator("main tr", has_text=f"Förderantrag {year + 1}")
    expect(row).to_contain_text("erledigt")
    assert DeadlineSubmission.objects.get().submitted_on == today
    screenshot(page, "2-fristen")
    problems += axe_problems(page, "Fristen")

    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert problems == []

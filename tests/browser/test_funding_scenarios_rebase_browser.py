"""Rebasing a scenario in a real browser: the plan changed after scenario 4 was copied; the
coordinator follows "Plan seit der Kopie geändert" to the list of changes, sets the scenario
up again from the current plan and reads the result. Every new page passes axe-core.

Screenshots of every step go to ``$KIM_SCREENSHOTS`` (if set)."""

from datetime import date
from decimal import Decimal as D

import pytest

from carriers.models import Organisation
from staffing.models import Occupancy, Position
from tests import demo_snapshot
from tests.browser.test_kim_admin_layout_browser import axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sees_the_plan_changes_and_rebases_scenario_4(login_as, screenshot):
    from playwright.sync_api import expect

    demo_snapshot.load()
    leverkusen = Organisation.objects.get(slug="leverkusen")
    # The plan changes after the copy: "Koordination KIM 1" at 0.5 FTE from 01.07.2026.
    position = Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    running = position.occupancies.get(end=None)
    running.end = date(2026, 6, 30)
    running.save()
    Occupancy.objects.create(position=position, start=date(2026, 7, 1), fte=D("0.5"))

    page = login_as("coordinator", leverkusen)
    main = page.locator("main")
    problems = []
    page.goto("/foerderung/szenarien/")
    main.get_by_role("link", name="Szenario 4: Baustein 2 auf fünf Stellen").click()
    expect(main.get_by_role("heading", name="Schritte des Szenarios")).to_be_visible()
    expect(main).to_contain_text("Baustein 2 ab 01.01.2025 auf 5 Stellen gekürzt")
    expect(main).to_contain_text("Plan seit der Kopie geändert")
    problems += axe_problems(page, "Szenario")
    screenshot(page, "1-szenario")

    main.get_by_role("link", name="2 Änderungen").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Änderungen des Plans seit der Kopie")
    expect(main.get_by_role("table")).to_contain_text("„Koordination KIM 1“: 01.07.2026 – offen")
    problems += axe_problems(page, "Planänderungen")
    screenshot(page, "2-planaenderungen")

    main.get_by_role("link", name="Aus aktuellem Plan neu aufsetzen").click()
    expect(main).to_contain_text("seit der Kopie 2 Änderungen")
    problems += axe_problems(page, "Bestätigung")
    screenshot(page, "3-bestaetigen")

    main.get_by_role("button", name="Neu aufsetzen").click()
    expect(main.get_by_role("heading", name="Wiederholt (1)")).to_be_visible()
    expect(main.get_by_role("heading", name="Nicht wiederholbar (0)")).to_be_visible()
    problems += axe_problems(page, "Ergebnis")
    screenshot(page, "4-ergebnis")

    main.get_by_role("link", name="Zum Szenario").click()
    expect(main).not_to_contain_text("Plan seit der Kopie geändert")
    assert not problems, "\n".join(problems)

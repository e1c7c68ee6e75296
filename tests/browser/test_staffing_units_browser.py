"""The organisational units in a real browser (issue 16): finance finds the list under
"Förderung & Träger", adds the KI through the German form, sees it on the list with its
positions counted, and a unit that a position names is not deleted. The unit pages are not in
the main navigation (a tab), so the layout run does not visit them: axe-core checks them here
(no serious or critical violation), and no page is wider than a phone."""

import pytest

from staffing.models import OrganisationalUnit
from tests.browser.test_kim_admin_layout_browser import PAGE_WIDTH, PHONE, axe_problems
from tests.factories import OrganisationFactory, PositionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_adds_the_ki_and_cannot_delete_a_unit_in_use(login_as, screenshot):
    from playwright.sync_api import expect

    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    page = login_as("finance", city)
    problems = []

    page.goto("/foerderung/saetze/")
    page.locator("main nav").get_by_role("link", name="Organisationseinheiten").click()
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Organisationseinheiten")
    problems += axe_problems(page, "leere Liste")

    main.get_by_role("link", name="Neu anlegen").click()
    problems += axe_problems(page, "Formular")
    main.get_by_label("Bezeichnung").fill("Kommunales Integrationszentrum")
    main.get_by_label("Art").select_option(label="Kommunales Integrationszentrum")
    main.get_by_role("button", name="Speichern").click()
    expect(page.locator("main")).to_contain_text(
        "„Kommunales Integrationszentrum“ wurde gespeichert."
    )
    problems += axe_problems(page, "Einheit")
    screenshot(page, "1-einheit")

    ki = OrganisationalUnit.objects.get(recipient=city)
    PositionFactory(recipient=city, unit=ki, title="Koordination KI")
    page.goto("/foerderung/organisationseinheiten/")
    row = main.locator("tbody tr").first
    expect(row).to_contain_text("Kommunales Integrationszentrum")
    expect(row.locator("td.num")).to_have_text("1")
    problems += axe_problems(page, "Liste")
    page.set_viewport_size(PHONE)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    problems += axe_problems(page, "Liste 390 px")
    screenshot(page, "2-liste-390")

    page.goto(ki.get_absolute_url())
    expect(main).to_contain_text("Koordination KI")
    main.get_by_role("link", name="Löschen").click()
    main.get_by_role("button", name="Endgültig löschen").click()
    expect(main).to_contain_text(
        "„Kommunales Integrationszentrum“ kann nicht gelöscht werden, solange noch darauf "
        "verweisen: Stellen: Koordination KI."
    )
    problems += axe_problems(page, "Löschen abgelehnt")
    screenshot(page, "3-abgelehnt")
    assert OrganisationalUnit.objects.filter(pk=ki.pk).exists()
    assert not problems, "\n".join(problems)

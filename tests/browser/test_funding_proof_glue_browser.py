"""The proof of use with its carriers in a real browser (issue 15): the coordinator opens the
proof, sees the checked carrier's figures and review note and that two carriers' proofs are
missing or unchecked; an administrator chooses the recipient on the funds overview from the
select. axe finds no serious barrier. Screenshots go to ``$KIM_SCREENSHOTS`` (if set)."""

import pytest

from funding.models import ProofOfUse
from tests.browser.test_kim_admin_layout_browser import axe_problems
from tests.factories import OrganisationFactory
from tests.test_funding_proofs_carriers import carrier_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_the_coordinator_reads_the_carriers_in_the_proof_and_an_admin_chooses_the_recipient(
    login_as, expect, screenshot
):
    city = OrganisationFactory(name="Stadt Kleinhausen", slug="kleinhausen")
    OrganisationFactory(name="Stadt Anderswo", slug="anderswo")
    carrier_plan(city)
    proof = ProofOfUse.objects.create(recipient=city, year=2024, factual_report="Entwurf")
    page = login_as("coordinator", city)
    problems = []

    page.goto(proof.get_absolute_url())
    section = page.locator("section[aria-labelledby=proof-carriers]")
    expect(section).to_contain_text("Der Verwendungsnachweis ist noch nicht vollständig")
    expect(section).to_contain_text("Träger B (eingereicht, noch nicht geprüft)")
    expect(section).to_contain_text("Träger C (Nachweis fehlt)")
    # Träger A, checked: 57,000 forwarded, 4,000 own, 61,000 actual against the recipient's
    # 60,000 for the same position: +1,000 deviation, not added to the 110,000 total.
    row = section.get_by_role("row", name="Träger A")
    expect(row).to_contain_text("57.000,00")
    expect(row).to_contain_text("61.000,00")
    expect(row).to_contain_text("14.03.2025: Mit Feststellungen")
    screenshot(page, "1-nachweis-traegerinnen")
    problems += axe_problems(page, "Verwendungsnachweis mit Trägerinnen")

    page.context.clear_cookies()
    admin = login_as("admin")
    admin.goto("/foerderung/mittel/?jahr=2024")
    form = admin.locator("main form.filter-form")
    form.get_by_label("Zuwendungsempfänger").select_option("kleinhausen")
    form.get_by_role("button", name="Anzeigen").click()
    expect(admin.locator("main")).to_contain_text("Förderung · Stadt Kleinhausen")
    expect(form.get_by_label("Zuwendungsempfänger")).to_have_value("kleinhausen")
    screenshot(admin, "2-mittel-admin")
    problems += axe_problems(admin, "Mittelübersicht (Administration)")
    assert problems == []

"""The funder's year in a real browser (issue 15): the coordinator calls funds, is refused a
call beyond the approval at the amount, records the payment, sees the year's funds and opens
the proof of use with its drafted factual report; axe finds no serious barrier on the new
pages. Screenshots go to ``$KIM_SCREENSHOTS`` (if set)."""

import re
from datetime import date

import pytest

from funding.models import FundsCall, FundsPayment, ProofOfUse
from tests.browser.test_kim_admin_layout_browser import axe_problems
from tests.factories import OrganisationFactory
from tests.test_funding_funds import small_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


def test_coordinator_calls_funds_records_the_payment_and_opens_the_proof(
    login_as, expect, screenshot
):
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    notice = small_plan(city)
    page = login_as("coordinator", city)
    problems = []

    page.goto("/foerderung/mittelabrufe/neu/")
    form = page.locator("main form")
    form.get_by_label("Bescheid").select_option(str(notice.pk))
    form.get_by_label("Abgerufen am").fill("10.01.2024")
    form.get_by_label("Bedarfszeitraum von").fill("01.01.2024")
    form.get_by_label("Bedarfszeitraum bis").fill("30.06.2024")
    # 57,000.00 are approved for 2024: one cent more is refused at the amount.
    form.get_by_label("Betrag (€)").fill("57.000,01")
    form.get_by_role("button", name="Speichern").click()
    expect(page.locator("main")).to_contain_text("übersteigt die bewilligte Förderung")
    screenshot(page, "1-abruf-abgelehnt")
    assert not FundsCall.objects.exists()

    page.locator("main form").get_by_label("Betrag (€)").fill("57.000,00")
    page.locator("main form").get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/foerderung/mittelabrufe/\d+/$"))
    the_call = FundsCall.objects.get()

    page.goto("/foerderung/zahlungseingaenge/neu/")
    form = page.locator("main form")
    form.get_by_label("Mittelabruf").select_option(str(the_call.pk))
    form.get_by_label("Eingegangen am").fill("15.01.2024")
    form.get_by_label("Betrag (€)").fill("57.000,00")
    form.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/foerderung/zahlungseingaenge/\d+/$"))
    assert FundsPayment.objects.get().received_on == date(2024, 1, 15)

    page.goto("/foerderung/mittel/?jahr=2024")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Mittelabrufe und Zahlungen 2024")
    # Received 57,000 in January; 4,750 a month is spent (Jan–Sep): most of it lies idle.
    expect(main).to_contain_text("Mögliche Zinsen")
    screenshot(page, "2-mittel")
    problems += axe_problems(page, "Mittelübersicht")

    page.goto("/foerderung/verwendungsnachweise/neu/")
    form = page.locator("main form")
    form.get_by_label("Jahr").fill("2024")
    form.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/foerderung/verwendungsnachweise/\d+/$"))
    # Received 57,000, due 57,000 × 9/12 = 42,750: 14,250 to refund.
    expect(page.locator("main")).to_contain_text("Rückforderung: 14.250,00")
    expect(page.locator("main")).to_contain_text("9 von 12 Monaten besetzt")
    screenshot(page, "3-nachweis")
    problems += axe_problems(page, "Verwendungsnachweis")
    assert ProofOfUse.objects.get().year == 2024
    assert problems == []

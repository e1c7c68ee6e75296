"""A carrier's proof of use as people handle it: Caritas finds last year's proof due, opens it
(prefilled with its positions), enters the funds it received and its own contribution, submits;
the KI coordination finds it in its inbox, records both checks and the review note. axe-core
finds no serious barrier on the pages passed (as in test_kim_admin_layout_browser).

Data: the demo fixtures (Leverkusen, its carriers, fixtures/08's proofs).
"""

import pytest
from django.utils import timezone

from carriers.models import CarrierProof, Organisation
from tests import demo_snapshot
from tests.browser.test_kim_admin_layout_browser import axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expect():
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def demo():
    demo_snapshot.load()
    return {
        "leverkusen": Organisation.objects.get(slug="leverkusen"),
        "caritas": Organisation.objects.get(slug="caritas-leverkusen"),
    }


def switch_to(login_as, page, role, organisation):
    page.locator("header").get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/login/**")
    return login_as(role, organisation)


def test_carrier_submits_its_proof_and_the_coordinator_records_the_review_note(
    login_as, demo, expect, screenshot
):
    year = timezone.localdate().year - 1
    # 1. Caritas: the start page names the due proof; "Jetzt anlegen" opens it.
    page = login_as("carrier", demo["caritas"])
    due = page.locator("main section", has_text="Verwendungsnachweise")
    expect(due).to_contain_text(f"Verwendungsnachweis {year} fällig (Stadt Leverkusen).")
    due.get_by_role("link", name="Jetzt anlegen").click()
    expect(page.get_by_label("Jahr")).to_have_value(str(year))
    page.locator("main").get_by_role("button", name="Anlegen").click()
    expect(page.locator("#lines-formset .formset__row")).to_have_count(3)  # two + one empty
    problems = axe_problems(page, "Trägerin: Nachweis bearbeiten")
    page.get_by_label("Erhaltene Mittel (€)").fill("207.000,00")
    page.get_by_label("Eigenanteil der Trägerin (€)").fill("2.088,00")
    page.locator("main").get_by_role("button", name="Speichern").click()
    expect(page.locator(".message--success")).to_contain_text("gespeichert")
    page.locator("main").get_by_role("button", name="Einreichen").click()
    expect(page.locator(".message--success")).to_contain_text("eingereicht")
    proof = CarrierProof.objects.get(carrier=demo["caritas"], year=year)
    assert proof.state == "submitted"

    # 2. The coordinator: inbox, both checks, the review note.
    switch_to(login_as, page, "coordinator", demo["leverkusen"])
    page.goto("/traeger/nachweise/aufgaben/")
    page.locator("main tr", has_text="Caritasverband").get_by_role("link").click()
    main = page.locator("main")
    expect(main.get_by_role("button", name="Prüfvermerk speichern")).to_be_disabled()
    main.get_by_role("button", name="Sachlich richtig").click()
    page.locator("main").get_by_role("button", name="Rechnerisch richtig").click()
    page.get_by_label("Ergebnis der Prüfung").select_option(label="Ohne Beanstandung")
    screenshot(page, "review")
    problems += axe_problems(page, "Koordination: Prüfung")
    page.locator("main").get_by_role("button", name="Prüfvermerk speichern").click()
    expect(page.locator(".message--success")).to_contain_text("Prüfvermerk ist gespeichert")
    expect(page.locator(".eyebrow")).to_contain_text("Geprüft")
    expect(page.locator("#pruefvermerk")).to_be_visible()
    proof.refresh_from_db()
    assert proof.state == "checked" and proof.review_result == "confirmed"
    problems += axe_problems(page, "Koordination: Prüfvermerk")
    for url in ("/traeger/nachweise/", "/traeger/nachweise/aufgaben/"):
        page.goto(url)
        problems += axe_problems(page, f"Koordination: {url}")
    assert not problems, "\n".join(problems)

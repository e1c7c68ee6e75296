"""The forecast workflow as people use it (issue 4): a carrier submits, the coordinator returns
it with a comment, the carrier revises and resubmits, the coordinator checks and approves, and
the city's own share on the home page changes by the amount calculated by hand below.

Data: the demo fixtures (Leverkusen, its carriers and their plan).
"""

from decimal import Decimal

import pytest

from carriers.models import CostForecast, Organisation
from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2026

# Plan 2026 of each Caritas position (fixtures/01_leverkusen.json, positions 1005 and 1015):
# employer gross 72.560,00 + material 12.500,00 + overhead 20.316,80 = 105.376,80 €.
PLAN_PER_POSITION = Decimal("72560.00") + Decimal("12500.00") + Decimal("20316.80")
# What Caritas finally forecasts (the revision), entered below:
REVISED = [
    ("71.000,00", "12.000,00", "19.880,00"),  # 102.880,00 €
    ("72.000,00", "12.000,00", "20.160,00"),  # 104.160,00 €
]
REVISED_TOTAL = Decimal("102880.00") + Decimal("104160.00")
# Both positions are filled all year and cost more than the 57.000 € rate, so the funding stays
# 2 × 57.000 €; Leverkusen carries all of a carrier's cost above it (coverage "all", seed 000).
# The city's own share therefore changes by the change in cost:
EXPECTED_CHANGE = REVISED_TOTAL - 2 * PLAN_PER_POSITION  # 207.040,00 − 210.753,60 = −3.713,60


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


def own_share(page) -> Decimal:
    page.goto(f"/?year={YEAR}")
    text = page.locator("section.council tbody td").nth(2).inner_text()
    return Decimal(text.replace("\xa0", " ").replace(" €", "").replace(".", "").replace(",", "."))


def switch_to(login_as, page, role, organisation):
    """Log out through the header's button, then in as a new user of ``role``."""
    page.locator("header").get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/login/**")
    return login_as(role, organisation)


def fill_line(page, index, values):
    row = page.locator("#lines-formset .formset__row").nth(index)
    for field, value in zip(("employer_gross", "material", "overhead"), values, strict=True):
        row.locator(f'[data-field="{field}"] input').fill(value)


def test_carrier_submits_coordinator_returns_carrier_revises_coordinator_approves(
    login_as, demo, expect, screenshot
):
    page = login_as("coordinator", demo["leverkusen"])
    before = own_share(page)

    # 1. Caritas opens a forecast for 2026 (prefilled from the plan), raises it and submits.
    switch_to(login_as, page, "carrier", demo["caritas"])
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Prognosen"
    ).click()
    page.locator("main").get_by_role("link", name="Neu anlegen").click()
    page.get_by_label("Jahr").fill(str(YEAR))
    page.get_by_label("Bezeichnung").fill("Prognose April 2026")
    page.locator("main").get_by_role("button", name="Anlegen").click()
    expect(page.locator("#lines-formset .formset__row")).to_have_count(3)  # two + one empty
    fill_line(page, 0, ("74.000,00", "12.500,00", "20.720,00"))
    fill_line(page, 1, ("74.000,00", "12.500,00", "20.720,00"))
    page.locator("main").get_by_role("button", name="Speichern").click()
    expect(page.locator("h1")).to_contain_text("Prognose April 2026")
    page.locator("main").get_by_role("button", name="Einreichen").click()
    expect(page.locator(".message--success")).to_contain_text("eingereicht")
    forecast = CostForecast.objects.get(carrier=demo["caritas"], year=YEAR)
    assert forecast.state == "submitted"

    # 2. The coordinator finds it in the inbox and returns it with a comment.
    switch_to(login_as, page, "coordinator", demo["leverkusen"])
    page.goto("/traeger/prognosen/aufgaben/")
    page.locator("main").get_by_role("link", name="Prognose April 2026").click()
    page.get_by_label("Begründung für die Trägerin").fill(
        "Der Stufenaufstieg kommt erst 2027: bitte das Arbeitgeberbrutto anpassen."
    )
    page.locator("main").get_by_role("button", name="Zurückgeben").click()
    expect(page.locator(".message--success")).to_contain_text("zurückgegeben")

    # 3. Caritas sees the comment and what each button does, edits, resubmits: a returned
    # statement is edited as it is ("Überarbeiten" is for the next version of an approved one).
    switch_to(login_as, page, "carrier", demo["caritas"])
    page.goto(f"/traeger/prognosen/{forecast.pk}/")
    expect(page.locator("main")).to_contain_text("Der Stufenaufstieg kommt erst 2027")
    expect(page.locator(".workflow-help")).to_contain_text("mit Ihren Änderungen seit der Rückgabe")
    expect(page.locator("main").get_by_role("button", name="Überarbeiten")).to_have_count(0)
    page.locator("main").get_by_role("link", name="Bearbeiten").click()
    fill_line(page, 0, REVISED[0])
    fill_line(page, 1, REVISED[1])
    page.locator("main").get_by_role("button", name="Speichern").click()
    page.locator("main").get_by_role("button", name="Einreichen").click()
    expect(page.locator(".message--success")).to_contain_text("eingereicht")

    # 4. The coordinator records both checks and approves.
    switch_to(login_as, page, "coordinator", demo["leverkusen"])
    page.goto(f"/traeger/prognosen/{forecast.pk}/")
    main = page.locator("main")
    expect(main.get_by_role("button", name="Genehmigen")).to_be_disabled()
    main.get_by_role("button", name="Sachlich richtig").click()
    page.locator("main").get_by_role("button", name="Rechnerisch richtig").click()
    screenshot(page, "review")
    page.locator("main").get_by_role("button", name="Genehmigen").click()
    expect(page.locator(".message--success")).to_contain_text("genehmigt")
    expect(page.locator(".eyebrow")).to_contain_text("Genehmigt")

    # 5. The home page: the own share moved by exactly the hand-calculated amount.
    after = own_share(page)
    screenshot(page, "home")
    assert after - before == EXPECTED_CHANGE == Decimal("-3713.60")


# --- The same workflow by keyboard alone (issue 16, accessibility) ----------------------------

# What has the keyboard focus, and whether a sighted keyboard user can see it: an outline or a
# box shadow on the focused element itself (the app's :focus-visible ring).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || label || el.innerText || el.value || '').trim(),
    visible: outline || shadow,
    outline: style.outlineStyle + ' ' + style.outlineWidth,
    shadow: style.boxShadow,
  };
}"""


def tab_to(page, name=None, selector=None, limit=120):
    """Press Tab until the focus is on the element named ``name`` (its label, text or value,
    from its start) or matching ``selector``; every element passed on the way must show its
    focus. Returns how many Tabs it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"focus not visible on {focused} (looking for {name})"
        if selector is not None and page.evaluate(
            "sel => document.activeElement.matches(sel)", selector
        ):
            return presses
        if name is not None and focused["name"].startswith(name):
            return presses
    raise AssertionError(f"{name or selector!r} cannot be reached with Tab")


def press_enter_and_load(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, text):
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def keyboard_login(page, role, organisation):
    from tests.factories import UserFactory

    user = UserFactory(role=role, organisation=organisation)
    page.context.clear_cookies()
    page.goto("/login/")
    tab_to(page, "Benutzername")
    type_into(page, user.username)
    tab_to(page, "Passwort")
    type_into(page, "geheim-123")
    press_enter_and_load(page)
    page.wait_for_url("**/")
    return user


def test_carrier_submits_and_coordinator_approves_by_keyboard_alone(
    login_as, demo, expect, page, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # 1. Caritas: Prognosen → Neu anlegen → year and title → Anlegen → a figure → Speichern →
    # Einreichen, every step by Tab, typing and Enter.
    keyboard_login(page, "carrier", demo["caritas"])
    tab_to(page, selector='nav.site-nav a[href="/traeger/prognosen/"]')
    press_enter_and_load(page)
    tab_to(page, "Neu anlegen")
    press_enter_and_load(page)
    tab_to(page, "Jahr")
    type_into(page, str(YEAR))
    tab_to(page, "Bezeichnung")
    type_into(page, "Prognose Tastatur 2026")
    tab_to(page, "Anlegen")
    press_enter_and_load(page)
    expect(page.locator("#lines-formset .formset__row")).to_have_count(3)
    tab_to(page, selector='#lines-formset [data-field="employer_gross"] input')
    type_into(page, "74.000,00")
    tab_to(page, "Speichern")
    press_enter_and_load(page)
    expect(page.locator("h1")).to_contain_text("Prognose Tastatur 2026")
    tab_to(page, "Einreichen")
    press_enter_and_load(page)
    expect(page.locator(".message--success")).to_contain_text("eingereicht")
    forecast = CostForecast.objects.get(carrier=demo["caritas"], year=YEAR)
    assert forecast.state == "submitted"
    assert forecast.lines.order_by("pk").first().employer_gross == Decimal("74000.00")

    # 2. The coordinator: Prognosen → the forecast → both checks → Genehmigen.
    keyboard_login(page, "coordinator", demo["leverkusen"])
    tab_to(page, selector='nav.site-nav a[href="/traeger/prognosen/"]')
    press_enter_and_load(page)
    tab_to(page, selector=f'main a[href="/traeger/prognosen/{forecast.pk}/"]')
    press_enter_and_load(page)
    for button in ("Sachlich richtig", "Rechnerisch richtig"):
        tab_to(page, button)
        press_enter_and_load(page)
    tab_to(page, "Genehmigen")
    press_enter_and_load(page)
    expect(page.locator(".message--success")).to_contain_text("genehmigt")
    forecast.refresh_from_db()
    assert forecast.state == "approved"

"""Every role's main pages on a 1400 px desktop and a 390 px phone (issue 16, layout and
accessibility): the demo logins, their start page, every page of their navigation and the
first record of each list; before login the login page and the accessibility statement.

- No page is wider than the screen (``scrollWidth <= innerWidth``) at either width.
- At 1400 px no list cuts off a column: the lists of the issue (forecasts with "Eingereicht
  am" and the amount, programme costs with "Beschreibung", settlements with "PDF") fit their
  box; only a table of many towns' columns may scroll.
- At 390 px the filters are folded away, a wide table scrolls inside its box with its first
  column fixed, the timeline keeps readable labels.
- axe-core (the copy bundled with axe-playwright-python, run inside the page; nothing is
  fetched) finds no serious or critical violation on any of these pages at 1400 px, with a
  list's folded filters opened so their form is checked too.

Each page is loaded once and measured at both widths (the layout reflows on resize); a list's
first record is taken while the list is on screen.
Screenshots are written only where ``$KIM_SCREENSHOTS`` names a directory (CI artefacts).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kim-demo-2024"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
# One demo login per role.
ROLES = ["finanzen", "koordination", "caritas", "hueckeswagen", "rat", "admin"]
# Pages each role's run must at least visit (start page, navigation, first records, search):
# a floor a little under what each role's navigation offers today, so a lost menu fails.
MIN_PAGES = {
    "finanzen": 10,
    "koordination": 10,
    "caritas": 7,
    "hueckeswagen": 6,
    "rat": 7,
    "admin": 10,
}
# Lists that must show all their columns at 1400 px (issue 16: they cut them off).
MUST_FIT = {
    "/traeger/prognosen/": ["Eingereicht am", "Kosten laut Prognose"],
    "/foerderung/programmkosten/": ["Beschreibung"],
    "/traeger/abrechnungen/": ["PDF"],
}

PAGE_WIDTH = "document.documentElement.scrollWidth"
CLIPPED_TABLES = """() => [...document.querySelectorAll('main .table-scroll')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => [...box.querySelectorAll('thead th')].map(th => th.innerText.trim()).join(' | '))"""


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_snapshot.load(users=True)


def screenshots() -> Path | None:
    wanted = os.environ.get("KIM_SCREENSHOTS")
    if not wanted:
        return None
    directory = Path(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def login(page, username: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.get_by_label("Benutzername").fill(username)
    form.get_by_label("Passwort").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/$"))


def navigation(page) -> list[str]:
    """The start page and the pages of the role's navigation."""
    return ["/"] + [
        href
        for href in page.locator("nav.site-nav a").evaluate_all(
            "els => els.map(a => a.getAttribute('href'))"
        )
        if href != "/" and not href.startswith("/admin")
    ]


def first_record(page, known: list[str]) -> str | None:
    """The first record of the list on the page, unless it is a PDF or already known."""
    first = page.locator("main table tbody a[href^='/']").first
    if not first.count():
        return None
    href = first.get_attribute("href")
    return None if "pdf" in href or href in known else href


def main_pages(page, visited: list[str]) -> Iterator[str]:
    """The start page, the navigation's pages, the first record of each of its lists and the
    search page, with hits; each noted in ``visited`` when its turn comes. The caller loads
    each page it is given: the first record is taken from the list while it is on screen, so
    every page loads once."""
    urls = navigation(page)
    records: list[str] = []
    for url in urls:
        visited.append(url)
        yield url
        if url != "/" and (record := first_record(page, urls + records)):
            records.append(record)
    for url in [*records, "/suche/?q=leverkusen"]:
        visited.append(url)
        yield url


# On a phone only what the width changes: boxes that now scroll, and contrast.
PHONE_RULES = {
    "runOnly": {"type": "rule", "values": ["scrollable-region-focusable", "color-contrast"]},
    "resultTypes": ["violations", "passes"],
}


def axe_problems(page, where: str, options: dict | None = None) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each.

    axe-core (572 KB) goes into a document once: the package's ``Axe().run`` sends and
    compiles it anew on every call, which cost more than the rules on most pages, and a page
    checked at two widths is one document."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate("document.querySelectorAll('details.filter-panel').forEach(d => d.open = true)")
    # Boxes that scroll at this width are keyboard regions (static/js/scroll-regions.js).
    page.evaluate("window.kimMarkScrollRegions && window.kimMarkScrollRegions()")
    axe = Axe()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe.axe_script)
    response = page.evaluate(
        "options => axe.run(document, options)", options or {"resultTypes": ["violations"]}
    )
    # axe ran its rules in the page (a script that failed to load would report nothing).
    assert response["passes"], where
    return [
        f"{where}: axe {v['id']} ({v['impact']}): {v['help']} – "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_pages_before_login_are_without_barriers(page, live_server):
    problems = []
    for url in ("/login/", "/barrierefreiheit/"):
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        problems += axe_problems(page, f"ohne Anmeldung {url}")
    assert not problems, "\n".join(problems)


# One test per role, so the workers share them out (one test for all took 90 s on one worker).
@pytest.mark.parametrize("username", ROLES)
def test_every_roles_main_pages_fit_desktop_and_phone_without_barriers(
    username, demo, page, live_server
):
    shots = screenshots()
    problems = []
    login(page, username)
    urls: list[str] = []
    for url in main_pages(page, urls):
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        for size, name in ((DESKTOP, "1400"), (PHONE, "390")):
            page.set_viewport_size(size)
            width = page.evaluate(PAGE_WIDTH)
            if width > size["width"]:
                problems.append(f"{username} {url} bei {name} px: {width} px breit")
            if size is DESKTOP and url in MUST_FIT:
                clipped = page.evaluate(CLIPPED_TABLES)
                if clipped:
                    problems.append(f"{username} {url} bei 1400 px abgeschnitten: {clipped}")
            if size is PHONE:
                problems += axe_problems(page, f"{username} {url} bei 390 px", PHONE_RULES)
            if shots:
                slug = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "start"
                page.screenshot(path=str(shots / f"{username}-{slug}-{name}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        problems += axe_problems(page, f"{username} {url}")
    assert not problems, "\n".join(problems)
    # The start page, the search and at least two pages of the role's navigation.
    assert len(urls) >= MIN_PAGES[username], urls


def test_phone_folds_filters_fixes_first_column_and_keeps_timeline_readable(demo, page):
    from carriers.models import Organisation
    from staffing.models import Position

    login(page, "finanzen")
    page.set_viewport_size(PHONE)
    page.goto("/stellen/")
    main = page.locator("main")
    # The list comes first: the filters wait folded above it.
    expect_hidden = main.locator(".filter-panel .filter-form")
    assert not expect_hidden.is_visible()
    table_top = main.locator(".table-scroll").bounding_box()["y"]
    assert table_top < PHONE["height"], table_top
    # The table scrolls inside its box, its first column stays in view.
    box = main.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    first_cell = box.locator("tbody tr").first.locator("td").first
    box.evaluate("el => { el.scrollLeft = el.scrollWidth }")
    cell = first_cell.bounding_box()
    assert cell["x"] >= 0 and cell["x"] < 40, cell
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    # The timeline: year labels at least 11 px high, the drawing scrolls in its frame.
    leverkusen = Organisation.objects.get(slug="leverkusen")
    position = Position.objects.filter(recipient=leverkusen, occupancies__isnull=False).first()
    page.goto(position.get_absolute_url())
    label = main.locator(".timeline .timeline__label").first
    assert label.bounding_box()["height"] >= 11, label.bounding_box()
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

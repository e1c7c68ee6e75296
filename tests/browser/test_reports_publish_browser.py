"""A council report as people make and read it: the finance user ``finanzen`` fills in the
council header for Leverkusen 2022, looks at the preview, publishes; the council member
``rat`` finds it in the list and downloads the PDF, whose text carries seed 001's figures.

Demo data and demo logins (password ``kim-demo-2024``) as ``make run`` sets them up.
Screenshots of the form with the preview and of the published report go to
``$KIM_SCREENSHOTS``.
"""

import io
import re

import pytest

from reports.models import PublishedReport
from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kim-demo-2024"


@pytest.fixture
def demo(settings):
    # Real demo logins; only the password hash is cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_snapshot.load(users=True)


def log_in(page, username):
    page.goto("/login/")
    form = page.locator("main form")
    form.get_by_label("Benutzername").fill(username)
    form.get_by_label("Passwort").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/$"))


def test_finance_publishes_and_the_council_downloads(demo, page, screenshot, tmp_path):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    log_in(page, "finanzen")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Berichte"
    ).click()
    page.get_by_role("link", name="Bericht erstellen").click()

    main = page.locator("main")
    main.get_by_label("Berichtsart").select_option(label="Kostenübersicht")
    expect(main.get_by_label("Zuwendungsempfänger")).to_have_value("leverkusen")
    main.get_by_label("Jahr").fill("2022")
    main.get_by_label("Absender (Körperschaft)").fill("Stadt Leverkusen\nDer Oberbürgermeister")
    main.get_by_label("Dezernat/Fachbereich/AZ").fill("III/KI")
    main.get_by_label("Vorlage Nr.").fill("2021/1121")
    main.get_by_label("Datum der Vorlage").fill("04.11.2021")
    main.get_by_label("Betreff").fill("Landesprogramm „Kommunales Integrationsmanagement NRW“")
    main.get_by_label("Gremium (Zeile 1)").fill("Ausschuss für Soziales, Gesundheit und Senioren")
    main.get_by_label("Sitzung am (Zeile 1)").fill("15.11.2021")
    main.get_by_label("Zuständigkeit (Zeile 1)").select_option("Vorberatung")
    main.get_by_label("Gremium (Zeile 2)").fill("Rat der Stadt Leverkusen")
    main.get_by_label("Sitzung am (Zeile 2)").fill("13.12.2021")
    main.get_by_label("Zuständigkeit (Zeile 2)").select_option("Entscheidung")

    main.get_by_role("button", name="Vorschau").click()
    preview = page.locator("article.report-paper")
    expect(preview).to_contain_text("Übersicht für den Rat 2022")
    council_cells = preview.locator("table.council tbody td")
    assert [c.inner_text().replace("\xa0", " ") for c in council_cells.all()] == [
        "913.257,24 €",
        "576.600,00 €",
        "336.657,24 €",
    ]
    expect(preview).to_contain_text("Rat der Stadt Leverkusen")
    # The form keeps what was typed.
    expect(main.get_by_label("Vorlage Nr.")).to_have_value("2021/1121")
    screenshot(page, "vorschau")
    assert PublishedReport.objects.count() == 0

    main.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Kostenübersicht Stadt Leverkusen 2022"
    )
    expect(main).to_contain_text("als Version 1 veröffentlicht")
    screenshot(page, "veroeffentlicht")
    report = PublishedReport.objects.get()
    assert report.published_by.username == "finanzen"

    page.get_by_role("button", name="Abmelden").click()
    log_in(page, "rat")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Berichte").click()
    expect(main).not_to_contain_text("Bericht erstellen")
    main.get_by_role("link", name="Kostenübersicht Stadt Leverkusen 2022").click()
    screenshot(page, "rat-bericht")
    with page.expect_download() as download_info:
        main.get_by_role("link", name="PDF herunterladen").first.click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == "kostenubersicht-stadt-leverkusen-2022-v1.pdf"
    pdf = path.read_bytes()
    assert pdf == bytes(report.pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\xa0", " ")
    for figure in ("913.257,24 €", "576.600,00 €", "336.657,24 €"):
        assert figure in text

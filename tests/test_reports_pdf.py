"""The council reports as PDF/A: the figures in the text (seed 001 and the engine), the archive
metadata, the embedded CSV, the tags, the preview showing the same figures, and the URL
fetcher that never leaves the app."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from carriers.models import Organisation
from funding.overview import cost_overview
from kim_admin.formatting import de_money
from reports import rendering
from reports.registry import CommitteeStep, CouncilHeader, ReportInputError, ReportRequest

HEADER = CouncilHeader(
    body="Stadt Leverkusen\nDer Oberbürgermeister",
    department="III/KI",
    file_number="2021/1121",
    paper_date=date(2021, 11, 4),
    subject="Landesprogramm „Kommunales Integrationsmanagement NRW“ (KIM NRW)",
    committees=(
        CommitteeStep(
            "Ausschuss für Soziales, Gesundheit und Senioren", date(2021, 11, 15), "Vorberatung"
        ),
        CommitteeStep("Rat der Stadt Leverkusen", date(2021, 12, 13), "Entscheidung"),
    ),
)
MONEY = re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d{2}\s€")


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def amounts(text: str) -> set[str]:
    return {re.sub(r"\s", " ", m) for m in MONEY.findall(text.replace("\xa0", " "))}


@pytest.fixture(scope="module")
def rendered(_demo_data_module, django_db_blocker):
    """Leverkusen 2022, both kinds, rendered once for the module (about a second each)."""
    with django_db_blocker.unblock():
        leverkusen = Organisation.objects.get(slug="leverkusen")
        out = {}
        for kind in ("cost_overview", "positions"):
            request = ReportRequest(kind=kind, recipient=leverkusen, year=2022, header=HEADER)
            report = rendering.render_pdf(request)
            preview = rendering.render_paper(rendering.build(request, report.rendered_at))
            out[kind] = (report, preview)
        out["overview"] = cost_overview(leverkusen, 2022)
        return out


@pytest.fixture
def cost_report(rendered):
    return rendered["cost_overview"]


def test_the_council_table_of_seed_001_is_in_the_pdf_text(cost_report):
    report, _preview = cost_report
    text = pdf_text(report.pdf)
    # Seed 001: Gesamtkosten Personal | Gesamtfördersumme Land (Personal) | Mehrkosten Stadt.
    assert "913.257,24 €" in text
    assert "576.600,00 €" in text
    assert "336.657,24 €" in text
    table = text.index("Übersicht für den Rat 2022")
    assert text.index("913.257,24 €", table) < text.index("576.600,00 €", table)
    # Seed 001's financial page: 962,300.00 "bei Einstellung der Förderung".
    assert "962.300,00 €" in text
    # Requested funding 625,600.00 with revenue accounts 414100 (78,100) and 414101 (547,500).
    assert "625.600,00 €" in text
    assert "547.500,00 €" in text and "78.100,00 €" in text


def test_every_engine_figure_of_the_year_is_in_the_pdf(rendered, cost_report):
    report, _preview = cost_report
    text = pdf_text(report.pdf)
    overview = rendered["overview"]
    expected = {overview.totals.total_cost, overview.totals.funding, overview.totals.own_share}
    for block in overview.by_block:
        expected |= {block.amounts.total_cost, block.amounts.funding, block.amounts.own_share}
    for group in overview.by_employer:
        expected |= {group.amounts.total_cost, group.amounts.own_share}
    for share in overview.by_bearer:
        expected.add(share.amount)
    for line in overview.by_account:
        expected.add(line.amount)
    missing = {de_money(v).replace("\xa0", " ") for v in expected} - amounts(text)
    assert not missing


def test_header_footer_and_page_numbers(cost_report):
    report, _preview = cost_report
    text = pdf_text(report.pdf)
    assert "Vorlage Nr." in text and "2021/1121" in text and "04.11.2021" in text
    assert "Rat der Stadt Leverkusen" in text and "Entscheidung" in text and "Vorberatung" in text
    assert "Betreff:" in text
    pages = report.page_count
    assert pages >= 2
    for page in range(1, pages + 1):
        assert f"Seite {page} von {pages}" in text
    assert re.search(r"Stand: \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", text)
    # The medium-term plan: the year and three more.
    for year in ("2023", "2024", "2025"):
        assert year in text


def test_pdf_is_pdf_a_3a_with_title_language_and_tags(cost_report):
    report, _preview = cost_report
    reader = PdfReader(io.BytesIO(report.pdf))
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="A"' in xmp
    assert reader.metadata.title == "Kostenübersicht Stadt Leverkusen 2022"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert "/OutputIntents" in root


def test_figures_are_embedded_as_csv(cost_report):
    report, _preview = cost_report
    reader = PdfReader(io.BytesIO(report.pdf))
    assert list(reader.attachments) == ["kostenuebersicht-leverkusen-2022.csv"]
    data = reader.attachments["kostenuebersicht-leverkusen-2022.csv"][0].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data)))
    council = {r["measure"]: Decimal(r["value"]) for r in rows if r["section"] == "council"}
    assert council == {
        "personnel_cost": Decimal("913257.24"),
        "position_funding": Decimal("576600.00"),
        "own_share": Decimal("336657.24"),
    }
    ending = {r["measure"]: r["value"] for r in rows if r["section"] == "without_programme"}
    assert ending["budget_amount"] == "962300.00"
    years = {r["key"] for r in rows if r["section"] == "year"}
    assert years == {"2022", "2023", "2024", "2025"}
    # The attachment is declared as the document's data (PDF/A-3: /AF, /AFRelationship).
    filespec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"


def test_preview_and_pdf_show_the_same_figures(cost_report):
    report, preview = cost_report
    assert "913.257,24" in preview
    assert amounts(preview) == amounts(pdf_text(report.pdf))


def test_positions_report_lists_every_position(rendered):
    report, preview = rendered["positions"]
    text = pdf_text(report.pdf)
    overview = rendered["overview"]
    assert "Stellenübersicht Stadt Leverkusen 2022" in text
    for result in overview.positions:
        assert result.position.title.split()[0] in text
        assert de_money(result.amounts.own_share).replace("\xa0", " ") in text
    assert amounts(preview) == amounts(text)
    reader = PdfReader(io.BytesIO(report.pdf))
    assert list(reader.attachments) == ["stellenuebersicht-leverkusen-2022.csv"]
    rows = list(
        csv.DictReader(
            io.StringIO(reader.attachments["stellenuebersicht-leverkusen-2022.csv"][0].decode())
        )
    )
    assert len(rows) == len(overview.positions)


# --- The URL fetcher --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/style.css",
        "http://127.0.0.1:8101/static/reports/report.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://example.org/x.css",
        rendering.BASE_URL + "static/../../etc/passwd",
        rendering.BASE_URL + "media/secret.pdf",
        rendering.BASE_URL + "static/reports/report.css?x=1",
    ],
)
def test_fetcher_refuses_everything_but_the_apps_static_files(url, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the fetcher opened a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with pytest.raises(rendering.RefusedURL):
        rendering.url_fetcher().fetch(url)


def test_fetcher_serves_the_report_stylesheet():
    response = rendering.url_fetcher().fetch(rendering.BASE_URL + "static/reports/report.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_an_external_url_in_a_document_stops_the_rendering(monkeypatch):
    import urllib.request

    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    def no_network(*args, **kwargs):
        raise AssertionError("WeasyPrint opened a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    html = '<html lang="de"><body><img src="https://example.org/tracker.png"></body></html>'
    with pytest.raises(FatalURLFetchingError):
        HTML(
            string=html, base_url=rendering.BASE_URL, url_fetcher=rendering.url_fetcher()
        ).write_pdf()


# --- Bad input and faults ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_year_without_data_is_refused_with_a_german_message(demo_data):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    request = ReportRequest(kind="cost_overview", recipient=leverkusen, year=2015, header=HEADER)
    with pytest.raises(ReportInputError) as caught:
        rendering.build(request)
    assert caught.value.field == "year"
    assert "Für 2015 sind bei Stadt Leverkusen keine Stellen" in caught.value.message


@pytest.mark.django_db
def test_too_many_positions_are_refused(demo_data, settings):
    settings.REPORTS_MAX_POSITIONS = 3
    leverkusen = Organisation.objects.get(slug="leverkusen")
    request = ReportRequest(kind="positions", recipient=leverkusen, year=2022, header=HEADER)
    with pytest.raises(ReportInputError) as caught:
        rendering.build(request)
    assert "höchstens 3 Stellen" in caught.value.message


@pytest.mark.django_db
def test_too_many_pages_are_refused(demo_data, settings):
    settings.REPORTS_MAX_PAGES = 1
    leverkusen = Organisation.objects.get(slug="leverkusen")
    request = ReportRequest(kind="cost_overview", recipient=leverkusen, year=2022, header=HEADER)
    with pytest.raises(ReportInputError) as caught:
        rendering.render_pdf(request)
    assert "höchstens 1 Seiten" in caught.value.message


@pytest.mark.django_db
def test_a_rendering_failure_is_logged_and_raised(demo_data, monkeypatch, caplog):
    def broken(html, report):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(rendering, "write_pdf", broken)
    leverkusen = Organisation.objects.get(slug="leverkusen")
    request = ReportRequest(kind="cost_overview", recipient=leverkusen, year=2022, header=HEADER)
    with pytest.raises(rendering.ReportRenderError):
        rendering.render_pdf(request)
    assert "rendering the report cost_overview for leverkusen 2022 failed" in caplog.text


def test_a_publication_carries_no_draft_mark(rendered):
    for kind in ("cost_overview", "positions"):
        report, _preview = rendered[kind]
        assert "ENTWURF" not in pdf_text(report.pdf)


@pytest.mark.django_db
def test_a_draft_pdf_says_entwurf_on_every_page(demo_data):
    """The draft job (the tests' immediate backend runs it): every page of the downloaded
    PDF says "ENTWURF" in its top margin."""
    from kim_admin.jobqueue.models import JobState
    from reports import jobs as report_jobs
    from tests.factories import UserFactory

    leverkusen = Organisation.objects.get(slug="leverkusen")
    finance = UserFactory(role="finance", organisation=leverkusen)
    request = ReportRequest(kind="positions", recipient=leverkusen, year=2022, header=HEADER)
    job = report_jobs.start_draft(request, finance)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    reader = PdfReader(io.BytesIO(bytes(job.result)))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "ENTWURF – nicht veröffentlicht" in page.extract_text()

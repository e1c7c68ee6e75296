"""Report 3, the carriers' cost forecasts (seed 000): the 2024 payments next to the approved
forecast, the two versions of the 2025 forecast side by side with the saving, the embedded CSV
and the data state naming the approved forecasts. Data: the demo fixtures (fixtures/05 has
invented figures, marked there)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from funding.models import Scenario
from reports import rendering
from reports.registry import CouncilHeader, ReportInputError, ReportRequest

pytestmark = pytest.mark.django_db

HEADER = CouncilHeader(
    body="Stadt Leverkusen",
    file_number="2024/3210",
    paper_date=date(2024, 12, 2),
    subject="Kommunales Integrationsmanagement: Kostenprognosen der Trägerinnen",
)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.fixture
def report(leverkusen):
    request = ReportRequest(
        kind="carrier_forecasts", recipient=leverkusen, year=2025, header=HEADER
    )
    return rendering.render_pdf(request)


def test_the_pdf_shows_the_2024_payments_and_the_saving_of_the_november_revision(report):
    """Caritas, fixtures/05 — 2025: April 2024 version per position 74.600,00 + 12.800,00 +
    28 % overhead 20.888,00 = 108.288,00; the revision of 28.11.2024: 72.300,00 + 12.000,00 +
    20.244,00 = 104.544,00; two positions: 216.576,00 → 209.088,00. The city carries all above
    2 × 57.000,00: 102.576,00 → 95.088,00, a saving of 7.488,00 €.
    AWO 2024: forecast 72.100,00 + 12.500,00 + 20.188,00 = 104.788,00 per position, the city's
    part 2 × 47.788,00 = 95.576,00; paid 2 × (20.000,00 + 25.550,00) = 91.100,00: −4.476,00."""
    text = pdf_text(report.pdf)
    for figure in (
        "216.576,00 €",
        "209.088,00 €",
        "102.576,00 €",
        "95.088,00 €",
        "Ersparnis für Stadt Leverkusen: 7.488,00 €",
        "95.576,00 €",
        "91.100,00 €",
        "−4.476,00 €",
    ):
        assert figure in text, figure
    assert (
        "Prognose 28.11.2024 (Caritasverband Leverkusen e. V., 2025), genehmigt am 02.12.2024"
        in (" ".join(text.split()))
    )


def test_the_figures_are_embedded_as_csv(report):
    reader = PdfReader(io.BytesIO(report.pdf))
    name = "kostenprognosen-leverkusen-2025.csv"
    assert list(reader.attachments) == [name]
    rows = list(csv.DictReader(io.StringIO(reader.attachments[name][0].decode("utf-8"))))
    savings = {
        r["carrier"]: Decimal(r["amount"]) for r in rows if r["measure"] == "saving_for_recipient"
    }
    # Each carrier's revision lowers each of its two positions by 2.300,00 gross + 800,00
    # material + 28 % of 2.300,00 (644,00) = 3.744,00: 7.488,00 for two.
    assert savings == {
        "awo-leverkusen": Decimal("7488.00"),
        "caritas-leverkusen": Decimal("7488.00"),
        "diakonie-leverkusen": Decimal("7488.00"),
    }
    paid = {r["carrier"]: Decimal(r["amount"]) for r in rows if r["measure"] == "paid_total"}
    assert paid["awo-leverkusen"] == Decimal("91100.00")


def test_no_forecast_report_for_a_scenario_or_a_year_without_forecasts(leverkusen):
    scenario = Scenario.objects.create(recipient=leverkusen, name="Test", slug="test")
    with pytest.raises(ReportInputError) as refused:
        rendering.build(
            ReportRequest(
                kind="carrier_forecasts",
                recipient=leverkusen,
                year=2025,
                header=HEADER,
                scenario=scenario,
            )
        )
    assert refused.value.field == "scenario"
    with pytest.raises(ReportInputError) as empty:
        rendering.build(
            ReportRequest(kind="carrier_forecasts", recipient=leverkusen, year=2040, header=HEADER)
        )
    assert empty.value.field == "year"
    assert "weder genehmigte Kostenprognosen noch Zahlungen" in empty.value.message


def test_the_cost_overview_names_the_approved_forecasts_in_its_data_state(leverkusen):
    request = ReportRequest(kind="cost_overview", recipient=leverkusen, year=2025, header=HEADER)
    notes = rendering.build(request).content.data_state_notes
    assert any(
        "Prognose 28.11.2024 (Caritasverband Leverkusen e. V.), genehmigt am 02.12.2024: "
        "2 Stellen" in note
        for note in notes
    ), notes

"""The scenario comparison and the projection as council reports: the kinds' own options
(checked for the user, stored with a published report, part of the series), the PDF's
figures and the embedded CSV. Data: the demo fixtures (seed 000's four scenarios, seed 003)."""

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from carriers.models import Organisation
from funding.models import Projection, Scenario
from funding.scenarios.selectors import compare
from reports import rendering
from reports.registry import CouncilHeader, ReportInputError, ReportRequest, get_kind
from reports.services import report_publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = CouncilHeader(
    body="Stadt Leverkusen",
    file_number="2024/3092",
    paper_date=date(2024, 6, 3),
    subject="Kommunales Integrationsmanagement: Szenarien",
)
SCENARIOS = ["szenario-1", "szenario-2", "szenario-3", "szenario-4"]


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def csv_rows(pdf: bytes) -> list[list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    [(name, contents)] = [(n, c) for n, c in reader.attachments.items()][:1]
    return list(csv.reader(io.StringIO(contents[0].decode("utf-8-sig"))))


def de(value) -> str:
    text = f"{abs(value):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return text + " €"


def comparison_request(leverkusen, leverkusen_finance, slugs=SCENARIOS, last_year=2026):
    kind = get_kind("scenario_comparison")
    options = kind.clean_options(
        {"compare_scenarios": slugs, "last_year": last_year},
        recipient=leverkusen,
        user=leverkusen_finance,
    )
    return ReportRequest(
        kind="scenario_comparison", recipient=leverkusen, year=2025, header=HEADER, options=options
    )


def test_comparison_pdf_ranks_the_scenarios_as_the_seed_does(leverkusen, leverkusen_finance):
    report = rendering.render_pdf(comparison_request(leverkusen, leverkusen_finance))
    text = pdf_text(report.pdf)
    assert "Szenariovergleich Stadt Leverkusen 2025–2026" in text
    # The report shows what the comparison computes (the report adds nothing up itself).
    scenarios = [Scenario.objects.get(recipient=leverkusen, slug=s) for s in SCENARIOS]
    result = compare(leverkusen, scenarios, [2025, 2026])
    savings = {p.key: p.saving_total for p in result.scenarios}
    for saving in savings.values():
        assert de(saving) in text
    # Seed 000: scenario 1 saves nothing, scenario 4 saves clearly, the most.
    assert savings["szenario-1"] == 0
    assert max(savings, key=savings.get) == "szenario-4"
    rows = csv_rows(report.pdf)
    assert rows[0] == ["plan", "year", "measure", "amount"]
    assert ["szenario-4", "total", "saving", f"{savings['szenario-4']:.2f}"] in rows
    assert [
        "baseline",
        "2025",
        "own_share",
        f"{result.baseline.by_year[2025].own_share:.2f}",
    ] in rows


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"compare_scenarios": []}, "compare_scenarios", "ein bis vier Szenarien"),
        ({"compare_scenarios": ["gibt-es-nicht"]}, "compare_scenarios", "gibt es bei"),
        ({"compare_scenarios": SCENARIOS + ["x"]}, "compare_scenarios", "höchstens 4"),
        ({"compare_scenarios": ["szenario-1"], "last_year": "zwei"}, "last_year", "2028"),
    ],
)
def test_comparison_options_are_checked(leverkusen, leverkusen_finance, raw, field, message):
    with pytest.raises(ReportInputError) as error:
        get_kind("scenario_comparison").clean_options(
            raw, recipient=leverkusen, user=leverkusen_finance
        )
    assert error.value.field == field
    assert message in error.value.message


def test_comparison_refuses_a_backwards_year_range(leverkusen, leverkusen_finance):
    request = comparison_request(leverkusen, leverkusen_finance, last_year=2023)
    with pytest.raises(ReportInputError) as error:
        rendering.build(request)
    assert error.value.field == "last_year"
    assert "liegt vor dem ersten" in error.value.message


def test_another_recipients_scenarios_are_unknown(leverkusen, demo_data):
    coesfeld = Organisation.objects.get(slug="kreis-coesfeld")
    outsider = UserFactory(role="finance", organisation=coesfeld)
    with pytest.raises(ReportInputError):
        get_kind("scenario_comparison").clean_options(
            {"compare_scenarios": ["szenario-1"]}, recipient=leverkusen, user=outsider
        )


def test_options_make_their_own_series(leverkusen, leverkusen_finance):
    one = report_publish(
        request=comparison_request(leverkusen, leverkusen_finance, slugs=["szenario-1"]),
        actor=leverkusen_finance,
    )
    two = report_publish(
        request=comparison_request(leverkusen, leverkusen_finance, slugs=["szenario-4"]),
        actor=leverkusen_finance,
    )
    again = report_publish(
        request=comparison_request(leverkusen, leverkusen_finance, slugs=["szenario-4"]),
        actor=leverkusen_finance,
    )
    assert one.series_key != two.series_key
    assert (one.version, two.version, again.version) == (1, 1, 2)
    assert two.parameters["options"] == {
        "compare_scenarios": ["szenario-4"],
        "last_year": 2026,
    }


def test_projection_pdf_coesfeld_without_funding(demo_data):
    """Seed 003: should the funding end, the towns carry the cost in equal shares. Without a
    pay rise 2026 costs what 2024 cost: Region Nord 175.025,41 € / 4 towns = 43.756,3525 →
    Havixbeck 43.756,36 €, the other three 43.756,35 € (tests/test_funding_projections_seeds.py)."""
    coesfeld = Organisation.objects.get(slug="kreis-coesfeld")
    user = UserFactory(role="finance", organisation=coesfeld)
    projection = Projection.objects.create(
        recipient=coesfeld,
        name="Ohne Förderung",
        base_year=2024,
        last_year=2026,
        programme_end_year=2026,
    )
    options = get_kind("projection").clean_options(
        {"projection": projection.pk}, recipient=coesfeld, user=user
    )
    request = ReportRequest(
        kind="projection",
        recipient=coesfeld,
        year=2024,
        header=HEADER,
        options=options,
    )
    report = rendering.render_pdf(request)
    text = pdf_text(report.pdf)
    assert "Fortschreibung „Ohne Förderung“ Kreis Coesfeld 2024–2026" in text
    assert "Das Land beendet die Förderung ab 2026" in text
    assert "43.756,36 €" in text and "43.756,35 €" in text
    rows = csv_rows(report.pdf)
    assert rows[next(i for i, r in enumerate(rows) if r[:2] == ["2026", "bearer:havixbeck"])][
        :3
    ] == ["2026", "bearer:havixbeck", "43756.36"]
    assert next(r for r in rows if r[:2] == ["2026", "funding"])[:3] == ["2026", "funding", "0.00"]


def test_projection_option_is_checked_for_the_user(demo_data):
    coesfeld = Organisation.objects.get(slug="kreis-coesfeld")
    leverkusen = Organisation.objects.get(slug="leverkusen")
    projection = Projection.objects.get(recipient=coesfeld)
    outsider = UserFactory(role="finance", organisation=leverkusen)
    with pytest.raises(ReportInputError) as error:
        get_kind("projection").clean_options(
            {"projection": projection.pk}, recipient=coesfeld, user=outsider
        )
    assert error.value.field == "projection"


def report_form(kind, **extra):
    data = {
        "kind": kind,
        "recipient": "leverkusen",
        "year": "2025",
        "scenario": "",
        "body": "Stadt Leverkusen",
        "department": "",
        "file_number": "2024/3092",
        "paper_date": "03.06.2024",
        "subject": "Szenarien",
        "committee-TOTAL_FORMS": "4",
        "committee-INITIAL_FORMS": "0",
        "committee-MIN_NUM_FORMS": "0",
        "committee-MAX_NUM_FORMS": "4",
        "action": "preview",
    }
    data.update(extra)
    return data


def test_report_form_names_a_missing_option_at_its_field(client, leverkusen_finance):
    client.force_login(leverkusen_finance)
    response = client.post("/berichte/neu/", report_form("scenario_comparison"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["compare_scenarios"] == [
        "Bitte ein bis vier Szenarien für den Vergleich wählen."
    ]
    response = client.post(
        "/berichte/neu/",
        report_form(
            "scenario_comparison",
            compare_scenarios=["szenario-2", "szenario-4"],
            last_year="2026",
        ),
    )
    assert response.status_code == 200
    assert not response.context["form"].errors
    text = response.content.decode()
    assert "Szenariovergleich Stadt Leverkusen 2025–2026" in text
    assert "Szenario 4: Baustein 2 auf fünf Stellen" in text


def test_report_form_started_from_the_comparison_page(client, leverkusen_finance):
    client.force_login(leverkusen_finance)
    page = client.get("/foerderung/szenarien/vergleich/?scenarios=szenario-4&years=2025-2026")
    url = page.context["report_url"]
    assert "compare_scenarios=szenario-4" in url and "last_year=2026" in url
    form = client.get(url).context["form"]
    assert form.initial["kind"] == "scenario_comparison"
    assert form.initial["compare_scenarios"] == ["szenario-4"]


def test_api_publishes_with_options_and_names_bad_ones(leverkusen_finance):
    from tests.api_helpers import token_client

    body = {
        "kind": "scenario_comparison",
        "recipient": "leverkusen",
        "year": 2025,
        "header": {
            "body": "Stadt Leverkusen",
            "file_number": "2024/3092",
            "paper_date": "2024-06-03",
            "subject": "Szenarien",
        },
        "options": {"compare_scenarios": ["szenario-9"], "last_year": 2026},
    }
    api = token_client(leverkusen_finance)
    response = api.post("/api/reports/", body, format="json")
    assert response.status_code == 400
    assert "compare_scenarios" in response.json()["options"]
    body["options"]["compare_scenarios"] = ["szenario-4"]
    response = api.post("/api/reports/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["parameters"]["options"] == {
        "compare_scenarios": ["szenario-4"],
        "last_year": 2026,
    }

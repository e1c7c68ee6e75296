"""``/api/reports/``: list and detail of published reports in the user's scope, the PDF, and
publishing by POST with its permission and input checks; the list's pinned query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.models import PublishedReport
from tests.api_helpers import token_client
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)
from tests.test_reports_services import many_reports

pytestmark = pytest.mark.django_db

LIST = reverse("reports:api-report-list")


@pytest.fixture
def city():
    """One case manager, 1.0 FTE all 2024, employer gross 60,000.00, rate 57,000/FTE."""
    city = OrganisationFactory(name="Stadt Musterhausen", slug="musterhausen")
    rate = FundingRateFactory(
        block=BuildingBlockFactory(number=2), amount=Decimal("57000"), valid_from=date(2023, 1, 1)
    )
    position = PositionFactory(recipient=city, block=rate.block, planned_start=date(2024, 1, 1))
    OccupancyFactory(position=position)
    PositionCostFactory(position=position, year=2024, employer_gross=Decimal("60000.00"))
    return city


def body(**overrides):
    data = {
        "kind": "cost_overview",
        "recipient": "musterhausen",
        "year": 2024,
        "header": {
            "body": "Stadt Musterhausen",
            "file_number": "2024/0815",
            "paper_date": "2024-12-02",
            "subject": "KIM NRW: Kosten 2024",
            "committees": [
                {"committee": "Rat", "meeting_date": "2024-12-16", "role": "Entscheidung"}
            ],
        },
    }
    data.update(overrides)
    return data


def test_finance_publishes_and_council_reads_and_downloads(finance, council):
    response = token_client(finance).post(LIST, body(), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert data["version"] == 1
    assert data["recipient"] == "musterhausen"
    assert data["header"]["committees"][0]["role"] == "Entscheidung"
    assert data["published_by"] == finance.username
    report = PublishedReport.objects.get()
    assert data["sha256"] == report.sha256

    reader = token_client(council)
    listed = reader.get(LIST).data["results"]
    assert [r["id"] for r in listed] == [report.pk]
    detail = reader.get(reverse("reports:api-report-detail", args=[report.pk]))
    assert detail.data["title"] == "Kostenübersicht Stadt Musterhausen 2024"
    pdf = reader.get(reverse("reports:api-report-pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(report.pdf)

    again = token_client(finance).post(LIST, body(), format="json")
    assert again.data["version"] == 2
    assert {r["latest_version"] for r in reader.get(LIST).data["results"]} == {2}


def test_council_may_not_publish(council):
    response = token_client(council).post(LIST, body(), format="json")
    assert response.status_code == 403
    assert PublishedReport.objects.count() == 0


def test_reports_are_read_only_through_the_api(finance, council, monkeypatch):
    from reports import rendering

    monkeypatch.setattr(rendering, "write_pdf", lambda html, report: (b"%PDF-1.7 stub", 1))
    token_client(finance).post(LIST, body(), format="json")
    report = PublishedReport.objects.get()
    url = reverse("reports:api-report-detail", args=[report.pk])
    client = token_client(finance)
    # No change or delete permission for anybody (403), and no route for it either.
    assert client.patch(url, {"subject": "x"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert PublishedReport.objects.get().subject == "KIM NRW: Kosten 2024"


def test_other_scope_gets_404_and_cannot_publish_for_another_recipient(finance, city, monkeypatch):
    from reports import rendering

    monkeypatch.setattr(rendering, "write_pdf", lambda html, report: (b"%PDF-1.7 stub", 1))
    token_client(finance).post(LIST, body(), format="json")
    report = PublishedReport.objects.get()
    outsider = UserFactory(role="finance", organisation=OrganisationFactory(slug="anderswo"))
    client = token_client(outsider)
    assert client.get(LIST).data["results"] == []
    assert client.get(reverse("reports:api-report-detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:api-report-pdf", args=[report.pk])).status_code == 404
    response = client.post(LIST, body(), format="json")
    assert response.status_code == 400
    assert response.data["recipient"] == ["Unbekannter Zuwendungsempfänger „musterhausen“."]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"year": 1850}, "year", "Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2022."),
        (
            {"year": 2019},
            "year",
            "Für 2019 sind bei Stadt Musterhausen keine Stellen und keine Programmkosten "
            "erfasst. Bitte ein Jahr mit Daten wählen.",
        ),
        ({"scenario": "gibt-es-nicht"}, "scenario", "Unbekanntes Szenario „gibt-es-nicht“."),
    ],
)
def test_bad_input_answers_400_in_german(finance, overrides, field, message):
    response = token_client(finance).post(LIST, body(**overrides), format="json")
    assert response.status_code == 400
    assert [str(m) for m in response.data[field]] == [message]
    assert PublishedReport.objects.count() == 0


# The token with its user and the user's role, its permissions, the count and the page of rows
# with recipient, scenario, publisher and latest version. No query per row.
API_LIST_QUERIES = 4


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_pinned(council, finance, city, n, django_assert_num_queries):
    many_reports(city, finance, n)
    client = token_client(council)
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get(LIST)
    assert response.data["count"] == n

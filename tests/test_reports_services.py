"""Publishing council reports: immutable rows with their PDF and hash, versions per series,
who sees what (council: published only; other recipients: 404), the form's German messages
and the pinned query count of the list."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import ImmutableReportError, PublishedReport, series_key
from reports.registry import CouncilHeader, ReportRequest
from reports.services import report_publish
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FORM = reverse("reports:report_form")
LIST = reverse("reports:publishedreport_list")


@pytest.fixture
def city():
    """One case manager at the city, 1.0 FTE all 2024, employer gross 60,000.00; the rate
    57,000/FTE: funding 57,000.00, own share 3,000.00. A second position, vacant all year."""
    city = OrganisationFactory(name="Stadt Musterhausen", slug="musterhausen")
    rate = FundingRateFactory(
        block=BuildingBlockFactory(number=2), amount=Decimal("57000"), valid_from=date(2023, 1, 1)
    )
    filled = PositionFactory(
        recipient=city,
        block=rate.block,
        title="Casemanagement KI 1",
        planned_start=date(2024, 1, 1),
    )
    OccupancyFactory(position=filled)
    PositionCostFactory(position=filled, year=2024, employer_gross=Decimal("60000.00"))
    PositionFactory(
        recipient=city,
        block=rate.block,
        title="Casemanagement KI 2",
        planned_start=date(2024, 1, 1),
    )
    return city


@pytest.fixture
def fast_pdf(monkeypatch):
    """WeasyPrint replaced by a stub for tests about rows and permissions, not the PDF
    (the PDF itself: tests/test_reports_pdf.py)."""
    from reports import rendering

    monkeypatch.setattr(rendering, "write_pdf", lambda html, report: (b"%PDF-1.7 stub", 1))


def form_data(action="preview", **overrides):
    data = {
        "kind": "cost_overview",
        "recipient": "musterhausen",
        "year": "2024",
        "scenario": "",
        "body": "Stadt Musterhausen\nDer Bürgermeister",
        "department": "50",
        "file_number": "2024/0815",
        "paper_date": "02.12.2024",
        "subject": "KIM NRW: Kosten 2024",
        "committee-TOTAL_FORMS": "4",
        "committee-INITIAL_FORMS": "0",
        "committee-MIN_NUM_FORMS": "0",
        "committee-MAX_NUM_FORMS": "4",
        "committee-0-committee": "Sozialausschuss",
        "committee-0-meeting_date": "05.12.2024",
        "committee-0-role": "Vorberatung",
        "committee-1-committee": "Rat",
        "committee-1-meeting_date": "16.12.2024",
        "committee-1-role": "Entscheidung",
        "action": action,
    }
    data.update(overrides)
    return data


def publish(user, recipient, file_number="2024/0815", year=2024, kind="cost_overview"):
    header = CouncilHeader(
        body=recipient.name,
        file_number=file_number,
        paper_date=date(2024, 12, 2),
        subject="KIM NRW: Kosten 2024",
    )
    request = ReportRequest(kind=kind, recipient=recipient, year=year, header=header)
    return report_publish(request=request, actor=user)


# --- Publishing and immutability -------------------------------------------------------------


def test_publish_stores_the_pdf_with_hash_actor_parameters_and_history(finance, city):
    import hashlib

    report = publish(finance, city)
    report.refresh_from_db()
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF-")
    assert report.sha256 == hashlib.sha256(pdf).hexdigest()
    assert report.size == len(pdf)
    assert report.version == 1
    assert report.published_by == finance
    assert report.parameters == {
        "kind": "cost_overview",
        "recipient": "musterhausen",
        "year": 2024,
        "scenario": None,
    }
    assert report.header["file_number"] == "2024/0815"
    assert report.title == "Kostenübersicht Stadt Musterhausen 2024"
    history = report.history.get()
    assert history.history_type == "+"
    assert history.history_user == finance
    assert history.sha256 == report.sha256


def test_a_published_report_cannot_be_changed_or_deleted(finance, city, fast_pdf):
    report = publish(finance, city)
    report.subject = "anders"
    with pytest.raises(ImmutableReportError):
        report.save()
    with pytest.raises(ImmutableReportError):
        report.delete()
    with pytest.raises(ImmutableReportError):
        PublishedReport.objects.filter(pk=report.pk).update(subject="anders")
    with pytest.raises(ImmutableReportError):
        PublishedReport.objects.filter(pk=report.pk).delete()
    assert PublishedReport.objects.get(pk=report.pk).subject == "KIM NRW: Kosten 2024"


def test_a_correction_is_the_next_version_and_the_old_one_stays(finance, city, fast_pdf):
    first = publish(finance, city)
    second = publish(finance, city)
    other = publish(finance, city, file_number="2024/0999")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.series_key == second.series_key != other.series_key
    assert PublishedReport.objects.count() == 3
    assert bytes(PublishedReport.objects.get(pk=first.pk).pdf).startswith(b"%PDF-")


def test_nobody_may_change_reports_through_permissions(finance, council):
    for user in (finance, council):
        assert not user.has_perm("reports.change_publishedreport")
        assert not user.has_perm("reports.delete_publishedreport")
    assert finance.has_perm("reports.add_publishedreport")
    assert not council.has_perm("reports.add_publishedreport")
    assert council.has_perm("reports.view_publishedreport")


def test_a_failed_rendering_publishes_nothing(finance, city, monkeypatch, client):
    from reports import rendering

    def broken(html, report):
        raise RuntimeError("boom")

    monkeypatch.setattr(rendering, "write_pdf", broken)
    client.force_login(finance)
    # The job fails in the worker (here: at once); its page says so in German, with a retry.
    response = client.post(FORM, form_data("publish"), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Der Auftrag ist unerwartet fehlgeschlagen" in html
    assert "Erneut versuchen" in html
    assert PublishedReport.objects.count() == 0


# --- Pages ------------------------------------------------------------------------------------


def test_finance_previews_downloads_a_draft_and_publishes(client, finance, city):
    client.force_login(finance)
    page = client.get(FORM)
    assert page.status_code == 200
    assert 'value="musterhausen" selected' in page.content.decode()

    preview = client.post(FORM, form_data("preview"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Vorschau (Entwurf, nicht veröffentlicht)" in html
    # 60,000.00 cost, 57,000.00 funding, 3,000.00 own share (see the fixture).
    assert "60.000,00\xa0€" in html and "57.000,00\xa0€" in html and "3.000,00\xa0€" in html
    assert "2024/0815" in html and "Sozialausschuss" in html
    assert PublishedReport.objects.count() == 0

    # The draft is made by a job; its page offers the PDF.
    job = client.post(FORM, form_data("pdf"), follow=True)
    assert "Herunterladen" in job.content.decode()
    draft = client.get(job.redirect_chain[-1][0] + "ergebnis/")
    assert draft["Content-Type"] == "application/pdf"
    assert "entwurf-kostenuebersicht-musterhausen-2024.pdf" in draft["Content-Disposition"]
    assert PublishedReport.objects.count() == 0

    published = client.post(FORM, form_data("publish"))
    report = PublishedReport.objects.get()
    assert published.status_code == 302
    assert published["Location"] == report.get_absolute_url()
    detail = client.get(report.get_absolute_url()).content.decode()
    assert "als Version 1 veröffentlicht" in detail
    assert report.sha256 in detail
    assert [s["committee"] for s in report.header["committees"]] == ["Sozialausschuss", "Rat"]


def test_positions_preview_marks_vacancies(client, finance):
    client.force_login(finance)
    html = client.post(FORM, form_data("preview", kind="positions")).content.decode()
    assert "Casemanagement KI 2" in html
    assert '<tr class="vacant">' in html
    assert "unbesetzt" in html


def test_council_sees_published_reports_only(client, finance, council, city):
    report = publish(finance, city)
    client.force_login(council)
    assert client.get(FORM).status_code == 403
    assert client.post(FORM, form_data("preview")).status_code == 403
    assert client.post(FORM, form_data("pdf")).status_code == 403
    assert client.post(FORM, form_data("publish")).status_code == 403
    listing = client.get(LIST).content.decode()
    assert report.title in listing
    assert "Bericht erstellen" not in listing
    download = client.get(reverse("reports:publishedreport_download", args=[report.pk]))
    assert download.status_code == 200
    assert bytes(download.content) == bytes(report.pdf)
    assert download["X-Content-SHA256"] == report.sha256
    assert PublishedReport.objects.count() == 1


def test_other_recipients_and_carriers_see_nothing(client, finance, city, fast_pdf):
    report = publish(finance, city)
    other_city = OrganisationFactory(slug="anderstadt")
    outsider = UserFactory(role="finance", organisation=other_city)
    client.force_login(outsider)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("reports:publishedreport_download", args=[report.pk])).status_code == 404
    )
    assert report.title not in client.get(LIST).content.decode()
    # A finance user cannot make a report of another recipient: not among the choices.
    response = client.post(FORM, form_data("publish"))
    assert response.status_code == 200
    assert "Diesen Zuwendungsempfänger gibt es nicht" in response.content.decode()
    assert PublishedReport.objects.count() == 1

    carrier = UserFactory(role="carrier", organisation=CarrierFactory())
    client.force_login(carrier)
    assert client.get(LIST).status_code == 403
    assert (
        client.get(reverse("reports:publishedreport_download", args=[report.pk])).status_code == 404
    )
    assert client.get(FORM).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recipient": "gibt-es-nicht"}, "recipient", "Diesen Zuwendungsempfänger gibt es nicht"),
        ({"year": "zweitausend"}, "year", "Bitte ein Jahr zwischen 2000 und 2100 angeben"),
        ({"year": "1850"}, "year", "Bitte ein Jahr zwischen 2000 und 2100 angeben"),
        ({"year": "2019"}, "year", "Für 2019 sind bei Stadt Musterhausen keine Stellen"),
        ({"paper_date": "31.02.2024"}, "paper_date", "Bitte ein Datum wie 16.12.2024 angeben."),
        ({"file_number": ""}, "file_number", ""),
        (
            {"committee-2-meeting_date": "01.12.2024"},
            "committee-2-committee",
            "Bitte das Gremium angeben.",
        ),
        ({"kind": "unbekannt"}, "kind", ""),
    ],
)
def test_bad_input_gets_a_german_message_next_to_the_field(
    client, finance, overrides, field, message
):
    client.force_login(finance)
    for action in ("preview", "publish"):
        response = client.post(FORM, form_data(action, **overrides))
        html = response.content.decode()
        assert response.status_code == 200
        assert f'id="id_{field}_error"' in html or (
            f'data-field="{field.split("-")[-1]}"' in html and "field__error" in html
        )
        if message:
            assert message in html
    assert PublishedReport.objects.count() == 0


def test_a_report_too_large_gets_a_message(client, finance, settings):
    settings.REPORTS_MAX_POSITIONS = 1
    client.force_login(finance)
    response = client.post(FORM, form_data("publish", kind="positions"))
    assert response.status_code == 200
    assert "höchstens 1 Stellen passen in einen Bericht" in response.content.decode()
    assert PublishedReport.objects.count() == 0


# --- The list's query count -------------------------------------------------------------------


def many_reports(recipient, user, n):
    """``n`` reports in ``n // 2`` series of two versions (bulk: no rendering)."""
    now = timezone.now()
    rows = []
    for i in range(n):
        key = series_key("cost_overview", recipient.pk, 2024, None, f"2024/{i // 2}")
        rows.append(
            PublishedReport(
                kind="cost_overview",
                recipient=recipient,
                year=2024,
                series_key=key,
                version=i % 2 + 1,
                title=f"Bericht {i}",
                file_number=f"2024/{i // 2}",
                paper_date=date(2024, 12, 2),
                subject="Kosten",
                header={},
                parameters={},
                pdf=b"%PDF-1.7 test",
                sha256="0" * 64,
                size=13,
                page_count=1,
                data_as_of=now,
                published_by=user,
                published_at=now,
            )
        )
    PublishedReport.objects.bulk_create(rows)


# Session and user with its role (2), the user's and its groups' permissions (1), the count
# and the page of rows with recipient, scenario, publisher and latest version (2), the
# organisation shown in the header (1). No query per row.
LIST_QUERIES = 6


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_pinned(client, council, finance, city, n, django_assert_num_queries):
    many_reports(city, finance, n)
    client.force_login(council)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"year": "2024"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{n} Einträge" in html or f"{n:,}".replace(",", ".") + " Einträge" in html
    assert "ersetzt durch Version 2" in html

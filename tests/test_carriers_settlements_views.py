"""The settlement pages and API (seed 003, Kreis Coesfeld): who sees which statement (404
outside the scope), the council reads and writes nothing, carriers see nothing, issuing from
the page with German messages next to the field, advances, and pinned query counts."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from django.utils import timezone

from carriers.models import AdvancePayment, CostSplit, Organisation, SettlementStatement
from carriers.settlements import services
from tests.api_helpers import token_client
from tests.conftest import coesfeld_for_settlements
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/traeger/abrechnungen/"
ISSUE = "/traeger/abrechnungen/erstellen/"
API = "/api/settlements/"


def org(slug):
    return Organisation.objects.get(slug=slug)


@pytest.fixture(scope="class")
def _nord_issued(_demo_data_module, django_db_blocker):
    """Region Nord 2023 issued once for the tests of ``TestRegionNordIssued`` (four statements,
    four PDFs rendered), in a savepoint of the module's demo data, rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        coesfeld = coesfeld_for_settlements()
        split = CostSplit.objects.get(name="Region Nord", scenario__isnull=True)
        issued = services.statements_issue_all(
            recipient=coesfeld,
            year=2023,
            actor=UserFactory(role="finance", organisation=coesfeld),
            split=split,
        )
        yield [statement.pk for statement in issued]
        transaction.set_rollback(True)


@pytest.fixture
def nord(_nord_issued, demo_data):
    """Region Nord 2023 issued: Coesfeld (employer), Billerbeck, Havixbeck, Rosendahl."""
    statements = SettlementStatement.objects.in_bulk(_nord_issued)
    return [statements[pk] for pk in _nord_issued]


def login(client, role, organisation):
    client.force_login(UserFactory(role=role, organisation=organisation))
    return client


def statement_of(statements, slug):
    return next(s for s in statements if s.town.slug == slug)


class TestRegionNordIssued:
    """Who reads the four issued statements of Region Nord 2023."""

    def test_town_sees_its_own_statement_not_another_towns(self, client, nord):
        login(client, "town", org("billerbeck"))
        own, other = statement_of(nord, "billerbeck"), statement_of(nord, "havixbeck")
        assert client.get(f"{LIST}{own.pk}/").status_code == 200
        assert client.get(f"{LIST}{own.pk}/pdf/").status_code == 200
        assert client.get(f"{LIST}{other.pk}/").status_code == 404
        assert client.get(f"{LIST}{other.pk}/pdf/").status_code == 404
        page = client.get(LIST).content.decode()
        assert org("billerbeck").name in page and org("havixbeck").name not in page
        # A town issues nothing.
        assert client.get(ISSUE).status_code == 403

    def test_employer_town_sees_its_splits_statements(self, client, nord):
        login(client, "town", org("coesfeld"))
        for s in nord:
            assert client.get(f"{LIST}{s.pk}/").status_code == 200

    def test_carrier_sees_nothing(self, client, nord):
        login(client, "carrier", org("caritas-leverkusen"))
        assert client.get(f"{LIST}{nord[0].pk}/").status_code == 404
        api = token_client(UserFactory(role="carrier", organisation=org("caritas-leverkusen")))
        assert api.get(f"{API}{nord[0].pk}/").status_code == 404
        assert api.get(API).json()["results"] == []

    def test_council_reads_and_writes_nothing(self, client, coesfeld, nord):
        login(client, "council", coesfeld)
        s = statement_of(nord, "rosendahl")
        assert client.get(f"{LIST}{s.pk}/").status_code == 200
        assert client.get(ISSUE).status_code == 403
        assert client.get("/traeger/abrechnungen/abschlaege/neu/").status_code == 403
        api = token_client(UserFactory(role="council", organisation=coesfeld))
        response = api.post(
            f"{API}issue/", {"split": s.split_id, "town": s.town_id, "year": 2023, "replaces": 1}
        )
        assert response.status_code == 403
        assert SettlementStatement.objects.filter(town=s.town).count() == 1

    def test_detail_shows_figures_history_and_pdf(self, client, coesfeld_finance, nord):
        client.force_login(coesfeld_finance)
        s = statement_of(nord, "billerbeck")
        page = client.get(f"{LIST}{s.pk}/").content.decode()
        own = f"{s.own_share:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        assert f"{own}\u00a0€" in page
        assert "PDF herunterladen" in page and "Änderungsverlauf" in page
        assert client.get(f"{LIST}{s.pk}/verlauf/").status_code == 200
        pdf = client.get(f"{LIST}{s.pk}/pdf/")
        assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(s.pdf)


def test_issue_page_preview_sum_row_is_the_engines_totals(client, coesfeld, coesfeld_finance):
    client.force_login(coesfeld_finance)
    page = client.get(ISSUE, {"year": 2023}).content.decode()
    # Region Süd 2023 (seed test): funding 98,541.67, own share 29,143.54; Olfen 5,828.70.
    for figure in ("98.541,67\u00a0€", "29.143,54\u00a0€", "5.828,70\u00a0€", "5.828,71\u00a0€"):
        assert figure in page
    assert page.count("Ausstellen") >= 11


def test_issue_page_issues_and_open_year_is_refused_next_to_the_year(
    client, coesfeld, coesfeld_finance
):
    client.force_login(coesfeld_finance)
    split = CostSplit.objects.get(name="Region Mitte", scenario__isnull=True)
    town = org("nottuln")
    data = {"recipient": "kreis-coesfeld", "split": split.pk, "town": town.pk}
    response = client.post(ISSUE, {**data, "year": 2024})
    assert response.status_code == 400
    form = response.context["form"]
    assert "noch nicht abgeschlossen" in form.errors["year"][0]
    assert not SettlementStatement.objects.exists()

    response = client.post(ISSUE, {**data, "year": 2023})
    assert response.status_code == 200
    statement = SettlementStatement.objects.get()
    assert (statement.town, statement.number, statement.issued_by) == (town, 1, coesfeld_finance)


def test_advance_create_page_german_message_next_to_the_field(client, coesfeld, coesfeld_finance):
    client.force_login(coesfeld_finance)
    split = CostSplit.objects.get(name="Region Mitte", scenario__isnull=True)
    url = "/traeger/abrechnungen/abschlaege/neu/"
    data = {
        "split": split.pk,
        "town": org("duelmen").pk,
        "year": "2023",
        "paid_on": "01.07.2023",
        "amount": "2.500,00",
        "note": "",
    }
    response = client.post(url, data)
    assert "keinen Abschlag an sich selbst" in response.context["form"].errors["town"][0]
    response = client.post(url, {**data, "town": org("nottuln").pk})
    assert response.status_code == 302
    advance = AdvancePayment.objects.get()
    assert (advance.amount, advance.recipient) == (D("2500.00"), coesfeld)
    assert advance.history.first().history_user == coesfeld_finance


def test_advances_api_crud_with_if_match(coesfeld, coesfeld_finance):
    api = token_client(coesfeld_finance)
    split = CostSplit.objects.get(name="Region Mitte", scenario__isnull=True)
    body = {
        "split": split.pk,
        "town": org("nottuln").pk,
        "year": 2023,
        "paid_on": "2023-07-01",
        "amount": "1000.00",
    }
    created = api.post("/api/advance-payments/", body, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/advance-payments/{created.json()['id']}/"
    etag = api.get(url)["ETag"]
    stale = api.patch(url, {"amount": "1200.00"}, format="json", HTTP_IF_MATCH='"x-1-v0"')
    assert stale.status_code == 412
    changed = api.patch(url, {"amount": "1200.00"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["amount"] == "1200.00"
    town_api = token_client(UserFactory(role="town", organisation=org("olfen")))
    assert town_api.get(url).status_code == 404
    assert api.delete(url, HTTP_IF_MATCH=changed["ETag"]).status_code == 204


def test_api_issue_detail_pdf_and_refusal(coesfeld, coesfeld_finance):
    api = token_client(coesfeld_finance)
    split = CostSplit.objects.get(name="Region Mitte", scenario__isnull=True)
    body = {"split": split.pk, "town": org("nottuln").pk, "year": 2023}
    response = api.post(f"{API}issue/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"] == 1 and data["town_slug"] == "nottuln"
    detail = api.get(f"{API}{data['id']}/")
    assert detail["ETag"] and detail.json()["own_share"] == data["own_share"]
    pdf = api.get(f"{API}{data['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = api.post(f"{API}issue/", body, format="json")
    assert again.status_code == 400
    assert "schon ausgestellt" in again.json()["town"][0]
    rows = api.get(API, {"town": "nottuln", "year": 2023}).json()["results"]
    assert [r["id"] for r in rows] == [data["id"]]


def bulk_statements(n, coesfeld, user):
    split = CostSplit.objects.get(name="Region Süd", scenario__isnull=True)
    towns = list(Organisation.objects.filter(split_memberships__split=split))
    now = timezone.now()
    SettlementStatement.objects.bulk_create(
        SettlementStatement(
            recipient=coesfeld,
            split=split,
            town=towns[i % len(towns)],
            employer_town=split.employer_town,
            year=2023,
            number=i + 1,
            state="superseded",
            split_method="equal",
            member_count=5,
            position_count=3,
            **{
                f: D("1.00")
                for f in (
                    "region_employer_gross",
                    "region_material",
                    "region_one_off",
                    "region_overhead",
                    "region_total_cost",
                    "region_funding",
                    "region_own_share",
                    "employer_gross",
                    "material",
                    "one_off",
                    "overhead",
                    "total_cost",
                    "funding_share",
                    "own_share",
                    "advances",
                    "balance",
                )
            },
            issued_by=user,
            issued_at=now,
            pdf=b"%PDF",
            pdf_sha256="0" * 64,
            pdf_size=4,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 60])
def test_list_page_query_count_is_constant(
    n, client, coesfeld, coesfeld_finance, django_assert_num_queries
):
    bulk_statements(n, coesfeld, coesfeld_finance)
    client.force_login(coesfeld_finance)
    client.get(LIST)  # warm the session and the user's groups
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = client.get(LIST, {"year": 2023})
    assert response.status_code == 200
    assert response.context["result_count"] == n


@pytest.mark.parametrize("n", [10, 60])
def test_list_endpoint_query_count_is_constant(
    n, coesfeld, coesfeld_finance, django_assert_num_queries
):
    bulk_statements(n, coesfeld, coesfeld_finance)
    api = token_client(coesfeld_finance)
    with django_assert_num_queries(LIST_API_QUERIES):
        response = api.get(API, {"year": 2023, "limit": 1000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == n


# Session, user with its role, permissions, count, totals, rows, filter choices (splits, towns).
LIST_PAGE_QUERIES = 9
# Token and user with its role, count, rows (joined), permissions.
LIST_API_QUERIES = 4

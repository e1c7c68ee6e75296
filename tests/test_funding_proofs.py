"""The proof of use (issue 15): the numeric proof by hand for a small plan with two calls and
a refund with interest, the Leverkusen figures of the seeds, open years refused, the factual
report drafted and edited in the browser, the XLSX. Expected figures by hand in comments."""

import json
from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.choices import NoticeKind
from funding.models import BaseRate, FundsPayment, GrantNoticeBlock, ProofOfUse, YearClosing
from funding.overview import cost_overview
from funding.proofs.selectors import proof_of_use
from tests import generic
from tests.factories import (
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OrganisationFactory,
    UserFactory,
    YearClosingFactory,
)
from tests.test_funding_funds import call, small_plan


def proof_json(recipient: str, year: int, *extra) -> dict:
    out = StringIO()
    call_command("proof_of_use", "--recipient", recipient, "--year", str(year), *extra, stdout=out)
    return json.loads(out.getvalue())


def two_calls(notice):
    """Two calls of 28,500 (first and second half year), each paid in full."""
    first = call(notice, "28500.00", date(2024, 1, 10), date(2024, 1, 1), date(2024, 6, 30))
    second = call(notice, "28500.00", date(2024, 7, 1), date(2024, 7, 1), date(2024, 12, 31))
    FundsPayment.objects.create(call=first, received_on=date(2024, 1, 15), amount=D("28500"))
    FundsPayment.objects.create(call=second, received_on=date(2024, 7, 10), amount=D("28500"))


@pytest.mark.django_db
def test_small_proof_with_two_calls_and_a_refund_with_interest():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    two_calls(notice)
    BaseRate.objects.all().delete()
    BaseRate.objects.create(valid_from=date(2024, 1, 1), percent=D("3.62"))
    BaseRate.objects.create(valid_from=date(2024, 7, 1), percent=D("3.37"))

    proof = proof_of_use(recipient, 2024, date(2024, 12, 31))

    # Cost: the actual 45,000 (filled 01.01.–30.09.). Funding due: 57,000 × 9/12 = 42,750
    # (under the employer gross of 45,000). Approved: 1 FTE × 57,000 = 57,000.
    (personnel,) = [line for line in proof.lines if line.cost_type == "personnel"]
    assert (personnel.approved, personnel.actual, personnel.difference, personnel.funding_due) == (
        D("57000.00"),
        D("45000.00"),
        D("-12000.00"),  # 45,000 − 57,000
        D("42750.00"),
    )
    assert (proof.total_cost, proof.funding_due) == (D("45000.00"), D("42750.00"))
    # Received 2 × 28,500 = 57,000; balance 57,000 − 42,750 = 14,250 to refund.
    assert proof.funding_received == D("57000.00")
    assert proof.balance == D("14250.00")
    # Own share 45,000 − 42,750 = 2,250, the recipient's (its own position).
    assert proof.own_share == D("2250.00")
    # The second payment (10.07.2024) overpaid the 14,250: 10.07.–31.12.2024 is 174 days
    # (21 + 31 + 30 + 31 + 30 + 31) at 3.37 + 5 = 8.37 %:
    # 14,250 × 0.0837 × 174 / 365 = 568.586… -> 568.59
    (refund,) = proof.refunds
    assert (refund.overpaid_on, refund.amount, refund.days) == (
        date(2024, 7, 10),
        D("14250.00"),
        174,
    )
    assert refund.interest == D("568.59")
    assert proof.refund_interest == D("568.59")


@pytest.mark.django_db
def test_small_proof_with_one_amendment_two_calls_and_a_refund_with_interest():
    """The same small proof, with an amendment (Änderungsbescheid) of 01.07.2024 that lowers
    the approval to 0.75 FTE: the approved column is the amendment's, never original and
    amendment added."""
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    amendment = GrantNoticeFactory(
        recipient=recipient,
        programme=notice.programme,
        kind=NoticeKind.AMENDMENT,
        amends=notice,
        issued_on=date(2024, 6, 20),
        effective_from=date(2024, 7, 1),
        period_start=notice.period_start,
    )
    block = GrantNoticeBlock.objects.get(notice=notice).block
    GrantNoticeBlockFactory(notice=amendment, block=block, approved_fte=D("0.75"))
    two_calls(notice)
    BaseRate.objects.all().delete()
    BaseRate.objects.create(valid_from=date(2024, 1, 1), percent=D("3.62"))
    BaseRate.objects.create(valid_from=date(2024, 7, 1), percent=D("3.37"))

    proof = proof_of_use(recipient, 2024, date(2024, 12, 31))

    (personnel,) = [line for line in proof.lines if line.cost_type == "personnel"]
    # Approved by the amendment for the year it takes effect in: 0.75 × 57,000 = 42,750
    # (not 1 × 57,000, not 1.75 × 57,000); actual 45,000; difference 45,000 − 42,750 = 2,250.
    assert (personnel.approved, personnel.actual, personnel.difference) == (
        D("42750.00"),
        D("45000.00"),
        D("2250.00"),
    )
    # Due as before: 57,000 × 9/12 = 42,750; received 57,000: 14,250 to refund from the
    # second payment (10.07.2024), 174 days at 8.37 %: 14,250 × 0.0837 × 174 / 365 = 568.59.
    assert (proof.funding_due, proof.funding_received, proof.balance) == (
        D("42750.00"),
        D("57000.00"),
        D("14250.00"),
    )
    assert proof.refund_interest == D("568.59")


@pytest.mark.django_db
def test_less_received_than_due_is_still_to_receive():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    first = call(notice, "28500.00")
    FundsPayment.objects.create(call=first, received_on=date(2024, 1, 15), amount=D("28500"))
    proof = proof_of_use(recipient, 2024, date(2024, 12, 31))
    # 28,500 − 42,750 = −14,250: still to receive, no interest.
    assert proof.balance == D("-14250.00")
    assert proof.refunds == ()


def test_leverkusen_2022_totals_are_the_cost_overviews(demo_data, leverkusen):
    data = proof_json("leverkusen", 2022, "--as-of", "2023-06-30")
    overview = cost_overview(leverkusen, 2022).totals
    totals = data["totals"]
    # The cost overview's total_cost and funding (seed 001): 913,257.24 personnel + 49,000.00
    # events = 962,257.24; funding 547,500.00 (414101) + 78,100.00 (414100) = 625,600.00.
    assert totals["total_cost"] == f"{overview.total_cost:.2f}" == "962257.24"
    assert totals["funding_due"] == f"{overview.funding:.2f}" == "625600.00"
    # The council table of seed 001: 913,257.24 personnel cost against 576,600.00 funding.
    assert (totals["personnel_cost"], totals["position_funding"]) == ("913257.24", "576600.00")
    # No payments recorded for 2022: balance = 0 − 625,600.00.
    assert totals["funding_received"] == "0.00"
    assert totals["balance"] == "-625600.00"
    assert {(b["block"], b["cost_type"]): b["approved"] for b in data["by_block"]} == {
        (1, "personnel"): "160000.00",
        (1, "material"): "78100.00",
        (2, "personnel"): "275000.00",
        (2, "material"): "0.00",
        (3, "personnel"): "112500.00",
        (3, "material"): "0.00",
    }


def test_leverkusen_2024_demo_comes_out_with_a_small_refund(demo_data):
    data = proof_json("leverkusen", 2024, "--as-of", "2025-06-30")
    totals = data["totals"]
    # Approved and called 863,600.00: block 1 160,000 + 3 × 9,700 + 49,000; block 2
    # 9 × 57,000 = 513,000; block 3 112,500. Events actually spent 21,800 + 25,000 = 46,800
    # < the 49,000 budget: due 863,600 − 2,200 = 861,400.
    assert totals["funding_received"] == "863600.00"
    assert totals["funding_due"] == "861400.00"
    assert totals["balance"] == "2200.00"
    # Overpaid by the last payment (21.11.2024); to 30.06.2025 with the base rates
    # 3.37 % (from 01.07.2024) and 2.27 % (from 01.01.2025):
    # 2,200 × 8.37 % × 41/365 + 2,200 × 7.27 % × 180/365 = 20.684… + 78.874… = 99.56
    assert data["refunds"] == [
        {"overpaid_on": "2024-11-21", "amount": "2200.00", "days": 221, "interest": "99.56"}
    ]


def test_a_proof_for_an_open_year_is_refused(demo_data):
    with pytest.raises(CommandError, match="Das Jahr 2025 ist noch nicht abgeschlossen"):
        proof_json("leverkusen", 2025)


@pytest.mark.django_db
def test_the_coordinator_opens_and_edits_a_proof_in_the_browser(client):
    recipient = OrganisationFactory()
    two_calls(small_plan(recipient))
    user = UserFactory(role="coordinator", organisation=recipient)
    client.force_login(user)
    response = client.post(
        reverse("funding:proofofuse_add"),
        {"recipient": recipient.pk, "year": "2024", "factual_report": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proof = ProofOfUse.objects.get(recipient=recipient)
    # The draft from the data: one position of 1 FTE, filled 9 of 12 months.
    assert "Sachbericht 2024" in proof.factual_report
    assert "9 von 12 Monaten besetzt" in proof.factual_report
    page = client.get(proof.get_absolute_url()).content.decode()
    assert "Rückforderung: 14.250,00" in page
    # The recipient's own proof belongs to "Förderung & Träger", not to the carriers' proofs.
    assert 'href="/foerderung/saetze/" aria-current="page"' in page
    assert 'href="/traeger/prognosen/" aria-current="page"' not in page
    edited = client.post(
        reverse("funding:proofofuse_edit", args=[proof.pk]),
        {
            "recipient": recipient.pk,
            "year": "2024",
            "factual_report": "Ziele erreicht.",
            "version": str(proof.version),
        },
    )
    assert edited.status_code == 302
    proof.refresh_from_db()
    assert proof.factual_report == "Ziele erreicht."
    assert proof.history.latest().history_user == user
    xlsx = client.get(reverse("funding:proofofuse_xlsx", args=[proof.pk]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
def test_a_proof_for_an_open_year_is_refused_at_the_year_and_nothing_saved(client):
    recipient = OrganisationFactory()
    small_plan(recipient)
    client.force_login(UserFactory(role="finance", organisation=recipient))
    response = client.post(
        reverse("funding:proofofuse_add"),
        {"recipient": recipient.pk, "year": "2025", "factual_report": ""},
    )
    assert response.status_code == 200
    assert "noch nicht abgeschlossen" in " ".join(response.context["form"].errors["year"])
    assert not ProofOfUse.objects.filter(recipient=recipient).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_council_carriers_and_towns_see_no_proof(role, client):
    recipient = OrganisationFactory()
    small_plan(recipient)
    proof = ProofOfUse.objects.create(recipient=recipient, year=2024)
    organisation = {
        "council": recipient,
        "carrier": OrganisationFactory(kind="carrier"),
        "town": OrganisationFactory(kind="town"),
    }[role]
    client.force_login(UserFactory(role=role, organisation=organisation))
    assert client.get(reverse("funding:proofofuse_list")).status_code == 403
    # Outside their scope: the object is not there for them.
    assert client.get(proof.get_absolute_url()).status_code == 404
    assert client.get(reverse("funding:proofofuse_xlsx", args=[proof.pk])).status_code == 404


@pytest.mark.django_db
def test_proof_list_queries_are_the_same_for_10_and_1000_rows(client):
    client.force_login(UserFactory(role="admin", organisation=None))
    counts = []
    before = ProofOfUse.objects.count()
    for n in (10, 1000):
        recipients = OrganisationFactory.create_batch(n // 100 or 1)
        rows = [
            ProofOfUse(recipient=r, year=1990 + i) for r in recipients for i in range(min(n, 100))
        ]
        ProofOfUse.objects.bulk_create(rows)
        client.get(reverse("funding:proofofuse_list"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("funding:proofofuse_list"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert ProofOfUse.objects.count() - before == 1010
    assert counts[0] == counts[1]


def test_the_pdf_is_pdf_a_with_the_figures_attached(demo_data, leverkusen):
    import csv
    import io

    from pypdf import PdfReader

    from reports import rendering
    from reports.registry import CouncilHeader, ReportInputError, ReportRequest

    header = CouncilHeader(
        body="Stadt Leverkusen", file_number="", paper_date=date(2025, 6, 30), subject="VN 2024"
    )
    request = ReportRequest(kind="proof_of_use", recipient=leverkusen, year=2024, header=header)
    report = rendering.render_pdf(request)
    reader = PdfReader(io.BytesIO(report.pdf))
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp
    assert reader.metadata.title == "Verwendungsnachweis Stadt Leverkusen 2024"
    assert list(reader.attachments) == ["verwendungsnachweis-leverkusen-2024.csv"]
    data = reader.attachments["verwendungsnachweis-leverkusen-2024.csv"][0].decode("utf-8")
    totals = {
        r["measure"]: r["value"]
        for r in csv.DictReader(io.StringIO(data))
        if r["section"] == "totals"
    }
    # As the command: 863,600.00 received − 861,400.00 due = 2,200.00 to refund.
    assert (totals["funding_received"], totals["funding_due"], totals["balance"]) == (
        "863600.00",
        "861400.00",
        "2200.00",
    )
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    assert "Rückforderung: 2.200,00 €" in text
    assert "Sachbericht" in text

    open_year = ReportRequest(kind="proof_of_use", recipient=leverkusen, year=2025, header=header)
    with pytest.raises(ReportInputError) as caught:
        rendering.build(open_year)
    assert caught.value.field == "year"
    assert "noch nicht abgeschlossen" in caught.value.message


# --- the generic pages -----------------------------------------------------------------------------


def closed(recipient, year):
    if not YearClosing.objects.filter(recipient=recipient, year=year).exists():
        YearClosingFactory(recipient=recipient, year=year)


class TestProofOfUsePages(
    generic.ListPages,
    generic.DetailPages,
    generic.CreatePages,
    generic.EditPages,
    generic.DeletePages,
    generic.PermissionPages,
):
    model = ProofOfUse
    readers = ()

    def make(self, recipient):
        # One proof per recipient and closed year.
        year = 2000 + ProofOfUse.objects.filter(recipient=recipient).count()
        closed(recipient, year)
        return ProofOfUse.objects.create(recipient=recipient, year=year, factual_report="Entwurf")

    def form_data(self, recipient):
        closed(recipient, 2023)
        return {"recipient": recipient.pk, "year": "2023", "factual_report": "Ziele erreicht."}

    created = {"year": 2023, "factual_report": "Ziele erreicht."}
    edit_changes = {"factual_report": "Ziele zum Teil erreicht."}
    changed = {"year": 2023, "factual_report": "Ziele zum Teil erreicht."}
    history_shows = "Entwurf → Ziele zum Teil erreicht."

"""Only checked carrier proofs enter the recipient's proof of use (issue 15): a section per
carrier under a forwarding agreement of the year, the checked proof's figures and review note,
missing and unchecked proofs named, the proof not complete while any is missing, and the
carriers' cost never added to the recipient's. Expected figures by hand in the comments."""

import json
from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from carriers.models import CarrierProof, ProofLine
from funding.models import FundingRate, ProofOfUse
from funding.proofs.selectors import proof_of_use, proof_rows
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    ProgrammeFactory,
    UserFactory,
    YearClosingFactory,
)

YEAR = 2024


def carrier_plan(recipient):
    """Three carriers under forwarding agreements in 2024, 57,000 a FTE in block 2:
    A holds one position (1 FTE, all year, actual employer gross 60,000), its proof checked;
    B one position (1 FTE, all year, actual 50,000), its proof submitted, not checked;
    C no position, its proof a draft. Returns the carriers and A's position."""
    programme = ProgrammeFactory()
    block = BuildingBlockFactory(programme=programme, number=2)
    if not FundingRate.objects.filter(programme=programme, block=block).exists():
        FundingRateFactory(programme=programme, block=block, amount=D("57000.00"))
    notice = GrantNoticeFactory(recipient=recipient, programme=programme)
    GrantNoticeBlockFactory(notice=notice, block=block, approved_fte=D("2"))
    carriers, positions, agreements = [], [], []
    for name, gross in (("Träger A", "60000"), ("Träger B", "50000"), ("Träger C", None)):
        carrier = CarrierFactory(name=name)
        agreement = ForwardingAgreementFactory(recipient=recipient, carrier=carrier)
        if gross is not None:
            position = PositionFactory(recipient=recipient, block=block, employer=carrier)
            OccupancyFactory(position=position, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
            PositionCostFactory(
                position=position, year=YEAR, status="actual", employer_gross=D(gross)
            )
            agreement.positions.add(position)
            positions.append(position)
        carriers.append(carrier)
        agreements.append(agreement)
    YearClosingFactory(recipient=recipient, year=YEAR)
    a, b, c = agreements
    checked = CarrierProof.objects.create(
        recipient=recipient,
        carrier=a.carrier,
        agreement=a,
        year=YEAR,
        state="checked",
        funds_received=D("57000.00"),
        own_contribution=D("4000.00"),
        reviewed_on=date(2025, 3, 14),
        review_result="findings",
        findings="Gemeinkosten belegt nachgereicht.",
    )
    ProofLine.objects.create(
        proof=checked,
        position=positions[0],
        employer_gross=D("58000.00"),
        material=D("1000.00"),
        overhead=D("2000.00"),
    )
    CarrierProof.objects.create(
        recipient=recipient,
        carrier=b.carrier,
        agreement=b,
        year=YEAR,
        state="submitted",
        funds_received=D("50000.00"),
    )
    CarrierProof.objects.create(
        recipient=recipient, carrier=c.carrier, agreement=c, year=YEAR, state="draft"
    )
    return carriers


@pytest.mark.django_db
def test_only_the_checked_proof_enters_and_nothing_is_counted_twice():
    recipient = OrganisationFactory()
    carrier_plan(recipient)

    proof = proof_of_use(recipient, YEAR, date(2025, 6, 30))

    # The recipient's own figures are the engine's, carriers' proofs not added:
    # cost 60,000 + 50,000 = 110,000; funding min(57,000, 60,000) + min(57,000, 50,000)
    # = 57,000 + 50,000 = 107,000.
    assert (proof.total_cost, proof.funding_due) == (D("110000.00"), D("107000.00"))
    a, b, c = proof.carriers
    assert [(s.carrier_name, s.status_label) for s in proof.carriers] == [
        ("Träger A", "geprüft"),
        ("Träger B", "eingereicht, noch nicht geprüft"),
        ("Träger C", "Nachweis fehlt"),
    ]
    # A's checked proof: 58,000 + 1,000 + 2,000 = 61,000 actual cost; 57,000 forwarded +
    # 4,000 own contribution − 61,000 = 0 balance; against the 60,000 of the same position
    # in the recipient's figures: +1,000 deviation (shown, not added).
    assert (
        a.checked.funds_received,
        a.checked.own_contribution,
        a.checked.total_cost,
        a.checked.balance,
        a.recipient_cost,
        a.deviation,
    ) == (D("57000.00"), D("4000.00"), D("61000.00"), D("0.00"), D("60000.00"), D("1000.00"))
    assert (a.checked.reviewed_on, a.review_result_label, a.checked.findings) == (
        date(2025, 3, 14),
        "Mit Feststellungen",
        "Gemeinkosten belegt nachgereicht.",
    )
    # B's submitted proof gives no figure; its position is in the recipient's 50,000.
    assert (b.checked, b.deviation, b.recipient_cost) == (None, None, D("50000.00"))
    assert (c.checked, c.recipient_cost) == (None, D("0"))
    assert not proof.carriers_complete
    assert [s.carrier_name for s in proof.carriers_outstanding] == ["Träger B", "Träger C"]
    sheet = [row[2] for row in proof_rows(proof)]
    assert "Träger A: Ist-Kosten laut geprüftem Nachweis" in sheet
    assert "Träger B: Ist-Kosten laut geprüftem Nachweis" not in sheet
    assert "Nicht vollständig: es fehlen geprüfte Nachweise von Trägerinnen." in sheet


@pytest.mark.django_db
def test_the_command_json_and_the_page_show_the_carriers(client):
    recipient = OrganisationFactory(slug="klein")
    carrier_plan(recipient)
    out = StringIO()
    call_command(
        "proof_of_use",
        "--recipient",
        "klein",
        "--year",
        "2024",
        "--as-of",
        "2025-06-30",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["carriers_complete"] is False
    assert [(c["carrier"], c["status"]) for c in data["carriers"]] == [
        ("Träger A", "checked"),
        ("Träger B", "submitted"),
        ("Träger C", "missing"),
    ]
    # As by hand above: 57,000 forwarded, 4,000 own, 61,000 actual, +1,000 deviation.
    first = data["carriers"][0]
    assert (
        first["funds_forwarded"],
        first["own_contribution"],
        first["actual_cost"],
        first["deviation"],
    ) == ("57000.00", "4000.00", "61000.00", "1000.00")
    assert first["review"] == {
        "result": "findings",
        "result_label": "Mit Feststellungen",
        "reviewed_on": "2025-03-14",
        "findings": "Gemeinkosten belegt nachgereicht.",
    }
    assert data["carriers"][1]["actual_cost"] is None
    assert data["totals"]["total_cost"] == "110000.00"

    stored = ProofOfUse.objects.create(recipient=recipient, year=YEAR)
    client.force_login(UserFactory(role="coordinator", organisation=recipient))
    page = client.get(reverse("funding:proofofuse_detail", args=[stored.pk])).content.decode()
    assert "Der Verwendungsnachweis ist noch nicht vollständig" in page
    assert "Träger B (eingereicht, noch nicht geprüft)" in page
    assert "Träger C (Nachweis fehlt)" in page
    assert "61.000,00" in page


def test_leverkusen_2024_has_three_checked_carriers(demo_data, leverkusen):
    proof = proof_of_use(leverkusen, YEAR, date(2025, 6, 30))
    # fixtures/08: funds received 203,300 / 205,100 / 202,100, own 3,972 / 4,476 / 3,636;
    # costs 2 × (71,200 + 12,500 + 19,936) = 207,272; 2 × (72,100 + 12,500 + 20,188) =
    # 209,576; 2 × (70,600 + 12,500 + 19,768) = 205,736; every balance 0.
    figures = {
        s.agreement.agreement_id: (
            s.status,
            s.checked.funds_received,
            s.checked.own_contribution,
            s.checked.total_cost,
            s.checked.balance,
        )
        for s in proof.carriers
    }
    assert figures == {
        101: ("checked", D("203300.00"), D("3972.00"), D("207272.00"), D("0.00")),
        102: ("checked", D("205100.00"), D("4476.00"), D("209576.00"), D("0.00")),
        103: ("checked", D("202100.00"), D("3636.00"), D("205736.00"), D("0.00")),
    }
    assert proof.carriers_complete
    # The demo's checked figures repeat the positions' actuals in the recipient's plan: the
    # same 207,272 / 209,576 / 205,736 on both sides, no deviation, nothing added.
    assert [s.deviation for s in proof.carriers] == [D("0.00")] * 3
    # AWO's review note carries findings (the Zulage above S 12's reference).
    awo = next(s for s in proof.carriers if s.agreement.agreement_id == 102)
    assert awo.review_result_label == "Mit Feststellungen"
    assert "72.100,00" in awo.checked.findings


def test_the_pdf_shows_the_carriers_and_attaches_their_figures(demo_data, leverkusen):
    import csv
    import io

    from pypdf import PdfReader

    from reports import rendering
    from reports.registry import CouncilHeader, ReportRequest

    header = CouncilHeader(
        body="Stadt Leverkusen", file_number="", paper_date=date(2025, 6, 30), subject="VN 2024"
    )
    request = ReportRequest(kind="proof_of_use", recipient=leverkusen, year=YEAR, header=header)
    reader = PdfReader(io.BytesIO(rendering.render_pdf(request).pdf))
    data = reader.attachments["verwendungsnachweis-leverkusen-2024.csv"][0].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data)))
    # fixtures/08, as above: Caritas 207,272.00 actual, 203,300.00 forwarded.
    caritas = {
        r["measure"]: r["value"]
        for r in rows
        if r["section"] == "carrier" and r["key"] == "Caritasverband Leverkusen e. V."
    }
    assert (caritas["status"], caritas["actual_cost"], caritas["funds_forwarded"]) == (
        "checked",
        "207272.00",
        "203300.00",
    )
    complete = [r["value"] for r in rows if r["measure"] == "carriers_complete"]
    assert complete == ["ja"]
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    assert "Trägerinnen (Weiterleitung)" in text
    assert "Alle Trägerinnen haben einen geprüften Verwendungsnachweis." in text

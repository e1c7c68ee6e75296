"""Issuing settlement statements (carriers.settlements.services) on the Coesfeld seed (003):
the engine's figures to the cent, the refusals (nothing saved), versions, the audit history,
frozen figures and PDF after a plan change, and the PDF's text."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from carriers.models import (
    AdvancePayment,
    CostSplit,
    CostSplitMember,
    Organisation,
    SettlementStatement,
)
from carriers.settlements import services
from carriers.settlements.selectors import split_settlement
from funding.overview import cost_overview
from staffing.models import PositionCost
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUED = ["ascheberg", "nordkirchen", "senden", "luedinghausen", "olfen"]


def split(name):
    return CostSplit.objects.get(name=name, scenario__isnull=True)


def town(slug):
    return Organisation.objects.get(slug=slug)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def test_region_sued_2023_is_the_engines_figures_to_the_cent(coesfeld, coesfeld_finance):
    """Seed 003, Region Süd 2023 (tests/test_funding_coesfeld_seeds.py): funding 98,541.67, cost
    127,685.21, own share 29,143.54 / 5 = 5,828.708: four towns 5,828.71, Olfen 5,828.70."""
    sued = split("Region Süd")
    AdvancePayment.objects.create(
        recipient=coesfeld,
        split=sued,
        town=town("olfen"),
        year=2023,
        paid_on=date(2023, 7, 1),
        amount=D("3000.00"),
    )
    issued = services.statements_issue_all(
        recipient=coesfeld, year=2023, actor=coesfeld_finance, split=sued
    )
    assert len(issued) == 5
    by_town = {s.town.slug: s for s in issued}
    assert [by_town[t].own_share for t in SUED] == [D("5828.71")] * 4 + [D("5828.70")]
    by_bearer = {b.organisation.slug: b.amount for b in cost_overview(coesfeld, 2023).by_bearer}
    for s in issued:
        assert s.own_share == by_bearer[s.town.slug]
        assert s.region_funding == D("98541.67")
        assert s.region_total_cost == D("127685.21")
        assert s.region_own_share == D("29143.54")
        assert s.total_cost == s.employer_gross + s.material + s.one_off + s.overhead
        assert s.funding_share == s.total_cost - s.own_share
    assert sum(s.funding_share for s in issued) == D("98541.67")
    assert sum(s.total_cost for s in issued) == D("127685.21")
    for item in ("employer_gross", "material", "one_off", "overhead"):
        assert sum(getattr(s, item) for s in issued) == getattr(issued[0], f"region_{item}")
    # Ascheberg is the employer town: no balance with itself; Olfen paid 3,000.00 in advance.
    assert by_town["ascheberg"].is_employer_town and by_town["ascheberg"].balance == 0
    assert by_town["olfen"].advances == D("3000.00")
    assert by_town["olfen"].balance == D("2828.70")
    assert by_town["senden"].balance == D("5828.71")
    # Audit: the history records the actor.
    record = by_town["olfen"].history.first()
    assert record.history_user == coesfeld_finance


def test_year_not_closed_is_refused_and_nothing_saved(coesfeld, coesfeld_finance):
    with pytest.raises(ValidationError) as info:
        services.statement_issue(
            split=split("Region Mitte"), town=town("nottuln"), year=2024, actor=coesfeld_finance
        )
    assert (
        "2024 ist bei Kreis Coesfeld noch nicht abgeschlossen" in info.value.message_dict["year"][0]
    )
    assert not SettlementStatement.objects.exists()


def test_fixed_percent_not_summing_to_100_is_refused(coesfeld, coesfeld_finance):
    mitte = split("Region Mitte")
    mitte.method = "fixed_percent"
    mitte.save()
    CostSplitMember.objects.filter(split=mitte, organisation__slug="duelmen").update(percent=60)
    CostSplitMember.objects.filter(split=mitte, organisation__slug="nottuln").update(percent=30)
    with pytest.raises(ValidationError) as info:
        services.statement_issue(
            split=mitte, town=town("nottuln"), year=2023, actor=coesfeld_finance
        )
    assert "90 % statt 100 %" in info.value.message_dict["split"][0]
    assert not SettlementStatement.objects.exists()


def test_town_not_in_the_split_is_refused(coesfeld, coesfeld_finance):
    with pytest.raises(ValidationError) as info:
        services.statement_issue(
            split=split("Region Mitte"), town=town("olfen"), year=2023, actor=coesfeld_finance
        )
    assert "nicht beteiligt" in info.value.message_dict["town"][0]
    assert not SettlementStatement.objects.exists()


@pytest.mark.parametrize("role", ["council", "town", "carrier", "coordinator-elsewhere"])
def test_only_finance_and_coordination_of_the_recipient_issue(coesfeld, role):
    if role == "coordinator-elsewhere":
        actor = UserFactory(role="coordinator", organisation=town("leverkusen"))
    elif role == "town":
        actor = UserFactory(role="town", organisation=town("nottuln"))
    else:
        actor = UserFactory(role=role, organisation=coesfeld)
    with pytest.raises(PermissionDenied):
        services.statement_issue(
            split=split("Region Mitte"), town=town("nottuln"), year=2023, actor=actor
        )
    assert not SettlementStatement.objects.exists()


def test_issued_twice_is_refused_a_correction_is_the_next_version(coesfeld, coesfeld_finance):
    mitte, nottuln = split("Region Mitte"), town("nottuln")
    first = services.statement_issue(split=mitte, town=nottuln, year=2023, actor=coesfeld_finance)
    assert first.number == 1
    with pytest.raises(ValidationError) as info:
        services.statement_issue(split=mitte, town=nottuln, year=2023, actor=coesfeld_finance)
    assert "schon ausgestellt (Fassung 1)" in info.value.message_dict["town"][0]
    # Same figures: a correction is refused as unnecessary.
    with pytest.raises(ValidationError) as info:
        services.statement_issue(
            split=mitte, town=nottuln, year=2023, actor=coesfeld_finance, replaces=1
        )
    assert "nicht geändert" in info.value.message_dict["town"][0]
    # An advance changes the balance: the correction is version 2, version 1 stays readable.
    AdvancePayment.objects.create(
        recipient=coesfeld,
        split=mitte,
        town=nottuln,
        year=2023,
        paid_on=date(2023, 10, 1),
        amount=D("4000.00"),
    )
    second = services.statement_issue(
        split=mitte, town=nottuln, year=2023, actor=coesfeld_finance, replaces=1
    )
    first.refresh_from_db()
    assert (second.number, second.replaces, second.state) == (2, first, "issued")
    assert first.state == "superseded"
    assert first.balance == first.own_share and second.balance == first.own_share - D("4000.00")
    assert bytes(first.pdf) and first.pdf_sha256 != second.pdf_sha256


def test_issued_statement_is_frozen_after_a_plan_change(coesfeld, coesfeld_finance):
    mitte, nottuln = split("Region Mitte"), town("nottuln")
    statement = services.statement_issue(
        split=mitte, town=nottuln, year=2023, actor=coesfeld_finance
    )
    stored = {f: getattr(statement, f) for f in ("own_share", "funding_share", "total_cost")}
    pdf, sha = bytes(statement.pdf), statement.pdf_sha256

    cost = PositionCost.objects.get(position__cost_splits=mitte, year=2023)
    # The plan figure is for the full year (issue 14); the position is filled 10 of 12
    # months: +1,200.00 planned is +1,000.00 for the year, 500.00 for each of the two towns.
    cost.employer_gross += D("1200.00")
    cost.save()
    assert split_settlement(mitte, 2023).town(nottuln.pk).own_share == stored["own_share"] + D(
        "500.00"
    )

    statement = SettlementStatement.objects.get(pk=statement.pk)
    assert {f: getattr(statement, f) for f in stored} == stored
    assert bytes(statement.pdf) == pdf and statement.pdf_sha256 == sha
    with pytest.raises(ValidationError):
        statement.own_share = D("1")
        statement.save()
    with pytest.raises(ValidationError):
        SettlementStatement.objects.filter(pk=statement.pk).update(own_share=1)
    with pytest.raises(ValidationError):
        statement.delete()


def test_pdf_text_has_the_stored_figures(coesfeld, coesfeld_finance):
    mitte, nottuln = split("Region Mitte"), town("nottuln")
    statement = services.statement_issue(
        split=mitte, town=nottuln, year=2023, actor=coesfeld_finance
    )
    text = pdf_text(bytes(statement.pdf))
    assert "Abrechnung Region Mitte 2023: Gemeinde Nottuln" in text
    for value in (
        statement.own_share,
        statement.funding_share,
        statement.total_cost,
        statement.region_own_share,
        statement.region_funding,
        statement.balance,
    ):
        formatted = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        assert f"{formatted} €" in text, formatted
    assert "Fassung 1" in text
    assert "Stadt Dülmen" in text

"""A town's start page on the Coesfeld seed (003): its share, its settlement statement and the
balance it still pays, what it paid in advance, and, for the employer town, what the region
owes it. (Own module: the demo data stays loaded for the whole module.)"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from carriers.models import AdvancePayment, CostSplit, Organisation
from carriers.settlements import services as settlement_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def euro(text: str) -> str:
    return f"{text}{NBSP}€"


def html_of(response) -> str:
    return response.content.decode()


def sued_statements(coesfeld, coesfeld_finance):
    """Seed 003, Region Süd 2023 (as tests/test_carriers_settlements_services.py): own share
    29,143.54 / 5 towns = 5,828.708 -> Olfen 5,828.70; Olfen paid 3,000.00 in advance, so it
    still pays 5,828.70 - 3,000.00 = 2,828.70 to Ascheberg, the employer town."""
    sued = CostSplit.objects.get(name="Region Süd", scenario__isnull=True)
    olfen = Organisation.objects.get(slug="olfen")
    AdvancePayment.objects.create(
        recipient=coesfeld,
        split=sued,
        town=olfen,
        year=2023,
        paid_on=date(2023, 7, 1),
        amount=Decimal("3000.00"),
    )
    settlement_services.statements_issue_all(
        recipient=coesfeld, year=2023, actor=coesfeld_finance, split=sued
    )
    return olfen


def test_town_start_page_shows_share_statement_balance_and_advances(
    client, coesfeld, coesfeld_finance
):
    olfen = sued_statements(coesfeld, coesfeld_finance)
    client.force_login(UserFactory(role="town", organisation=olfen))
    response = client.get(reverse("home"), {"year": "2023"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Eine eigene Übersicht" not in html
    assert response.context["home"].share == Decimal("5828.70")
    assert euro("5.828,70") in html
    assert f"Sie zahlen {euro('2.828,70')} an Gemeinde Ascheberg." in html
    assert f"2023: {euro('3.000,00')}" in html


def test_employer_town_sees_what_the_region_owes_it(client, coesfeld, coesfeld_finance):
    sued_statements(coesfeld, coesfeld_finance)
    ascheberg = Organisation.objects.get(slug="ascheberg")
    client.force_login(UserFactory(role="town", organisation=ascheberg))
    html = html_of(client.get(reverse("home"), {"year": "2023"}))
    assert "Sie sind Anstellungskörperschaft" in html
    assert f"zahlt Ihnen {euro('2.828,70')}" in html

"""Who pays whom, how much, by when, to which account (issue 16): the settlement page and the
statement PDF of the Coesfeld seed (003), Region Süd 2023, employer town Ascheberg.

Hand figures (tests/test_carriers_settlements_services.py): own share 5,828.71 for Senden
(no advance: pays 5,828.71), Olfen 5,828.70 with 3,000.00 paid in advance (pays 2,828.70);
an advance of 6,000.00 from Senden instead leaves 5,828.71 - 6,000.00 = -171.29: Ascheberg
refunds 171.29 to Senden."""

import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from carriers.models import AdvancePayment, CostSplit, Organisation
from carriers.settlements import services
from kim_admin.validators import validate_iban

pytestmark = pytest.mark.django_db

# A valid German test IBAN (check digits 89) and one with a typo.
IBAN = "DE89370400440532013000"
TYPO = "DE89370400440532013001"


def town(slug):
    return Organisation.objects.get(slug=slug)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.fixture
def sued(coesfeld):
    ascheberg = town("ascheberg")
    ascheberg.bank_name = "Sparkasse Westmünsterland"
    ascheberg.iban = IBAN
    ascheberg.bic = "WELADE3WXXX"
    ascheberg.payment_term_days = 21
    ascheberg.full_clean()
    ascheberg.save()
    return CostSplit.objects.get(name="Region Süd", scenario__isnull=True)


def advance(coesfeld, split, slug, amount):
    AdvancePayment.objects.create(
        recipient=coesfeld,
        split=split,
        town=town(slug),
        year=2023,
        paid_on=date(2023, 7, 1),
        amount=D(amount),
    )


def test_iban_check_digits_are_checked():
    validate_iban(IBAN)
    validate_iban("DE89 3704 0044 0532 0130 00")
    for bad in (TYPO, "DE8937040044", "XX89370400440532013000"):
        with pytest.raises(ValidationError, match="gültige IBAN"):
            validate_iban(bad)


def test_town_pays_the_employer_town_by_the_due_date_to_its_account(
    client, coesfeld, coesfeld_finance, sued
):
    advance(coesfeld, sued, "olfen", "3000.00")
    issued = services.statements_issue_all(
        recipient=coesfeld, year=2023, actor=coesfeld_finance, split=sued
    )
    by_town = {s.town.slug: s for s in issued}
    olfen = by_town["olfen"]
    # Issued today, Ascheberg's term of 21 days.
    due = timezone.localdate(olfen.issued_at) + timedelta(days=21)
    assert olfen.due_on == due
    payment = olfen.payment()
    assert (payment.payer.slug, payment.payee.slug) == ("olfen", "ascheberg")
    assert payment.amount == D("2828.70")
    assert not payment.is_refund
    assert payment.reference == olfen.reference

    client.force_login(coesfeld_finance)
    page = client.get(olfen.get_absolute_url()).content.decode().replace("\xa0", " ")
    assert f"{olfen.town.name} zahlt {sued.employer_town.name} 2.828,70 €" in page
    assert f"bis zum {due:%d.%m.%Y}" in page
    assert "DE89 3704 0044 0532 0130 00" in page
    assert "WELADE3WXXX" in page and "Sparkasse Westmünsterland" in page
    assert olfen.reference in page

    text = " ".join(pdf_text(bytes(olfen.__class__.objects.get(pk=olfen.pk).pdf)).split())
    assert f"{olfen.town.name} zahlt {sued.employer_town.name} 2.828,70 €" in text
    assert f"bis zum {due:%d.%m.%Y}" in text
    assert "DE89 3704 0044 0532 0130 00" in text
    assert olfen.reference in text
    assert f"An: {olfen.town.name}" in text

    # The employer town's own statement: nothing to pay, no due date.
    ascheberg = by_town["ascheberg"]
    assert ascheberg.payment() is None and ascheberg.due_on is None
    page = client.get(ascheberg.get_absolute_url()).content.decode()
    assert "Kein Ausgleich" in page


def test_advances_above_the_own_share_are_refunded_to_the_towns_account(
    client, coesfeld, coesfeld_finance, sued
):
    senden = town("senden")
    senden.iban = "DE02120300000000202051"
    senden.full_clean()
    senden.save()
    advance(coesfeld, sued, "senden", "6000.00")
    statement = services.statement_issue(split=sued, town=senden, year=2023, actor=coesfeld_finance)
    assert statement.balance == D("-171.29")
    payment = statement.payment()
    assert (payment.payer.slug, payment.payee.slug) == ("ascheberg", "senden")
    assert payment.amount == D("171.29") and payment.is_refund
    client.force_login(coesfeld_finance)
    page = client.get(statement.get_absolute_url()).content.decode().replace("\xa0", " ")
    assert f"{sued.employer_town.name} zahlt {senden.name} 171,29 €" in page
    assert "Erstattung" in page
    # The payee's account: Senden's, not the employer town's.
    assert "DE02 1203 0000 0000 2020 51" in page
    assert "DE89 3704" not in page


def test_the_demo_towns_and_carriers_have_fake_but_valid_bank_details(demo_data):
    """Issue 16: the demo's statements show an account. Every demo IBAN is invented (bank code
    00000000, the organisation's number as the account) with right check digits, and the notes
    say it is an example."""
    with_iban = Organisation.objects.exclude(iban="")
    slugs = set(with_iban.values_list("slug", flat=True))
    # Every town of the Coesfeld splits (payer or payee) and the demo's carriers.
    assert {"coesfeld", "duelmen", "ascheberg", "senden", "billerbeck"} <= slugs
    assert {"caritas-leverkusen", "awo-leverkusen", "caritas-oberberg"} <= slugs
    for organisation in with_iban:
        validate_iban(organisation.iban)
        assert organisation.iban[4:12] == "00000000"
        assert "Beispiel" in organisation.notes


def test_a_demo_statement_pdf_shows_the_employer_towns_fake_account(coesfeld, coesfeld_finance):
    """Billerbeck pays Coesfeld, the employer town of Region Nord: the PDF names Coesfeld's
    demo account, DE30 0000 0000 0000 0003 02 (check digits by ISO 13616 for the account 302)."""
    nord = CostSplit.objects.get(name="Region Nord", scenario__isnull=True)
    statement = services.statement_issue(
        split=nord, town=town("billerbeck"), year=2023, actor=coesfeld_finance
    )
    payment = statement.payment()
    assert (payment.payer.slug, payment.payee.slug) == ("billerbeck", "coesfeld")
    text = " ".join(pdf_text(bytes(statement.__class__.objects.get(pk=statement.pk).pdf)).split())
    assert "DE30 0000 0000 0000 0003 02" in text
    assert "Beispielbank (erfunden)" in text

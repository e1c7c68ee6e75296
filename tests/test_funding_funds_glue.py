"""The funds overview connected (issue 15): idle funds with their possible interest as a line
with a link on the coordinator's and finance's start page, and an administrator chooses the
recipient on the funds overview and the proof of use list as on the start page
(``?recipient=<slug>``). Expected figures by hand in the comments."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.models import BaseRate, FundsPayment, ProofOfUse
from tests.factories import OrganisationFactory, UserFactory
from tests.test_funding_funds import call, small_plan

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode().replace("\xa0", " ")


@pytest.fixture
def idle_recipient(monkeypatch):
    """As test_funding_funds.test_idle_funds_warn_with_the_interest_they_may_cost: 28,500
    received on 15.01.2024, 19,000 of it idle beyond two months, at 3.62 + 5 = 8.62 %:
    17.95 + 51.60 + 86.38 + 120.03 = 275.96 possible interest; today is 31.12.2024."""
    recipient = OrganisationFactory(name="Stadt Mittelhausen")
    notice = small_plan(recipient)
    BaseRate.objects.all().delete()
    BaseRate.objects.create(valid_from=date(2024, 1, 1), percent=D("3.62"))
    FundsPayment.objects.create(call=call(notice), received_on=date(2024, 1, 15), amount=D("28500"))
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 12, 31))
    return recipient


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_the_start_page_warns_of_idle_funds_with_a_link(role, client, idle_recipient):
    client.force_login(UserFactory(role=role, organisation=idle_recipient))
    html = text_of(client.get(reverse("home")))
    # 4 × 4,750 = 19,000 idle; 275.96 possible interest.
    assert (
        "Abgerufene Mittel 2024 länger als zwei Monate ungenutzt: 19.000,00 €, mögliche Zinsen "
        "nach § 49a Abs. 4 VwVfG 275,96 €"
    ) in html
    assert f'href="{reverse("funding:funds_overview")}?jahr=2024"' in html


def test_the_council_sees_no_funds_line(client, idle_recipient):
    client.force_login(UserFactory(role="council", organisation=idle_recipient))
    assert "ungenutzt" not in text_of(client.get(reverse("home")))


def test_no_line_without_idle_funds(client, monkeypatch):
    recipient = OrganisationFactory()
    small_plan(recipient)
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 12, 31))
    client.force_login(UserFactory(role="coordinator", organisation=recipient))
    response = client.get(reverse("home"))
    assert response.context["idle_funds"] is None
    assert "ungenutzt" not in text_of(response)


def test_an_admin_chooses_the_recipient_on_the_funds_overview(client, idle_recipient):
    other = OrganisationFactory(name="Stadt Anderswo")
    small_plan(other)
    client.force_login(UserFactory(role="admin", organisation=None))
    url = reverse("funding:funds_overview")
    chosen = text_of(client.get(url, {"recipient": idle_recipient.slug, "jahr": "2024"}))
    assert '<label for="recipient">Zuwendungsempfänger</label>' in chosen
    assert f'<option value="{idle_recipient.slug}" selected>Stadt Mittelhausen</option>' in chosen
    assert "Mögliche Zinsen: 275,96 €" in chosen
    anderswo = text_of(client.get(url, {"recipient": other.slug, "jahr": "2024"}))
    assert f'<option value="{other.slug}" selected>Stadt Anderswo</option>' in anderswo
    assert "Förderung · Stadt Anderswo" in anderswo
    assert "Mögliche Zinsen" not in anderswo


def test_a_coordinator_cannot_choose_another_recipient(client, idle_recipient):
    other = OrganisationFactory(name="Stadt Anderswo")
    small_plan(other)
    client.force_login(UserFactory(role="coordinator", organisation=other))
    html = text_of(
        client.get(
            reverse("funding:funds_overview"), {"recipient": idle_recipient.slug, "jahr": "2024"}
        )
    )
    assert 'id="recipient"' not in html
    assert "Stadt Mittelhausen" not in html
    assert "Kein Zuwendungsempfänger in Ihrem Bereich." in html


def test_an_admin_chooses_the_recipient_on_the_proof_of_use_list(client):
    first = OrganisationFactory(name="Stadt Erste")
    second = OrganisationFactory(name="Stadt Zweite")
    ProofOfUse.objects.create(recipient=first, year=2023)
    ProofOfUse.objects.create(recipient=second, year=2023)
    client.force_login(UserFactory(role="admin", organisation=None))
    response = client.get(reverse("funding:proofofuse_list"), {"recipient": second.slug})
    html = text_of(response)
    assert 'name="recipient"' in html
    # The filter offers every recipient by name, the chosen one selected.
    assert f'<option value="{second.slug}" selected>Stadt Zweite</option>' in html
    assert f'<option value="{first.slug}">Stadt Erste</option>' in html
    assert [p.recipient for p in response.context["table"].data] == [second]

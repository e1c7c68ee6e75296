"""Funds calls and payments (issue 15): the need of the next two months, the limits of the
notice, scope, API, pages and the query counts. Expected figures by hand in the comments."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.funds import selectors
from funding.models import BaseRate, FundingRate, FundsCall, FundsPayment
from tests import generic
from tests.api_helpers import token_client
from tests.factories import (
    BuildingBlockFactory,
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

pytestmark = pytest.mark.django_db


def small_plan(recipient):
    """One case manager (1 FTE, 57,000 a FTE from 2023) filled 01.01.–30.09.2024 at an
    actual 45,000; the notice approves 1 FTE of block 2: 57,000 a year."""
    programme = ProgrammeFactory()
    block = BuildingBlockFactory(programme=programme, number=2)
    if not FundingRate.objects.filter(programme=programme, block=block).exists():
        FundingRateFactory(programme=programme, block=block, amount=D("57000.00"))
    notice = GrantNoticeFactory(recipient=recipient, programme=programme)
    GrantNoticeBlockFactory(notice=notice, block=block, approved_fte=D("1"))
    position = PositionFactory(recipient=recipient, block=block)
    OccupancyFactory(position=position, start=date(2024, 1, 1), end=date(2024, 9, 30))
    PositionCostFactory(position=position, year=2024, status="actual", employer_gross=D("45000"))
    # Actual figures count in a closed year only.
    YearClosingFactory(recipient=recipient, year=2024)
    return notice


def call(
    notice,
    amount="28500.00",
    called_on=date(2024, 1, 10),
    start=date(2024, 1, 1),
    end=date(2024, 6, 30),
):
    return FundsCall.objects.create(
        notice=notice, called_on=called_on, period_start=start, period_end=end, amount=D(amount)
    )


# --- the need and the limits ---------------------------------------------------------------------


def test_the_need_of_two_months_follows_the_occupancy():
    recipient = OrganisationFactory()
    small_plan(recipient)
    # An actual 45,000 for 9 filled months: 5,000 a month; funding 57,000 × 9/12 = 42,750:
    # 4,750 a month (Jan–Sep).
    # September and October: cost 5,000 + 0, funding 4,750 + 0.
    need = selectors.funds_need(recipient, date(2024, 9, 5))
    assert [(m.month, m.cost, m.funding) for m in need.months] == [
        (9, D("5000.00"), D("4750.00")),
        (10, D("0.00"), D("0.00")),
    ]
    assert need.funding == D("4750.00")


def test_the_monthly_profile_sums_to_the_engine_year():
    recipient = OrganisationFactory()
    small_plan(recipient)
    profile = selectors.monthly_profiles(recipient, [2024])
    # 9 × 5,000 = 45,000 cost; 9 × 4,750 = 42,750 funding.
    assert sum(m.cost for m in profile) == D("45000.00")
    assert sum(m.funding for m in profile) == D("42750.00")


def finance_of(recipient):
    return token_client(UserFactory(role="finance", organisation=recipient))


def test_a_call_beyond_the_approved_funding_is_refused_at_the_amount():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    call(notice, "50000.00")
    api = finance_of(recipient)
    # Approved 57,000; called 50,000; 7,000.01 is one cent too much.
    response = api.post(
        "/api/funds-calls/",
        {
            "notice": notice.pk,
            "called_on": "2024-07-01",
            "period_start": "2024-07-01",
            "period_end": "2024-08-31",
            "amount": "7000.01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "übersteigt die bewilligte Förderung" in response.data["amount"][0]
    assert "7.000,00" in response.data["amount"][0]
    assert FundsCall.objects.count() == 1
    ok = api.post(
        "/api/funds-calls/",
        {
            "notice": notice.pk,
            "called_on": "2024-07-01",
            "period_start": "2024-07-01",
            "period_end": "2024-08-31",
            "amount": "7000.00",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.data
    assert FundsCall.objects.get(pk=ok.data["id"]).history.get().history_type == "+"


def test_a_call_outside_the_notice_or_over_two_years_is_refused():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    api = finance_of(recipient)
    before = api.post(
        "/api/funds-calls/",
        {
            "notice": notice.pk,
            "called_on": "2022-12-01",
            "period_start": "2022-12-01",
            "period_end": "2022-12-31",
            "amount": "100.00",
        },
        format="json",
    )
    assert before.status_code == 400
    assert "außerhalb des Bewilligungszeitraums" in before.data["period_start"][0]
    across = api.post(
        "/api/funds-calls/",
        {
            "notice": notice.pk,
            "called_on": "2024-12-01",
            "period_start": "2024-12-01",
            "period_end": "2025-01-31",
            "amount": "100.00",
        },
        format="json",
    )
    assert across.status_code == 400
    assert "je Jahr" in across.data["period_end"][0]
    assert not FundsCall.objects.exists()


def test_a_payment_larger_than_its_call_is_refused_at_the_amount():
    recipient = OrganisationFactory()
    the_call = call(small_plan(recipient))
    FundsPayment.objects.create(call=the_call, received_on=date(2024, 1, 20), amount=D("20000"))
    response = finance_of(recipient).post(
        "/api/funds-payments/",
        {"call": the_call.pk, "received_on": "2024-02-01", "amount": "8500.01"},
        format="json",
    )
    # Called 28,500, received 20,000: at most 8,500.00 more.
    assert response.status_code == 400
    assert "höchstens noch 8.500,00" in response.data["amount"][0]
    assert FundsPayment.objects.count() == 1


def test_a_payment_before_its_call_is_refused_at_the_date_in_the_page(client):
    recipient = OrganisationFactory()
    the_call = call(small_plan(recipient))
    client.force_login(UserFactory(role="coordinator", organisation=recipient))
    response = client.post(
        reverse("funding:fundspayment_add"),
        {"call": the_call.pk, "received_on": "09.01.2024", "amount": "1.000,00"},
    )
    assert response.status_code == 200
    assert "nicht vor dem Mittelabruf" in " ".join(response.context["form"].errors["received_on"])
    assert not FundsPayment.objects.exists()


def test_a_call_beyond_the_approved_funding_is_refused_in_the_page(client):
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    client.force_login(UserFactory(role="finance", organisation=recipient))
    response = client.post(
        reverse("funding:fundscall_add"),
        {
            "notice": notice.pk,
            "called_on": "10.01.2024",
            "period_start": "01.01.2024",
            "period_end": "29.02.2024",
            "amount": "57.000,01",
        },
    )
    assert response.status_code == 200
    assert "übersteigt die bewilligte Förderung" in " ".join(
        response.context["form"].errors["amount"]
    )
    assert not FundsCall.objects.exists()


# --- idle funds ------------------------------------------------------------------------------------


def test_idle_funds_warn_with_the_interest_they_may_cost():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    BaseRate.objects.all().delete()
    BaseRate.objects.create(valid_from=date(2024, 1, 1), percent=D("3.62"))
    # 28,500 called and received in January for the first half year; the plan spends 4,750
    # a month (funding of 5,000 cost a month, Jan–Sep): by 15.03.2024 (two months after the
    # receipt) 2 × 4,750 = 9,500 are spent; the rest 19,000 is spent 4,750 at a time on
    # 31.03., 30.04., 31.05., 30.06. (all after the deadline).
    the_call = call(notice)
    FundsPayment.objects.create(call=the_call, received_on=date(2024, 1, 15), amount=D("28500"))
    funds = selectors.funds_year(recipient, 2024, date(2024, 12, 31))
    assert [(i.amount, i.idle_from, i.idle_until) for i in funds.idle] == [
        (D("4750.00"), date(2024, 3, 15), date(2024, 3, 31)),
        (D("4750.00"), date(2024, 3, 15), date(2024, 4, 30)),
        (D("4750.00"), date(2024, 3, 15), date(2024, 5, 31)),
        (D("4750.00"), date(2024, 3, 15), date(2024, 6, 30)),
    ]
    # At 3.62 + 5 = 8.62 %: 4,750 × 0.0862 / 365 = 1.12178… a day;
    # 16 days 17.95, 46 days 51.60, 77 days 86.38, 107 days 120.03: 275.96.
    assert [i.interest for i in funds.idle] == [D("17.95"), D("51.60"), D("86.38"), D("120.03")]
    assert funds.idle_interest == D("275.96")
    assert (funds.approved, funds.called, funds.received) == (
        D("57000.00"),
        D("28500.00"),
        D("28500.00"),
    )


# --- scope -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_council_carriers_and_towns_see_no_funds(role, client):
    recipient = OrganisationFactory()
    the_call = call(small_plan(recipient))
    FundsPayment.objects.create(call=the_call, received_on=date(2024, 1, 15), amount=D("100"))
    organisation = {
        "council": recipient,
        "carrier": OrganisationFactory(kind="carrier"),
        "town": OrganisationFactory(kind="town"),
    }[role]
    user = UserFactory(role=role, organisation=organisation)
    api = token_client(user)
    for path in ("/api/funds-calls/", "/api/funds-payments/", f"/api/funds-calls/{the_call.pk}/"):
        assert api.get(path).status_code == 403
    client.force_login(user)
    for name in ("funding:fundscall_list", "funding:fundspayment_list", "funding:funds_overview"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("funding:fundscall_detail", args=[the_call.pk])).status_code == 404


def test_finance_of_another_recipient_gets_404_and_cannot_call_on_the_notice():
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    the_call = call(notice)
    other = finance_of(OrganisationFactory())
    assert other.get(f"/api/funds-calls/{the_call.pk}/").status_code == 404
    assert other.get("/api/funds-calls/").data["count"] == 0
    response = other.post(
        "/api/funds-calls/",
        {
            "notice": notice.pk,
            "called_on": "2024-07-01",
            "period_start": "2024-07-01",
            "period_end": "2024-08-31",
            "amount": "1.00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "notice" in response.data
    assert FundsCall.objects.count() == 1


# --- query counts ----------------------------------------------------------------------------------


def _calls(notice, n):
    FundsCall.objects.bulk_create(
        FundsCall(
            notice=notice,
            called_on=date(2024, 1, 1),
            period_start=date(2024, 1, 1),
            period_end=date(2024, 1, 31),
            amount=D("1.00"),
        )
        for _ in range(n)
    )
    for c in FundsCall.objects.filter(notice=notice):
        FundsPayment(call=c, received_on=date(2024, 1, 2), amount=D("1.00")).save()


@pytest.mark.parametrize("path", ["/api/funds-calls/", "/api/funds-payments/"])
def test_endpoint_queries_are_the_same_for_10_and_1000_rows(path):
    counts = []
    for n in (10, 1000):
        recipient = OrganisationFactory()
        notice = small_plan(recipient)
        _calls(notice, n)
        api = finance_of(recipient)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path, {"limit": 1000})
        assert response.status_code == 200
        assert response.data["count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", ["funding:fundscall_list", "funding:fundspayment_list"])
def test_list_page_queries_are_the_same_for_10_and_1000_rows(name, client):
    counts = []
    for n in (10, 1000):
        recipient = OrganisationFactory()
        notice = small_plan(recipient)
        _calls(notice, n)
        client.force_login(UserFactory(role="finance", organisation=recipient))
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_funds_overview_page_shows_the_year_in_german(client):
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    the_call = call(notice)
    FundsPayment.objects.create(call=the_call, received_on=date(2024, 1, 15), amount=D("28500"))
    client.force_login(UserFactory(role="coordinator", organisation=recipient))
    response = client.get(reverse("funding:funds_overview"), {"jahr": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "57.000,00" in body  # approved
    assert "28.500,00" in body  # called and received
    assert "länger als zwei Monate" in body


# --- the generic pages -----------------------------------------------------------------------------


class _FundsPages(
    generic.ListPages,
    generic.DetailPages,
    generic.CreatePages,
    generic.EditPages,
    generic.DeletePages,
    generic.PermissionPages,
):
    readers = ()


def notice_of(recipient):
    """The small plan's notice of ``recipient``, made once per test."""
    if not hasattr(recipient, "small_notice"):
        recipient.small_notice = small_plan(recipient)
    return recipient.small_notice


class TestFundsCallPages(_FundsPages):
    model = FundsCall

    def make(self, recipient):
        return call(notice_of(recipient), "10.00")

    def form_data(self, recipient):
        return {
            "notice": notice_of(recipient).pk,
            "called_on": "10.01.2024",
            "period_start": "01.01.2024",
            "period_end": "29.02.2024",
            "amount": "9.500,00",
            "reference": "MA 1",
        }

    created = {"amount": D("9500.00"), "called_on": date(2024, 1, 10)}
    edit_changes = {"amount": "9.000,00"}
    changed = {"amount": D("9000.00")}
    history_shows = "10,00 → 9.000,00"


class TestFundsPaymentPages(_FundsPages):
    model = FundsPayment

    def make(self, recipient):
        the_call = call(notice_of(recipient), "28500.00")
        return FundsPayment.objects.create(
            call=the_call, received_on=date(2024, 1, 20), amount=D("10.00")
        )

    def form_data(self, recipient):
        the_call = FundsCall.objects.filter(notice=notice_of(recipient)).first() or call(
            notice_of(recipient), "28500.00"
        )
        return {"call": the_call.pk, "received_on": "20.01.2024", "amount": "1.500,00"}

    created = {"amount": D("1500.00"), "received_on": date(2024, 1, 20)}
    edit_changes = {"amount": "2.000,00"}
    changed = {"amount": D("2000.00")}
    history_shows = "10,00 → 2.000,00"


def test_the_admin_refuses_a_call_beyond_the_approval_too(client):
    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    client.force_login(UserFactory(role="admin", organisation=None))
    response = client.post(
        reverse("admin:funding_fundscall_add"),
        {
            "notice": notice.pk,
            "called_on": "10.01.2024",
            "period_start": "01.01.2024",
            "period_end": "29.02.2024",
            "amount": "57.000,01",
            "reference": "",
            "note": "",
        },
    )
    # 57,000.00 approved: one cent more is refused at the amount, nothing saved.
    assert response.status_code == 200
    assert "übersteigt die bewilligte Förderung" in response.content.decode()
    assert not FundsCall.objects.filter(notice=notice).exists()


def test_a_data_set_with_calls_beyond_the_approval_is_named():
    from kim_admin.validation import funds_call_problems

    recipient = OrganisationFactory()
    notice = small_plan(recipient)
    call(notice, "30000.00")
    assert funds_call_problems() == []
    call(notice, "27000.01", start=date(2024, 7, 1), end=date(2024, 8, 31))
    # 30,000 + 27,000.01 = 57,000.01 > 57,000.00 approved.
    (problem,) = funds_call_problems()
    assert "57000.01" in problem and "57000.00" in problem


def test_the_call_form_shows_the_need_of_the_next_two_months(client, monkeypatch):
    from django.utils import timezone

    recipient = OrganisationFactory()
    small_plan(recipient)
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2024, 9, 5))
    client.force_login(UserFactory(role="finance", organisation=recipient))
    response = client.get(reverse("funding:fundscall_add"))
    # September 4,750.00 (57,000 × 1/12), October 0.00 (vacant from 01.10.).
    body = response.content.decode()
    assert "Bedarf der nächsten zwei Monate" in body
    assert "9/2024: 4.750,00" in body.replace("\xa0", " ")

"""Reads of the funder's money: what the notice in force approves, the plan's monthly profile,
the need of the next two months, the funds calls and payments of a year and the funds left
idle (issue 15). The figures are the engine's (``funding.calculations``); the rules are
``funding.rules``; nothing here computes a rule of its own."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q

from funding import calculations as calc
from funding import rules
from funding.models import BaseRate, FundsCall, FundsPayment
from funding.money import ZERO
from funding.selectors import multi_year_plans, year_plan

# --- What the notice in force approves ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Approved:
    """What the notice in force approves for a block in a year."""

    block: int
    fte: Decimal
    personnel: Decimal
    material: Decimal

    @property
    def total(self) -> Decimal:
        return self.personnel + self.material


def approved_by_block(plan: calc.YearPlan) -> dict[int, Approved]:
    """The ONE place that says what "approved" means for a year: per block, the notice
    version in force that year as the engine reads it (``rules.notice_in_force`` through
    ``funding.selectors._grant_blocks``: the latest notice with what its amendments replace,
    never original and amendment added) and its amounts (``rules.approved_in_notice``). Every
    caller (funds calls, the proof of use) follows."""
    if plan.grant_blocks is None:
        return {}
    approved = {}
    for grant in plan.grant_blocks:
        personnel, material = rules.approved_in_notice(grant, plan.rates, plan.year)
        approved[grant.block] = Approved(grant.block, grant.approved_fte, personnel, material)
    return approved


def approved_total(recipient, year: int) -> Decimal:
    """The funding approved for a recipient's year in all blocks (the limit of its calls)."""
    return sum((a.total for a in approved_by_block(year_plan(recipient, year)).values()), ZERO)


# --- The plan's monthly profile ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthFigures:
    year: int
    month: int
    cost: Decimal
    funding: Decimal

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def monthly_profile(overview: calc.YearOverview, plan: calc.YearPlan) -> list[MonthFigures]:
    """The year's cost and funding month by month: each position's year figures spread over
    the months by the FTE filled in them (occupancy × cost; a position with cost but no
    occupancy by its planned FTE), the programme's own costs (events, measures) evenly. The
    months sum to the engine's year totals to the cent."""
    year = overview.year
    positions = {p.id: p for p in plan.positions}
    cost = [ZERO] * 12
    funding = [ZERO] * 12
    for result in overview.positions:
        position = positions.get(result.position.id, result.position)
        weights = calc.filled_fte_by_month(year, position)
        if not any(weights):
            weights = calc.planned_fte_by_month(year, position)
        for i, part in enumerate(rules.spread_over_months(result.amounts.total_cost, weights)):
            cost[i] += part
        for i, part in enumerate(rules.spread_over_months(result.amounts.funding, weights)):
            funding[i] += part
    position_cost = sum((r.amounts.total_cost for r in overview.positions), ZERO)
    position_funding = sum((r.amounts.funding for r in overview.positions), ZERO)
    even = [Decimal(1)] * 12
    programme_cost = rules.spread_over_months(overview.totals.total_cost - position_cost, even)
    programme_funding = rules.spread_over_months(overview.totals.funding - position_funding, even)
    return [
        MonthFigures(year, m + 1, cost[m] + programme_cost[m], funding[m] + programme_funding[m])
        for m in range(12)
    ]


def monthly_profiles(recipient, years: Iterable[int]) -> list[MonthFigures]:
    """The monthly profiles of several years, in one load of the plan."""
    years = sorted(set(years))
    plans = multi_year_plans([recipient], years)
    months = []
    for year in years:
        plan = plans[(recipient.id, year)]
        months += monthly_profile(calc.compute_year(plan), plan)
    return months


@dataclass(frozen=True, slots=True)
class FundsNeed:
    """The need of the two months from a date's month: what a funds call may ask for."""

    months: tuple[MonthFigures, ...]

    @property
    def cost(self) -> Decimal:
        return sum((m.cost for m in self.months), ZERO)

    @property
    def funding(self) -> Decimal:
        return sum((m.funding for m in self.months), ZERO)


def funds_need(recipient, on: date) -> FundsNeed:
    """The state's funding of the month of ``on`` and the next (DOMAIN: a funds call names
    the need of the next two months), from the plan's monthly profile."""
    second = rules.add_months(on.replace(day=1), 1)
    profile = monthly_profiles(recipient, {on.year, second.year})
    wanted = {(on.year, on.month), (second.year, second.month)}
    return FundsNeed(tuple(m for m in profile if (m.year, m.month) in wanted))


# --- Calls, payments and idle funds ------------------------------------------------------------


def base_rates() -> tuple[tuple[date, Decimal], ...]:
    """The base rates (``BaseRate``) as (valid from, percent), oldest first (one query)."""
    return tuple(BaseRate.objects.order_by("valid_from").values_list("valid_from", "percent"))


def calls_of_year(recipient, year: int):
    """The recipient's funds calls whose need period lies in ``year``, with their payments
    (two queries)."""
    return (
        FundsCall.objects.filter(notice__recipient=recipient, period_start__year=year)
        .select_related("notice")
        .prefetch_related(
            Prefetch("payments", queryset=FundsPayment.objects.order_by("received_on"))
        )
        .order_by("called_on", "pk")
    )


def receipts_of_year(recipient, year: int) -> list[tuple[date, Decimal]]:
    """(received on, amount) of every payment on the year's calls (one query)."""
    return list(
        FundsPayment.objects.filter(
            call__notice__recipient=recipient, call__period_start__year=year
        )
        .order_by("received_on", "pk")
        .values_list("received_on", "amount")
    )


@dataclass(frozen=True, slots=True)
class IdleFunds:
    """A part of a payment not spent within two months, with the interest it may cost."""

    received_on: date
    amount: Decimal
    idle_from: date
    idle_until: date
    interest: Decimal

    @property
    def days(self) -> int:
        return (self.idle_until - self.idle_from).days


def idle_funds(
    receipts: list[tuple[date, Decimal]],
    profile: list[MonthFigures],
    as_of: date,
    rates: tuple[tuple[date, Decimal], ...],
) -> list[IdleFunds]:
    """Payments not spent within two months (``rules.idle_funds``: spent as the monthly
    funded cost of the profile, first in, first out), each with the interest of
    ``rules.statutory_interest`` for its idle days."""
    spending = [(m.last_day, m.funding) for m in profile]
    return [
        IdleFunds(
            received_on,
            amount,
            idle_from,
            idle_until,
            rules.statutory_interest(amount, idle_from, idle_until, rates),
        )
        for received_on, amount, idle_from, idle_until in rules.idle_funds(
            receipts, spending, as_of
        )
    ]


@dataclass(frozen=True)
class FundsYear:
    """A recipient's year with the funder: calls, payments, the need ahead, idle funds."""

    year: int
    approved: Decimal
    calls: list
    called: Decimal
    received: Decimal
    need: FundsNeed | None
    idle: list[IdleFunds]

    @property
    def idle_amount(self) -> Decimal:
        """The money that lay idle beyond two months (each part once)."""
        return sum((i.amount for i in self.idle), ZERO)

    @property
    def idle_interest(self) -> Decimal:
        return sum((i.interest for i in self.idle), ZERO)


def funds_year(recipient, year: int, as_of: date) -> FundsYear:
    """Everything the funds page shows for a recipient's year, as of a date."""
    plan = year_plan(recipient, year)
    overview = calc.compute_year(plan)
    approved = sum((a.total for a in approved_by_block(plan).values()), ZERO)
    calls = list(calls_of_year(recipient, year))
    receipts = [(p.received_on, p.amount) for c in calls for p in c.payments.all()]
    profile = monthly_profile(overview, plan)
    need = funds_need(recipient, as_of) if as_of.year == year else None
    return FundsYear(
        year=year,
        approved=approved,
        calls=calls,
        called=sum((c.amount for c in calls), ZERO),
        received=sum((a for _d, a in receipts), ZERO),
        need=need,
        idle=idle_funds(receipts, profile, as_of, base_rates()),
    )


def idle_funds_alert(recipient, as_of: date) -> FundsYear | None:
    """The funds of ``as_of``'s year where payments lie idle beyond two months (for the start
    page's warning line), else None. One query when the year has no payment yet; otherwise
    the funds page's fixed reads (``funds_year``)."""
    if not FundsPayment.objects.filter(
        call__notice__recipient=recipient, call__period_start__year=as_of.year
    ).exists():
        return None
    funds = funds_year(recipient, as_of.year, as_of)
    return funds if funds.idle else None


def calls_beyond_approved(call: FundsCall) -> tuple[Decimal, Decimal] | None:
    """(approved, already called by the other calls of the year) where ``call`` would take
    the year's calls beyond the amount approved, else None."""
    year = call.period_start.year
    approved = approved_total(call.notice.recipient, year)
    others = (
        FundsCall.objects.filter(
            Q(notice__recipient_id=call.notice.recipient_id), period_start__year=year
        )
        .exclude(pk=call.pk)
        .values_list("amount", flat=True)
    )
    called = sum(others, ZERO)
    if called + call.amount > approved:
        return approved, called
    return None

"""The rules of the cost engine, one named function each: pure, over ``Decimal`` and the
engine's frozen dataclasses (``funding.calculations``), no ORM, no request.

Each docstring states the rule in words and names its source: a seed (the council papers in
``docs/domain.md``) or the funder's published rules. Rates, caps and dates are data, never
constants here.

Rule index
----------
Rates and funding
    :func:`rate_in_force`               which rate applies on a date
    :func:`monthly_rates`               the rate of each month of a year
    :func:`personnel_funding`           rate × filled FTE-months / 12, month by month
    :func:`cap_at_eligible_cost`        never more than the eligible cost ("bis zu")
    :func:`block_cap_cuts`              a grant notice's yearly maximum of a block
    :func:`workplace_allowance`         the per-FTE workplace allowance, up to the material cost
    :func:`events_budget`               the yearly events budget, up to the programme's costs
Grant notices and their versions
    :func:`amended_blocks`              an amendment replaces the blocks it changes
    :func:`notice_in_force`             which version of the notices is in force on a day or year
    :func:`application_due_date`        when the application for a year is due
Cost
    :func:`position_cost`               entered or carried figures, else the pay grade's table
    :func:`planned_cost_for_occupancy`  a planned figure follows the year's occupancy
    (carrying a year forward with the pay rises: ``funding.projections.rules``)
Who carries the own share
    :func:`covered_by_payer`            a forwarding agreement's coverage policy
    :func:`carrier_and_rest`            the carrier's part and the rest, with its bearer
    :func:`split_weights`               each town's weight in a cost split
    :func:`split_pool`                  a split's pool over its towns, largest remainder
The funder's limits for case management (warnings a coordinator must see first)
    :func:`below_one_third_at_municipality`
    :func:`filling_is_critical`
    :func:`municipal_case_management_vacant`  the city's own positions empty all year
What the figures rest on (warnings that say what is true)
    :func:`actual_is_provisional`       actual figures of an open year do not count yet
    :func:`cost_without_occupancy`      a cost in a year the position is vacant throughout
    :func:`entered_cost_beside_occupancy`  a forecast or actual beside a partial occupancy
The funder's yearly cycle (issue 15: funds calls, the proof of use)
    :func:`approved_in_notice`          what a notice's block approves in a year
    :func:`spread_over_months`          a year's amount over its months, by occupancy
    :func:`statutory_interest`          § 49a VwVfG: 5 points above the base rate a year
    :func:`idle_funds`                  funds not used within two months of their receipt
    :func:`overpaid_parts`              payments beyond the funding due, with their dates
    :func:`carrier_proof_deviation`     a carrier's checked cost against the recipient's figure

Money is rounded once per position and item, half up to the cent (``funding.money.cents``);
amounts that must sum to a total are split by largest remainder (``money.split_to_cents``).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import repeat
from operator import is_
from typing import TYPE_CHECKING

from funding.choices import POSITION_KINDS, CostSource, CoveragePolicy, FundingKind, SplitMethod
from funding.money import ZERO, cents, split_to_cents

if TYPE_CHECKING:
    from funding.calculations import (
        Coverage,
        GrantBlock,
        NoticeVersion,
        Org,
        PositionPlan,
        Rate,
        Split,
    )

MONTHS = 12
TWELVE = Decimal(12)
HUNDRED = Decimal(100)


# --- Rates and funding ------------------------------------------------------------------------


def rate_in_force(rates: tuple[Rate, ...], kind: str, block: int, on: date) -> Rate | None:
    """The rate of ``kind`` for ``block`` in force on a date.

    A rate is valid from its date until the next rate of the same kind (DOMAIN: rates change
    over time; a year is computed with the rate in force then). Where several are in force the
    most specific wins (a scenario's over the recipient's over the programme's: a recipient's
    notice may grant another amount), then the latest.
    """
    best: Rate | None = None
    for rate in rates:
        if rate.kind != kind or rate.block != block or rate.valid_from > on:
            continue
        if best is None or (rate.specificity, rate.valid_from) > (
            best.specificity,
            best.valid_from,
        ):
            best = rate
    return best


def monthly_rates(rates: tuple[Rate, ...], kind: str, block: int, year: int) -> list[Rate | None]:
    """The rate in force on the first day of each month: a rate that changes on 1 July funds
    the first half of the year at the old amount."""
    rates = tuple(r for r in rates if r.kind == kind and r.block == block)  # the candidates
    if not rates:
        return [None] * MONTHS
    january = date(year, 1, 1)
    if all(r.valid_from <= january or r.valid_from.year > year for r in rates):
        # No candidate takes effect within the year: every month has January's rate (the
        # common case, asked for by every plan; twelve look-ups were some 60 µs a plan).
        return [rate_in_force(rates, kind, block, january)] * MONTHS
    return [rate_in_force(rates, kind, block, date(year, m, 1)) for m in range(1, MONTHS + 1)]


def all_the_same(values) -> bool:
    """Whether every item is the first one: the same object, not only an equal value (equal
    Decimals may differ in their exponent, and then so does a sum of them). Not a rule: the
    test of the common case, one rate or one FTE all year, that one multiplication computes
    as the twelve additions would."""
    return bool(values) and all(map(is_, values, repeat(values[0])))


def flat_amount(monthly: list[Rate | None], filled: list[Decimal]) -> Decimal:
    """Rate × FTE × filled months / 12, month by month with the rate in force then (unrounded)."""
    total = Decimal(0)
    if not any(monthly) and len(monthly) == len(filled):
        return total / TWELVE  # no rate in force all year (a block without this kind of rate)
    rate, fte = (monthly[0], filled[0]) if monthly and filled else (None, None)
    if (
        rate is not None
        and fte
        and len(monthly) == len(filled)
        and all_the_same(monthly)
        and all_the_same(filled)
    ):
        # The same product every month: added twelve times to 0 it is that product × 12.
        return (total + rate.amount * fte * len(filled)) / TWELVE
    for rate, fte in zip(monthly, filled, strict=True):
        if rate is not None and fte:
            total += rate.amount * fte
    return total / TWELVE


def is_capped(monthly: list[Rate | None]) -> bool:
    """Whether a rate in force in the year funds "up to" the cost (``capped_at_cost``)."""
    return any(rate is not None and rate.capped_at_cost for rate in monthly)


def cap_at_eligible_cost(funding: Decimal, eligible_cost: Decimal) -> Decimal:
    """The state pays at most the eligible cost actually incurred.

    Seed 000 (Leverkusen 2024): case management is funded "bis zu 57.000 € des
    Arbeitgeberbruttos": for a position's personnel rate the eligible cost is its employer
    gross (salary plus employer contributions) in the year; material, overhead and one-off
    costs are not eligible for it. For the workplace allowance the eligible cost is the
    position's material cost, for the events budget the programme's own costs of the block.
    """
    return min(funding, eligible_cost)


def personnel_funding(
    monthly: list[Rate | None],
    filled: list[Decimal],
    employer_gross: Decimal,
    capped: bool | None = None,
) -> Decimal:
    """A position's funding from its personnel rate (coordination, assistance, case
    management, immigration office), to the cent.

    DOMAIN / seed 001: rate × FTE × the part of the year the position is filled, month by
    month with the rate in force then (Leverkusen 2022: 5 FTE case management × 55,000 =
    275,000); where the rate is "up to" the cost, capped at the employer gross
    (:func:`cap_at_eligible_cost`). ``capped``: :func:`is_capped` of ``monthly`` where the
    caller has it already.
    """
    amount = flat_amount(monthly, filled)
    if is_capped(monthly) if capped is None else capped:
        amount = cap_at_eligible_cost(amount, employer_gross)
    return cents(amount)


def block_cap_cuts(cap: Decimal, fundings: list[Decimal]) -> list[Decimal]:
    """What a grant notice's yearly maximum for a block cuts from each position's funding.

    Seed 001: block 1 (coordination and assistance) at most 160,000 EUR a year. Where the
    positions' funding exceeds the maximum, the excess is taken from them in proportion to
    their funding, to the cent (largest remainder), so the block sums to the maximum exactly.
    Nothing is cut where the block stays within it.
    """
    excess = sum(fundings, ZERO) - cap
    if excess <= 0:
        return [ZERO] * len(fundings)
    return split_to_cents(excess, fundings)


def workplace_allowance(
    monthly: list[Rate | None],
    filled: list[Decimal],
    material: Decimal,
    capped: bool | None = None,
) -> Decimal:
    """The workplace allowance (Sachausgabenpauschale) of a position, to the cent.

    Seed 001 / the 2020 rules: per FTE of every position in the rate's block, 9,700 EUR a year
    (3 FTE × 9,700 = 29,100 "Sachausgaben für Personal"), prorated by filled FTE-months; where
    the rate is "up to" the cost, capped at the position's material cost. Booked as material
    revenue (414100), counted in the council's "state funding (personnel)" (576,600).
    ``capped``: :func:`is_capped` of ``monthly`` where the caller has it already.
    """
    amount = flat_amount(monthly, filled)
    if is_capped(monthly) if capped is None else capped:
        amount = cap_at_eligible_cost(amount, material)
    return cents(amount)


def events_budget(monthly: list[Rate | None], programme_cost: Decimal) -> Decimal:
    """The yearly budget for events, measures and external process support, to the cent.

    Seed 001: 49,000 EUR a year in block 1, booked as material revenue (414100: 29,100 + 49,000
    = 78,100). A budget, not an amount per FTE: a month counts 1/12 of the rate in force then;
    where the rate is "up to" the cost, capped at the programme's own costs of the block.
    """
    amount = sum((rate.amount for rate in monthly if rate is not None), ZERO) / TWELVE
    if is_capped(monthly):
        amount = cap_at_eligible_cost(amount, programme_cost)
    return cents(amount)


# --- Grant notices and their versions ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeInForce:
    """The outcome of :func:`notice_in_force`: the notice standing on its own (original or
    follow-up), the amendments applied to it in order, and the blocks in force."""

    notice: NoticeVersion
    amendments: tuple[NoticeVersion, ...]
    blocks: tuple[GrantBlock, ...]

    @property
    def version(self) -> NoticeVersion:
        """The last version applied: the latest amendment, else the notice itself."""
        return self.amendments[-1] if self.amendments else self.notice


def amended_blocks(
    in_force: tuple[GrantBlock, ...], amendment: tuple[GrantBlock, ...]
) -> tuple[GrantBlock, ...]:
    """An amendment (Änderungsbescheid) replaces what it changes, block by block.

    A block the amendment lists takes the amendment's FTE and yearly maximum (both: an empty
    maximum there means no maximum); a block it does not list keeps the figures in force.
    Original and amendment are never added together. Source: issue 15 and the funder's
    practice (Kreis Unna's notice of 15.02.2023, changed by amendments; DOMAIN.md).
    """
    by_block = {g.block: g for g in in_force}
    for changed in amendment:
        by_block[changed.block] = changed
    return tuple(by_block[number] for number in sorted(by_block))


def _in_window(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def notice_in_force(
    versions: tuple[NoticeVersion, ...] | list[NoticeVersion], first: date, last: date
) -> NoticeInForce | None:
    """Which version of one recipient's grant notices is in force from ``first`` to ``last``
    (a day: ``first == last``; the engine asks for a year: 01.01.–31.12.).

    1. Of the notices that stand on their own (the original and follow-up notices) whose
       period touches the window, the latest wins: latest start of the period, then latest
       issue date. So a follow-up notice (Anschlussbescheid) replaces its predecessor, and
       Leverkusen's permanent notice from 2023 replaces the one of 2021–2022 (seed 001).
    2. That notice's amendments in force during the window (from the day they take effect
       to the end of their period) are applied in the order they take effect, then by issue
       date: each replaces the blocks it changes (:func:`amended_blocks`).

    The engine counts yearly figures: an amendment that takes effect during a year counts for
    that whole year, and the figures before it for the years before. None: no notice covers
    the window.
    """
    own = [
        v
        for v in versions
        if v.amends is None and _in_window(v.period_start, v.period_end, first, last)
    ]
    if not own:
        return None
    notice = max(own, key=lambda v: (v.period_start, v.issued_on, v.id))
    amendments = tuple(
        sorted(
            (
                v
                for v in versions
                if v.amends == notice.id and _in_window(v.effective_from, v.period_end, first, last)
            ),
            key=lambda v: (v.effective_from, v.issued_on, v.id),
        )
    )
    blocks = tuple(sorted(notice.blocks, key=lambda g: g.block))
    for amendment in amendments:
        blocks = amended_blocks(blocks, amendment.blocks)
    return NoticeInForce(notice, amendments, blocks)


def application_due_date(year: int, stored: date | None) -> date:
    """The day the application (Förderantrag) for ``year`` is due: the date stored for that
    year, else 30 October of the year before. Source: issue 15 and DOMAIN.md ("applications
    for the next year are due by 30 October"; the date is set per year by the funder)."""
    return stored if stored is not None else date(year - 1, 10, 30)


# --- Cost -------------------------------------------------------------------------------------


def planned_cost_for_occupancy(
    amount: Decimal, filled_fte_months: Decimal, planned_fte_months: Decimal
) -> Decimal:
    """A planned figure in the year the occupancy gives, to the cent.

    A planned cost is entered for the position at its full FTE over the part of the year it
    exists (issue 14: "a planned figure is per FTE and year, scaled to the filled
    FTE-months"): a position planned at 1.0 FTE and filled at 0.5 FTE from 01.07. costs
    6 + 3 = 9 of its 12 planned FTE-months; vacant all year it costs nothing. Forecasts and
    actual figures are the carrier's or the ledger's and stay as entered.
    """
    if not planned_fte_months:
        return ZERO
    if filled_fte_months == planned_fte_months:
        return amount
    return cents(amount * filled_fte_months / planned_fte_months)


def position_cost(
    position: PositionPlan, filled_fte_months: Decimal, planned_fte_months: Decimal | None = None
):
    """A position's cost in the year: (source, employer gross, material, overhead, one-off).

    The figures entered for the year where there are some (the selector has already chosen by
    precedence: actual in a closed year, else the latest approved forecast, else the plan), or
    the last known figures carried forward into it with the pay rises (source ``carried``,
    worked out for the year's occupancy by ``funding.projections.rules.carried_cost``).
    Planned figures follow the year's occupancy (:func:`planned_cost_for_occupancy`: employer
    gross, material and an overhead amount; one-off costs stay). Overhead is either an amount
    or a rate of the employer gross (KGSt: 20 % for office workplaces). Without figures ever:
    the pay grade's cost per full-time post × filled FTE-months / 12, as position-budgeting
    suites cost a vacancy; without either: nothing.
    """
    figures = position.cost
    if figures is None:
        if position.cost_table_per_fte is None:
            return CostSource.NONE, ZERO, ZERO, ZERO, ZERO
        gross = cents(position.cost_table_per_fte * filled_fte_months / TWELVE)
        return CostSource.COST_TABLE, gross, ZERO, ZERO, ZERO
    gross, material, overhead_amount = (
        figures.employer_gross,
        figures.material,
        figures.overhead_amount,
    )
    if figures.source == CostSource.PLANNED and planned_fte_months is not None:
        gross, material = (
            planned_cost_for_occupancy(value, filled_fte_months, planned_fte_months)
            for value in (gross, material)
        )
        if overhead_amount is not None:
            overhead_amount = planned_cost_for_occupancy(
                overhead_amount, filled_fte_months, planned_fte_months
            )
    if overhead_amount is not None:
        overhead = overhead_amount
    elif figures.overhead_rate is not None:
        overhead = cents(gross * figures.overhead_rate / HUNDRED)
    else:
        overhead = ZERO
    source = _COST_SOURCES.get(figures.source) or CostSource(figures.source)
    return (source, gross, material, overhead, figures.one_off)


# A cost status -> its ``CostSource`` (as ``CostSource(status)`` gives it, without an enum
# call for every position).
_COST_SOURCES = {source.value: source for source in CostSource}


# --- Who carries the own share ----------------------------------------------------------------


def covered_by_payer(coverage: Coverage, own_share: Decimal, filled_fte_months: Decimal) -> Decimal:
    """How much of a carrier's own share the payer covers under its forwarding agreement.

    DOMAIN: the funding passes through to the carrier; the cost above it is carried by a
    policy per carrier. All (Leverkusen, seed 000: the city carries personnel above the rate,
    material and overhead), none, a percentage of the own share, or a flat amount per FTE ×
    filled months / 12 (Kreis Heinsberg: 5,000 EUR from county money), never more than the own
    share. Nothing is covered where the funding already covers the cost.
    """
    if own_share <= 0:
        return ZERO
    match coverage.policy:
        case CoveragePolicy.ALL:
            return own_share
        case CoveragePolicy.NONE:
            return ZERO
        case CoveragePolicy.PERCENT:
            return cents(own_share * (coverage.percent or ZERO) / HUNDRED)
        case CoveragePolicy.FLAT_PER_FTE:
            flat = cents((coverage.flat_per_fte or ZERO) * filled_fte_months / TWELVE)
            return min(flat, own_share)
    raise ValueError(f"unknown coverage policy {coverage.policy!r}")


def carrier_and_rest(
    position: PositionPlan, own_share: Decimal, filled_fte_months: Decimal
) -> tuple[Decimal, Decimal, Org | None]:
    """A position's own share as (the carrier's part, the rest, the rest's bearer).

    A carrier carries what its forwarding agreement does not cover (all of it without an
    agreement); the agreement's payer (normally the recipient) carries the covered part. Any
    other employer carries the whole own share itself, unless a cost split shares it between
    towns (seed 003: the region's towns; seed 004: the county levy).
    """
    if position.employer.kind == "carrier":
        if position.coverage is None:
            return own_share, ZERO, None
        covered = covered_by_payer(position.coverage, own_share, filled_fte_months)
        return own_share - covered, covered, position.coverage.payer
    return ZERO, own_share, position.employer


def split_weights(split: Split, positions: list[PositionPlan]) -> list[Decimal]:
    """Each member town's weight in a cost split.

    Equal (seed 003, Kreis Coesfeld: the case managers work for each town of their region in
    equal measure), by levy share (seed 004, Kreis Wesel: the county's deficit refinanced
    through the county levy), by fixed percentages, or by deployed FTE (the FTE each town
    receives from the split's positions by their served shares; seed 002: 50 % Hückeswagen,
    50 % Wipperfürth).
    """
    match split.method:
        case SplitMethod.EQUAL:
            return [Decimal(1)] * len(split.members)
        case SplitMethod.FIXED_PERCENT:
            return [percent or ZERO for _org, percent in split.members]
        case SplitMethod.LEVY_SHARE:
            return [org.levy_share or ZERO for org, _percent in split.members]
        case SplitMethod.DEPLOYED_FTE:
            deployed: dict[int, Decimal] = defaultdict(Decimal)
            for position in positions:
                for town, share in position.served_towns:
                    deployed[town.id] += position.fte * share / HUNDRED
            return [deployed.get(org.id, ZERO) for org, _percent in split.members]
    raise ValueError(f"unknown split method {split.method!r}")


def split_pool(split: Split, positions: list[PositionPlan], amount: Decimal) -> list[Decimal]:
    """``amount`` (a split's pool: the own share of its positions, or one cost item of them)
    over the split's members by their weights, to the cent by largest remainder, so the towns'
    parts sum to the pool exactly (seed 003: shares sum to the cent). The by-bearer figures
    and the settlement between towns both split this way."""
    return split_to_cents(amount, split_weights(split, positions))


# --- The funder's limits for case management --------------------------------------------------


def below_one_third_at_municipality(municipal_fte: Decimal, available_fte: Decimal) -> bool:
    """At least one third of the case-management positions must stay with the municipality
    (not forwarded to carriers).

    Seed 000 (Leverkusen 2024, the funder's rule): of 9 available positions at least 3 at the
    city. ``available_fte``: the FTE the grant notice approves for the block (without a notice,
    the FTE planned); ``municipal_fte``: the most FTE employed by the recipient or its towns at
    one time.
    """
    return municipal_fte * 3 < available_fte


def filling_is_critical(planned_fte: Decimal, available_fte: Decimal) -> bool:
    """It is "critical" when fewer than 50 % of the available positions are filled or planned
    to be filled.

    Seed 000 (Leverkusen 2024): with 9 available and 3 at the KI, at least 2 more must be
    filled or planned ("besetzt bzw. zur Besetzung vorgesehen"); a position that exists in the
    year counts as planned, filled or not.
    """
    return planned_fte * 2 < available_fte


def municipal_case_management_vacant(
    municipal_filled_fte_months: list[tuple[str, Decimal]],
) -> list[str]:
    """The titles of the municipality's own case-management positions that are vacant all
    year.

    Seed 000 (Leverkusen 2024): the funder counts positions "besetzt bzw. zur Besetzung
    vorgesehen", so an existing vacant position counts as planned for the one-third and the
    50 % rule (:func:`below_one_third_at_municipality`, :func:`filling_is_critical`) — but
    a coordinator must see that the municipality's own positions are empty (issue 14).
    ``municipal_filled_fte_months``: (title, filled FTE-months in the year) of each.
    """
    return [title for title, months in municipal_filled_fte_months if not months]


# --- What the figures rest on -----------------------------------------------------------------


def actual_is_provisional(year_closed: bool) -> bool:
    """Actual figures of a year count once the year is closed (``YearClosing``); before, they
    are provisional and the year is computed from the approved forecast, else the plan.

    Issue 4: half a year's payments would understate the year. Issue 14: a provisional actual
    is named as such, never reported as "no cost entered".
    """
    return not year_closed


def cost_without_occupancy(filled_fte_months: Decimal, cost: Decimal) -> bool:
    """A position that costs something in a year in which it is vacant throughout.

    DOMAIN: funding is rate × FTE × the part of the year the position is filled, so such a
    cost is the own share in full; usually the occupancy is missing or the figures belong to
    another year (issue 14). Planned figures follow the occupancy and are 0 then; this shows
    forecasts, actual figures and one-off costs.
    """
    return not filled_fte_months and cost > 0


def entered_cost_beside_occupancy(
    source: str,
    stated_months: Decimal | None,
    filled_months: Decimal,
    filled_fte_months: Decimal,
    planned_fte_months: Decimal,
) -> bool:
    """A carrier's forecast or an actual statement that disagrees with the recorded occupancy.

    The figures stay as the carrier or the ledger says (issue 14), but where the carrier's
    statement gives other filled months than the occupancy (``stated_months`` against the
    months filled at the position's FTE: 12 stated for a position filled at 0.5 FTE from
    01.07. is 6 at full FTE… or 12 at half), the position page and the overview say so.
    Figures without stated months (a ledger's actual for the months filled, seed 002: paid
    until the resignation on 30.06.2023) are taken to match; a position vacant all year is
    :func:`cost_without_occupancy`. ``planned_fte_months`` is kept for the message.
    """
    if source not in (CostSource.FORECAST, CostSource.ACTUAL) or not filled_fte_months:
        return False
    if stated_months is None:
        return False
    return stated_months.quantize(Decimal("0.01")) != filled_months.quantize(Decimal("0.01"))


# --- The funder's yearly cycle (issue 15) ----------------------------------------------------

# § 49a (3) sentence 1 VwVfG (NRW): "5 Prozentpunkte über dem Basiszinssatz jährlich".
INTEREST_POINTS_ABOVE_BASE = Decimal(5)
DAYS_A_YEAR = Decimal(365)
# ANBest-G / ANBest-P 1.4: called funds must be spent "innerhalb von zwei Monaten nach der
# Auszahlung" (DOMAIN: "what is called must be spent within about two months").
MONTHS_TO_SPEND = 2


def approved_in_notice(
    grant: GrantBlock, rates: tuple[Rate, ...], year: int
) -> tuple[Decimal, Decimal]:
    """What a grant notice approves for one block in a year: (personnel, material), to the cent.

    Personnel: the approved FTE × the block's highest personnel rate of the year (month by
    month with the rate in force), at most the notice's yearly maximum of the block where it
    sets one. Material: the workplace allowance × the approved FTE plus the yearly events
    budget of the block. Seed 001 (Leverkusen, notice of 15.02.2021): block 1 3 FTE, at most
    160,000; block 2 5 × 55,000 = 275,000; block 3 2.25 × 50,000 = 112,500; material 3 × 9,700
    + 49,000 = 78,100; in all 625,600, the funding the city asked for. (The notice's own
    amounts per block replace this once notices carry them: issue 15, notice versions.)
    """

    def yearly(kind: str) -> Decimal:
        monthly = monthly_rates(rates, kind, grant.block, year)
        return sum((r.amount for r in monthly if r is not None), Decimal(0)) / TWELVE

    personnel = max((yearly(kind) for kind in POSITION_KINDS), default=Decimal(0))
    personnel *= grant.approved_fte
    if grant.max_personnel_funding is not None:
        personnel = min(personnel, grant.max_personnel_funding)
    material = grant.approved_fte * yearly(FundingKind.WORKPLACE_ALLOWANCE) + yearly(
        FundingKind.EVENTS_BUDGET
    )
    return cents(personnel), cents(material)


def spread_over_months(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """A year's amount over its twelve months in proportion to ``weights`` (the FTE filled in
    each month: occupancy × cost), summing to the cent; without any weight, equally (a
    programme cost such as the events budget, seed 001: 49,000 a year)."""
    return split_to_cents(amount, weights)


def statutory_interest(
    amount: Decimal, start: date, end: date, base_rates: tuple[tuple[date, Decimal], ...]
) -> Decimal:
    """Interest on ``amount`` from ``start`` to ``end`` (days between them) at 5 percentage
    points above the base rate a year, days / 365, rounded once to the cent.

    § 49a (3) sentence 1 VwVfG (NRW): an amount to be refunded bears interest "mit fünf
    Prozentpunkten über dem Basiszinssatz jährlich" from the day the notice ceased to be
    effective (DOMAIN: "overpaid funding is refunded, with interest from the date it was
    overpaid"); § 49a (4): the same interest may be charged on funds paid out and not used
    promptly for their purpose. The base rate (§ 247 BGB, ``funding.BaseRate``) is data: a
    period over a change of the base rate is computed piece by piece.
    """
    if amount <= 0 or end <= start:
        return ZERO
    rates = sorted(base_rates)
    total = Decimal(0)
    day = start
    while day < end:
        in_force = [(since, percent) for since, percent in rates if since <= day]
        base = in_force[-1][1] if in_force else Decimal(0)
        following = [since for since, _percent in rates if since > day]
        until = min([end, *following])
        days = Decimal((until - day).days)
        total += amount * (base + INTEREST_POINTS_ABOVE_BASE) / HUNDRED * days / DAYS_A_YEAR
        day = until
    return cents(max(total, Decimal(0)))


def add_months(on: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month_index = on.month - 1 + months
    year, month = on.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


def idle_funds(
    receipts: list[tuple[date, Decimal]],
    spending: list[tuple[date, Decimal]],
    as_of: date,
) -> list[tuple[date, Decimal, date, date]]:
    """Funds received and not spent within two months: (received on, amount, idle from,
    idle until) per part, idle from two months after the receipt until spent or ``as_of``.

    ANBest 1.4 / DOMAIN: funds may be called only as needed within two months after payment;
    § 49a (4) VwVfG lets the funder charge interest (:func:`statutory_interest`) for the time
    beyond. Money is spent first in, first out: the spending (the funded cost of each month,
    counted at its last day) uses the oldest receipt first; spending before a receipt (the
    recipient paid in advance) is covered the day the money arrives. Spending after
    ``as_of`` has not happened yet.
    """
    parts: list[tuple[date, Decimal, date, date]] = []
    events = sorted((on, amount) for on, amount in spending if on <= as_of and amount > 0)
    # Cumulative spending after each event: money unit x is spent at the first event whose
    # cumulative total passes it.
    cumulative: list[tuple[date, Decimal, Decimal]] = []
    total = Decimal(0)
    for on, amount in events:
        cumulative.append((on, total, total + amount))
        total += amount
    received = Decimal(0)
    for received_on, amount in sorted(receipts):
        lo, hi = received, received + amount
        received = hi
        deadline = add_months(received_on, MONTHS_TO_SPEND)
        for on, before, after in cumulative:
            used = min(hi, after) - max(lo, before)
            if used <= 0:
                continue
            spent_on = max(on, received_on)
            if spent_on > deadline:
                parts.append((received_on, used, deadline, spent_on))
        unspent = hi - max(lo, total)
        if unspent > 0 and as_of > deadline:
            parts.append((received_on, min(unspent, amount), deadline, as_of))
    return parts


def overpaid_parts(
    receipts: list[tuple[date, Decimal]], funding_due: Decimal
) -> list[tuple[date, Decimal]]:
    """The payments received beyond the funding due, each with the day it was overpaid.

    DOMAIN (proof of use): "overpaid funding is refunded, with interest from the date it was
    overpaid": payments count in the order received; the part of a payment above what is
    still due at its receipt is overpaid from that day.
    """
    parts = []
    received = Decimal(0)
    for received_on, amount in sorted(receipts):
        before, received = received, received + amount
        over = received - max(before, funding_due)
        if over > 0:
            parts.append((received_on, min(over, amount)))
    return parts


def carrier_proof_deviation(checked_cost: Decimal, recipient_cost: Decimal) -> Decimal:
    """A carrier's actual cost per its checked proof minus the cost of the same positions in
    the recipient's numeric proof (positive: the carrier proved more than the recipient
    counts).

    DOMAIN (issue 15, "only checked proofs enter the recipient's proof"): the forwarded
    positions are positions of the recipient's plan (employer: the carrier), so the
    recipient's actual cost already holds them, from the approved statements and actuals
    the engine reads. The carrier's checked cost is therefore never added to the recipient's
    cost or funding (that would count the positions twice); it is set beside the recipient's
    figure of the same positions as a check, and a deviation asks the coordination to enter
    the checked figures as the positions' actuals.
    """
    return checked_cost - recipient_cost

"""The cost engine: what a position costs, what the state pays, and who carries the rest.

Pure functions over ``Decimal`` and the small frozen dataclasses of ``funding.engine_types``
(handed on under this module's name): no ORM, no request.
``funding.selectors`` loads a recipient's year into a :class:`YearPlan`; :func:`compute_year`
turns it into a :class:`YearOverview`. Pages, API, commands and reports all use that result.

Each rule the engine applies is a named function in ``funding.rules`` (its module docstring
holds the rule index); this module holds the steps of a year and the aggregates. Rounding
happens once per position and item, to the cent (``funding.money.cents``); every aggregate
is a sum of those cents, so ``funding + own_share == total_cost`` holds exactly at every
level, and splits between bearers use largest-remainder rounding to sum to the cent.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from funding import rules
from funding.bulk import without_cycle_collection
from funding.choices import (
    PER_YEAR_KINDS,
    SUPPLEMENTARY_KINDS,
    CostSource,
    FundingKind,
    OrganisationKind,
    RevenueCategory,
)
from funding.engine_types import (
    AccountLine,
    Amounts,
    BearerShare,
    BlockResult,
    CostFigures,
    Coverage,
    GrantBlock,
    GroupResult,
    NoticeVersion,
    Org,
    Period,
    PositionPlan,
    PositionResult,
    ProgrammeCostItem,
    Rate,
    Split,
    Warning,
    YearOverview,
    YearPlan,
)
from funding.money import ZERO
from kim_admin.formatting import de_fte, de_money

MONTHS = 12
# Days of each month (index 1..12) in a common year; February gains one in a leap year.
DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
NO_FTE = Decimal("0")

# The engine's inputs and results (``funding.engine_types``) are handed on under this
# module's name (``calc.YearPlan``); with the engine's functions, what it offers.
__all__ = [
    "AccountLine",
    "Amounts",
    "BearerShare",
    "BlockResult",
    "CostFigures",
    "Coverage",
    "GrantBlock",
    "GroupResult",
    "NoticeVersion",
    "Org",
    "Period",
    "PositionPlan",
    "PositionResult",
    "ProgrammeCostItem",
    "Rate",
    "Split",
    "Warning",
    "YearOverview",
    "YearPlan",
    "MONTHS",
    "ZERO",
    "compute_year",
    "describe_rate",
    "filled_fte_by_month",
    "is_active",
    "max_concurrent_fte",
    "month_fractions",
    "planned_fte",
    "planned_fte_by_month",
    "planned_fte_months_of",
    "rate_amounts",
    "rate_texts",
    "year_bounds",
]


# --- Time -------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def year_bounds(year: int) -> tuple[date, date]:
    """The first and the last day of the year (made once per year, not once per position)."""
    return date(year, 1, 1), date(year, 12, 31)


def month_fractions(year: int, start: date, end: date | None) -> list[Decimal]:
    """For each month of ``year``, the share of its days inside [start, end] (end inclusive)."""
    first, last = year_bounds(year)
    if start <= first and (end is None or end >= last):
        return [Decimal(1)] * MONTHS  # the common case: the whole year
    fractions = [ZERO] * MONTHS
    lo = max(start, first)
    hi = last if end is None else min(end, last)
    if hi < lo:
        return fractions
    for month in range(lo.month, hi.month + 1):
        days = DAYS_IN_MONTH[month] + (month == 2 and calendar.isleap(year))
        m_lo = lo.day if month == lo.month else 1
        m_hi = hi.day if month == hi.month else days
        covered = m_hi - m_lo + 1
        fractions[month - 1] = Decimal(1) if covered == days else Decimal(covered) / Decimal(days)
    return fractions


def filled_fte_by_month(year: int, position: PositionPlan) -> list[Decimal]:
    """FTE filled in each month of the year; never more than the position's FTE in a month."""
    first, last = year_bounds(year)
    if len(position.occupancies) == 1:
        only = position.occupancies[0]
        if only.start <= first and (only.end is None or only.end >= last):
            return [min(ZERO + only.fte, position.fte)] * MONTHS  # filled all year
    filled = [ZERO] * MONTHS
    for period in position.occupancies:
        for i, fraction in enumerate(month_fractions(year, period.start, period.end)):
            if fraction:
                filled[i] += period.fte * fraction
    return [min(f, position.fte) for f in filled]


def planned_fte_by_month(year: int, position: PositionPlan) -> list[Decimal]:
    """The position's FTE in each month of the year in which it exists (planned or filled):
    what a planned cost figure is for (``rules.planned_cost_for_occupancy``)."""
    return [position.fte * f for f in month_fractions(year, position.start, position.end)]


def planned_fte_months_of(year: int, position: PositionPlan) -> Decimal:
    """The sum of :func:`planned_fte_by_month` (from ``ZERO``, month by month). A position that
    exists all year adds its FTE twelve times: one multiplication gives the same Decimal."""
    first, last = year_bounds(year)
    if position.start <= first and (position.end is None or position.end >= last):
        return ZERO + position.fte * MONTHS
    return sum(planned_fte_by_month(year, position), ZERO)


def is_active(year: int, start: date, end: date | None) -> bool:
    """Whether a position exists (planned or filled) at some day of the year."""
    first, last = year_bounds(year)
    return start <= last and (end is None or end >= first)


def max_concurrent_fte(periods) -> Decimal:
    """The highest FTE at any one day, over periods (start, end or open, fte).

    End dates are inclusive: a period ending on 30.06. and one starting 01.07. never overlap.
    """
    if not isinstance(periods, list | tuple):
        periods = list(periods)
    if len(periods) == 1:  # the common case: one period, its FTE is the peak
        return max(NO_FTE, periods[0][2])
    events: list[tuple[date, Decimal]] = []
    for start, end, fte in periods:
        events.append((start, fte))
        if end is not None:
            events.append((end + timedelta(days=1), -fte))
    # Ends (negative deltas) before starts on the same day: (day, delta) pairs sort so.
    events.sort()
    level = peak = NO_FTE
    for _day, delta in events:
        level += delta
        if level > peak:  # as max(peak, level): an equal level keeps the peak
            peak = level
    return peak


def planned_fte(positions) -> Decimal:
    """The most FTE that exist (planned or filled) at one time in the year."""
    return max_concurrent_fte([(p.start, p.end, p.fte) for p in positions])


# --- How a rate is described ------------------------------------------------------------------


RATE_MESSAGES = (
    gettext_noop("kein Fördersatz in Kraft"),
    gettext_noop("%(rate)s je VZ × %(ftem)s VZ-Monate / 12"),
    gettext_noop(", höchstens die förderfähigen Kosten"),
)


def rate_texts() -> tuple[str, str, str]:
    """The translated texts of :func:`describe_rate` (translate once, format many times)."""
    return engine_texts().rates


def describe_rate(
    monthly: list[Rate | None],
    filled_fte_months: Decimal,
    capped: bool,
    texts: tuple[str, str, str] | None = None,
) -> str:
    """The funding rule of a position as people read it: "57.000,00 € je VZ × 12 VZ-Monate /
    12, höchstens die förderfähigen Kosten"."""
    return _rule_text(rate_amounts(monthly), filled_fte_months, capped, texts or rate_texts())


def rate_amounts(monthly: list[Rate | None]) -> str | None:
    """The amounts of the rates in force in the year as :func:`describe_rate` names them
    ("55.000,00 € / 57.000,00 €"); None: no rate in force."""
    used = sorted({r.amount for r in monthly if r is not None})
    if not used:
        return None
    return " / ".join(de_money(a) for a in used)


@lru_cache(maxsize=1024)
def _rule_text(
    amounts: str | None, filled_fte_months: Decimal, capped: bool, texts: tuple[str, str, str]
) -> str:
    """:func:`describe_rate` from the rates' amounts (``rate_amounts``): the amounts depend
    on the rates only, so :func:`compute_year` names them once per kind and block.

    Kept for the last 1,024 inputs: a text of small immutable values (the translated texts
    among them), and the same few recur across recipients and years ("57.000,00 € je VZ ×
    12 VZ-Monate / 12"). Equal FTE-months (12 and 12.000) give the same text: they are
    rounded to three places before they are written."""
    none_text, template, capped_text = texts
    if amounts is None:
        return none_text
    text = template % {
        "rate": amounts,
        "ftem": de_fte(filled_fte_months.quantize(Decimal("0.001"))),
    }
    if capped:
        text += capped_text
    return text


# --- The year ---------------------------------------------------------------------------------


class _Texts(dict):
    """The engine's texts in one language, each translated once: ``texts[message]`` is
    ``gettext(message)`` of a message marked with ``gettext_noop``, ``texts.source(source)`` a
    cost source's label, ``texts.rates`` the texts of :func:`describe_rate`.

    Kept per language for the process (:func:`engine_texts`): the catalogues do not change
    while it runs, and a dict look-up is cheaper than ``gettext``, which looks up the active
    language (a thread- and task-local value) on every call, for every warning of every year.
    """

    def __init__(self):
        super().__init__()
        self.rates = tuple(self[message] for message in RATE_MESSAGES)

    def __missing__(self, message: str) -> str:
        text = self[message] = _(message)
        return text

    def source(self, source: str) -> str:
        key = ("source", source)
        if key not in self:
            self[key] = str(CostSource(source).label)
        return self[key]


_TEXTS: dict[str | None, _Texts] = {}


def engine_texts() -> _Texts:
    """The engine's :class:`_Texts` in the active language."""
    language = get_language()
    texts = _TEXTS.get(language)
    if texts is None:
        texts = _TEXTS[language] = _Texts()
    return texts


@dataclass(slots=True)
class _Draft:
    """A position's figures before the block caps of the notice are applied."""

    position: PositionPlan
    filled_fte_months: Decimal
    source: CostSource
    employer_gross: Decimal
    material: Decimal
    overhead: Decimal
    one_off: Decimal
    personnel_funding: Decimal
    workplace_allowance: Decimal
    rule: str


@without_cycle_collection
def compute_year(plan: YearPlan) -> YearOverview:
    """The overview of one recipient's year: per position, per block, employer, bearer and
    budget account, and the funder's warnings."""
    year = plan.year
    warnings: list[Warning] = []
    active = [p for p in plan.positions if is_active(year, p.start, p.end)]
    # Rates depend on (kind, block) only: worked out once per recipient and year, not once
    # per position; their description adds the filled FTE-months (``_rule_text``).
    # (kind, block) -> (monthly rates, whether capped, whether no rate is in force at all,
    # the rates' amounts as the funding rule names them)
    rates_cache: dict[tuple[str, int], tuple[list[Rate | None], bool, bool, str | None]] = {}
    # block -> ((monthly rates, whether capped) of each of SUPPLEMENTARY_KINDS with a rate in
    # force in the year)
    supplementary_cache: dict[int, tuple[tuple[list[Rate | None], bool], ...]] = {}
    warning_texts = engine_texts()
    texts = warning_texts.rates

    def rates_of(kind: str, block: int) -> tuple[list[Rate | None], bool, bool, str | None]:
        key = (kind, block)
        found = rates_cache.get(key)
        if found is None:
            monthly = rules.monthly_rates(plan.rates, kind, block, year)
            found = rates_cache[key] = (
                monthly,
                rules.is_capped(monthly),
                all(r is None for r in monthly),
                rate_amounts(monthly),
            )
        return found

    def supplementary_of(block: int) -> tuple[tuple[list[Rate | None], bool], ...]:
        """The supplementary kinds a position of the block is funded by. A kind without a rate
        in force in any month of the year is left out: its allowance is 0.00 for every
        position (``rules.workplace_allowance`` of no rate), which added to ZERO leaves
        ZERO (most blocks have no workplace allowance: one call per position saved)."""
        found = supplementary_cache.get(block)
        if found is None:
            found = supplementary_cache[block] = tuple(
                (monthly, capped)
                for monthly, capped, no_rate, _amounts in (
                    rates_of(kind, block) for kind in SUPPLEMENTARY_KINDS
                )
                if not no_rate
            )
        return found

    # 1. Each position: filled FTE-months, cost, funding before the block caps.
    drafts: list[_Draft] = []
    for position in active:
        filled = filled_fte_by_month(year, position)
        # Filled all year at one FTE: twelve additions of it to ZERO are one multiplication.
        filled_fte_months = (
            ZERO + filled[0] * MONTHS if rules.all_the_same(filled) else sum(filled, ZERO)
        )
        planned_fte_months = planned_fte_months_of(year, position)
        source, gross, material, overhead, one_off = rules.position_cost(
            position, filled_fte_months, planned_fte_months
        )
        primary, capped, no_rate, amounts = rates_of(position.funding_kind, position.block)
        rule = _rule_text(amounts, filled_fte_months, capped, texts)
        allowance = ZERO
        for monthly, kind_capped in supplementary_of(position.block):
            allowance += rules.workplace_allowance(monthly, filled, material, kind_capped)
        drafts.append(
            _Draft(
                position=position,
                filled_fte_months=filled_fte_months,
                source=source,
                employer_gross=gross,
                material=material,
                overhead=overhead,
                one_off=one_off,
                personnel_funding=rules.personnel_funding(primary, filled, gross, capped),
                workplace_allowance=allowance,
                rule=rule,
            )
        )
        _position_warnings(
            position, year, filled_fte_months, source, no_rate, warning_texts, warnings
        )
        _occupancy_warnings(
            position,
            year,
            source,
            filled_fte_months,
            planned_fte_months,
            gross + material + overhead + one_off,
            warning_texts,
            warnings,
        )

    # 2. Block caps of the grant notice (seed 001: block 1 at most 160,000 EUR a year).
    _apply_block_caps(plan, drafts, warning_texts, warnings)

    # 3. Results and who carries each position's own share.
    results: list[PositionResult] = []
    orgs: dict[str, Org] = {plan.recipient.slug: plan.recipient}
    pools: dict[int, Decimal] = defaultdict(Decimal)
    split_positions: dict[int, list[PositionPlan]] = defaultdict(list)
    splits: dict[int, Split] = {}
    for draft in drafts:
        position = draft.position
        amounts = Amounts(
            personnel_cost=draft.employer_gross + draft.material + draft.overhead + draft.one_off,
            funding_personnel=draft.personnel_funding,
            funding_material=draft.workplace_allowance,
        )
        carrier_part, rest, rest_bearer = rules.carrier_and_rest(
            position, amounts.own_share, draft.filled_fte_months
        )
        if position.employer.kind == OrganisationKind.CARRIER and position.coverage is None:
            warnings.append(
                Warning(
                    "carrier_without_agreement",
                    warning_texts[
                        gettext_noop(
                            "„%(title)s“ ist bei %(carrier)s angesiedelt, aber kein "
                            "Weiterleitungsvertrag gilt in %(year)s: die Trägerin trägt den "
                            "Eigenanteil allein."
                        )
                    ]
                    % {"title": position.title, "carrier": position.employer.name, "year": year},
                    block=position.block,
                    position_id=position.id,
                )
            )
        parts: list[tuple[str, Decimal]] = []
        if carrier_part:
            orgs[position.employer.slug] = position.employer
            parts.append((position.employer.slug, carrier_part))
        if position.split is not None:
            split_positions[position.split.id].append(position)
            splits[position.split.id] = position.split
            if rest:
                pools[position.split.id] += rest
                parts.append((f"split:{position.split.id}", rest))
        elif rest:
            orgs[rest_bearer.slug] = rest_bearer
            parts.append((rest_bearer.slug, rest))
        results.append(
            PositionResult(
                position=position,
                filled_fte_months=draft.filled_fte_months,
                cost_source=draft.source,
                employer_gross=draft.employer_gross,
                material=draft.material,
                overhead=draft.overhead,
                one_off=draft.one_off,
                amounts=amounts,
                funding_rule=draft.rule,
                bearer_parts=tuple(parts),
            )
        )

    # 4. Programme costs (events, measures, external support) and their yearly budget.
    programme_by_block: dict[int, Amounts] = {}
    programme_funding_total = ZERO
    for block in sorted({c.block for c in plan.programme_costs} | _budget_blocks(plan.rates)):
        cost = sum((c.amount for c in plan.programme_costs if c.block == block), ZERO)
        funding = sum(
            (rules.events_budget(rates_of(kind, block)[0], cost) for kind in PER_YEAR_KINDS),
            ZERO,
        )
        if cost or funding:
            programme_by_block[block] = Amounts(material_cost=cost, funding_material=funding)
            programme_funding_total += funding

    # 5. Aggregates.
    totals = Amounts.total(programme_by_block.values(), Amounts.total(r.amounts for r in results))
    # The most FTE at one time per block: the block's row and the funder's limits both read it.
    block_positions: dict[int, list[PositionPlan]] = defaultdict(list)
    for position in active:
        block_positions[position.block].append(position)
    planned_by_block: dict[int, Decimal] = {}

    def block_fte(block: int) -> Decimal:
        if block not in planned_by_block:
            planned_by_block[block] = planned_fte(block_positions.get(block, ()))
        return planned_by_block[block]

    by_block = _by_block(plan, results, programme_by_block, block_fte)
    by_employer = _by_employer(plan, results, programme_by_block, warning_texts)
    by_bearer = _by_bearer(
        plan,
        results,
        programme_by_block,
        orgs,
        pools,
        splits,
        split_positions,
        warning_texts,
        warnings,
    )
    by_account = _by_account(plan, results, programme_by_block)
    _programme_warnings(plan, active, drafts, block_fte, warning_texts, warnings)

    position_funding = sum((r.amounts.funding for r in results), ZERO)
    return YearOverview(
        recipient=plan.recipient,
        year=year,
        scenario=plan.scenario,
        totals=totals,
        position_funding=position_funding,
        by_block=by_block,
        by_employer=by_employer,
        by_bearer=by_bearer,
        by_account=by_account,
        positions=tuple(results),
        programme_funding=programme_funding_total,
        warnings=tuple(warnings),
    )


def _apply_block_caps(
    plan: YearPlan, drafts: list[_Draft], texts: _Texts, warnings: list[Warning]
) -> None:
    """Cut the positions' personnel funding of a block to the notice's yearly maximum
    (``rules.block_cap_cuts``) and say so."""
    for grant_block in plan.grant_blocks or ():
        if grant_block.max_personnel_funding is None:
            continue
        rows = [d for d in drafts if d.position.block == grant_block.block]
        fundings = [d.personnel_funding for d in rows]
        cuts = rules.block_cap_cuts(grant_block.max_personnel_funding, fundings)
        if not any(cuts):
            continue
        for row, cut in zip(rows, cuts, strict=True):
            row.personnel_funding -= cut
        warnings.append(
            Warning(
                "block_cap",
                texts[
                    gettext_noop(
                        "Baustein %(block)s: Förderung von %(funded)s auf den bewilligten "
                        "Höchstbetrag von %(cap)s gekürzt."
                    )
                ]
                % {
                    "block": grant_block.block,
                    "funded": de_money(sum(fundings, ZERO)),
                    "cap": de_money(grant_block.max_personnel_funding),
                },
                block=grant_block.block,
            )
        )


def _budget_blocks(rates: tuple[Rate, ...]) -> set[int]:
    return {r.block for r in rates if r.kind in PER_YEAR_KINDS}


def _position_warnings(position, year, filled_fte_months, source, no_rate, texts, warnings):
    """Occupancy above the position's FTE, no rate in force (``no_rate``: none in any month),
    no cost at all."""
    periods = [(o.start, o.end, o.fte) for o in position.occupancies]
    peak = max_concurrent_fte(periods)
    if peak > position.fte:
        warnings.append(
            Warning(
                "occupancy_above_fte",
                texts[
                    gettext_noop(
                        "„%(title)s“: besetzt mit %(peak)s VZ, die Stelle hat nur %(fte)s VZ."
                    )
                ]
                % {"title": position.title, "peak": de_fte(peak), "fte": de_fte(position.fte)},
                block=position.block,
                position_id=position.id,
            )
        )
    if filled_fte_months and no_rate:
        warnings.append(
            Warning(
                "no_rate",
                texts[gettext_noop("„%(title)s“: für %(year)s ist kein Fördersatz hinterlegt.")]
                % {"title": position.title, "year": year},
                block=position.block,
                position_id=position.id,
            )
        )
    if filled_fte_months and source == CostSource.NONE and position.provisional_actual is None:
        warnings.append(
            Warning(
                "no_cost",
                texts[
                    gettext_noop(
                        "„%(title)s“: für %(year)s sind weder Kosten erfasst noch ein "
                        "Personalkostensatz für die Entgeltgruppe hinterlegt."
                    )
                ]
                % {"title": position.title, "year": year},
                block=position.block,
                position_id=position.id,
            )
        )


def _occupancy_warnings(
    position, year, source, filled_fte_months, planned_fte_months, cost, texts, warnings
) -> None:
    """What the position's figures rest on: provisional actual figures, a cost without
    occupancy, a forecast or actual beside a partial occupancy (``funding.rules``)."""
    if position.provisional_actual is not None:
        actual = position.provisional_actual
        warnings.append(
            Warning(
                "provisional_actual",
                texts[
                    gettext_noop(
                        "„%(title)s“: Ist-Kosten %(year)s von %(amount)s sind vorläufig – das "
                        "Jahr ist nicht abgeschlossen; gerechnet wird bis zum Jahresabschluss "
                        "mit: %(source)s."
                    )
                ]
                % {
                    "title": position.title,
                    "year": year,
                    "amount": de_money(actual.employer_gross + actual.material),
                    "source": texts.source(source),
                },
                block=position.block,
                position_id=position.id,
            )
        )
    if rules.cost_without_occupancy(filled_fte_months, cost):
        warnings.append(
            Warning(
                "cost_without_occupancy",
                texts[
                    gettext_noop(
                        "„%(title)s“: %(year)s sind Kosten von %(amount)s angesetzt "
                        "(%(source)s), aber die Stelle ist das ganze Jahr unbesetzt."
                    )
                ]
                % {
                    "title": position.title,
                    "year": year,
                    "amount": de_money(cost),
                    "source": texts.source(source),
                },
                block=position.block,
                position_id=position.id,
            )
        )
    elif rules.entered_cost_beside_occupancy(
        source,
        position.cost.stated_months if position.cost else None,
        filled_fte_months / position.fte if position.fte else ZERO,
        filled_fte_months,
        planned_fte_months,
    ):
        stated = position.cost.stated_months
        warnings.append(
            Warning(
                "cost_beside_occupancy",
                texts[
                    gettext_noop(
                        "„%(title)s“: %(source)s %(year)s wie erfasst%(stated)s; laut "
                        "Besetzung ist die Stelle %(filled)s von %(planned)s VZ-Monaten "
                        "besetzt – bitte prüfen."
                    )
                ]
                % {
                    "title": position.title,
                    "source": texts.source(source),
                    "year": year,
                    "stated": ""
                    if stated is None
                    else texts[gettext_noop(" (für %(months)s besetzte Monate)")]
                    % {"months": de_fte(stated)},
                    "filled": de_fte(filled_fte_months.quantize(Decimal("0.01"))),
                    "planned": de_fte(planned_fte_months.quantize(Decimal("0.01"))),
                },
                block=position.block,
                position_id=position.id,
            )
        )


def _programme_warnings(
    plan: YearPlan, active: list[PositionPlan], drafts, block_fte, texts: _Texts, warnings
):
    """The grant notice's limits and the funder's rules for case management
    (``rules.below_one_third_at_municipality``, ``rules.filling_is_critical``).

    ``drafts``: the active positions' figures (their filled FTE-months); ``block_fte(block)``:
    ``planned_fte`` of the block's active positions."""
    if plan.grant_blocks is None:
        warnings.append(
            Warning(
                "no_grant_notice",
                texts[gettext_noop("Für %(year)s liegt kein Bewilligungsbescheid vor.")]
                % {"year": plan.year},
            )
        )
    grant = {g.block: g for g in plan.grant_blocks or ()}
    for block, grant_block in sorted(grant.items()):
        planned = block_fte(block)
        if planned > grant_block.approved_fte:
            warnings.append(
                Warning(
                    "block_fte_exceeds_notice",
                    texts[
                        gettext_noop(
                            "Baustein %(block)s: %(planned)s Stellen geplant, bewilligt sind "
                            "%(approved)s."
                        )
                    ]
                    % {
                        "block": block,
                        "planned": de_fte(planned),
                        "approved": de_fte(grant_block.approved_fte),
                    },
                    block=block,
                )
            )
    case_management_blocks = sorted(
        {p.block for p in active if p.funding_kind == FundingKind.CASE_MANAGEMENT}
        | {r.block for r in plan.rates if r.kind == FundingKind.CASE_MANAGEMENT}
    )
    for block in case_management_blocks:
        positions = [p for p in active if p.block == block]
        planned = block_fte(block)
        available = grant[block].approved_fte if block in grant else planned
        if not available:
            continue
        municipal = planned_fte([p for p in positions if p.employer.is_municipal])
        if rules.below_one_third_at_municipality(municipal, available):
            warnings.append(
                Warning(
                    "municipal_share",
                    texts[
                        gettext_noop(
                            "Baustein %(block)s: nur %(municipal)s von %(available)s Stellen bei der "
                            "Kommune – mindestens ein Drittel gefordert"
                        )
                    ]
                    % {
                        "block": block,
                        "municipal": de_fte(municipal),
                        "available": de_fte(available),
                    },
                    block=block,
                )
            )
        vacant = rules.municipal_case_management_vacant(
            [
                (d.position.title, d.filled_fte_months)
                for d in drafts
                if d.position.block == block and d.position.employer.is_municipal
            ]
        )
        if vacant:
            warnings.append(
                Warning(
                    "municipal_vacant",
                    texts[
                        gettext_noop(
                            "Baustein %(block)s: %(n)s Casemanagement-Stelle(n) der Kommune "
                            "%(year)s ganzjährig unbesetzt (%(titles)s) – sie zählen für die "
                            "Drittel- und die 50-%%-Regel nur als „zur Besetzung vorgesehen“."
                        )
                    ]
                    % {
                        "block": block,
                        "n": len(vacant),
                        "year": plan.year,
                        "titles": ", ".join(f"„{t}“" for t in vacant),
                    },
                    block=block,
                )
            )
        if rules.filling_is_critical(planned, available):
            warnings.append(
                Warning(
                    "critical_filling",
                    texts[
                        gettext_noop(
                            "Baustein %(block)s kritisch: nur %(planned)s von %(available)s "
                            "verfügbaren Stellen besetzt oder zur Besetzung vorgesehen – "
                            "weniger als 50 %%"
                        )
                    ]
                    % {
                        "block": block,
                        "planned": de_fte(planned),
                        "available": de_fte(available),
                    },
                    block=block,
                )
            )


def _by_block(plan, results, programme_by_block, block_fte) -> tuple[BlockResult, ...]:
    results_of: dict[int, list[PositionResult]] = defaultdict(list)  # in one pass, in order
    for r in results:
        results_of[r.position.block].append(r)
    out = []
    for block in sorted(results_of.keys() | programme_by_block.keys()):
        rows = results_of.get(block, ())
        amounts = Amounts.total((r.amounts for r in rows), programme_by_block.get(block))
        out.append(
            BlockResult(
                block=block,
                name=plan.block_names.get(block, ""),
                amounts=amounts,
                fte=block_fte(block),
                filled_fte_months=sum((r.filled_fte_months for r in rows), ZERO),
            )
        )
    return tuple(out)


def _by_employer(plan, results, programme_by_block, texts: _Texts) -> tuple[GroupResult, ...]:
    # key -> [label, the group's amounts]
    groups: dict[str, list] = {}
    for r in results:
        employer = r.position.employer
        key = employer.slug + (f"/{r.position.department}" if r.position.department else "")
        entry = groups.get(key)
        if entry is None:
            label = employer.name + (f" – {r.position.department}" if r.position.department else "")
            entry = groups[key] = [label, []]
        entry[1].append(r.amounts)
    for entry in groups.values():
        entry[1] = Amounts.total(entry[1])
    if programme_by_block:
        key = f"{plan.recipient.slug}/programme"
        label = texts[gettext_noop("%(name)s – Sachkosten des Programms")] % {
            "name": plan.recipient.name
        }
        groups[key] = [label, Amounts.total(programme_by_block.values())]
    return tuple(
        GroupResult(key=k, label=label, amounts=amounts)
        for k, (label, amounts) in sorted(groups.items(), key=lambda kv: kv[1][0])
    )


def _by_bearer(
    plan, results, programme_by_block, orgs, pools, splits, split_positions, texts, warnings
) -> tuple[BearerShare, ...]:
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for r in results:
        for bearer, amount in r.bearer_parts:
            if not bearer.startswith("split:"):
                shares[bearer] += amount
    programme_own = sum((a.own_share for a in programme_by_block.values()), ZERO)
    if programme_own:
        shares[plan.recipient.slug] += programme_own
    for split_id, amount in pools.items():
        split = splits[split_id]
        if not split.members:
            warnings.append(
                Warning(
                    "split_without_members",
                    texts[
                        gettext_noop(
                            "Die Kostenaufteilung „%(name)s“ hat keine beteiligten Kommunen."
                        )
                    ]
                    % {"name": split.name},
                )
            )
            shares[plan.recipient.slug] += amount
            continue
        positions = split_positions[split_id]
        if not any(rules.split_weights(split, positions)):
            warnings.append(
                Warning(
                    "split_without_weights",
                    texts[
                        gettext_noop(
                            "Die Kostenaufteilung „%(name)s“ hat keine Gewichte: "
                            "aufgeteilt zu gleichen Teilen."
                        )
                    ]
                    % {"name": split.name},
                )
            )
        for (org, _percent), part in zip(
            split.members, rules.split_pool(split, positions, amount), strict=True
        ):
            orgs[org.slug] = org
            shares[org.slug] += part
    return tuple(
        BearerShare(organisation=orgs[slug], amount=amount)
        for slug, amount in sorted(shares.items(), key=lambda kv: orgs[kv[0]].name)
        if amount
    )


def _by_account(plan, results, programme_by_block) -> tuple[AccountLine, ...]:
    """Expense by budget product and ledger account; grant revenue by revenue account."""
    expense: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for r in results:
        p = r.position
        expense[(p.budget_product, p.ledger_account)] += r.amounts.personnel_cost
        revenue[RevenueCategory.PERSONNEL] += r.amounts.funding_personnel
        revenue[RevenueCategory.MATERIAL] += r.amounts.funding_material
    for c in plan.programme_costs:
        expense[(c.budget_product, c.ledger_account)] += c.amount
    for amounts in programme_by_block.values():
        revenue[RevenueCategory.MATERIAL] += amounts.funding_material
    lines = [
        AccountLine("expense", product, account, amount)
        for (product, account), amount in sorted(expense.items())
        if amount
    ]
    for category in (RevenueCategory.PERSONNEL, RevenueCategory.MATERIAL):
        if revenue[category]:
            product, account = plan.revenue_accounts.get(category, ("", ""))
            lines.append(AccountLine("revenue", product, account, revenue[category]))
    return tuple(lines)

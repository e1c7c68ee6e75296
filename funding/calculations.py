"""The cost engine: what a position costs, what the state pays, and who carries the rest.

Pure functions over ``Decimal`` and the small frozen dataclasses below: no ORM, no request.
``funding.selectors`` loads a recipient's year into a :class:`YearPlan`; :func:`compute_year`
turns it into a :class:`YearOverview`. Pages, API, commands and reports all use that result.

Rounding happens once per position and item, to the cent (``funding.money.cents``); every
aggregate is a sum of those cents, so ``funding + own_share == total_cost`` holds exactly at
every level, and splits between bearers use largest-remainder rounding to sum to the cent.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from funding.choices import (
    PER_YEAR_KINDS,
    SUPPLEMENTARY_KINDS,
    CostStatus,
    RevenueCategory,
)
from funding.money import ZERO, cents, split_to_cents
from kim_admin.formatting import de_fte, de_money
from staffing.rules import max_concurrent_fte

MONTHS = 12
TWELVE = Decimal(12)
HUNDRED = Decimal(100)
MUNICIPAL_KINDS = ("county", "county_free_city", "town")


# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    slug: str
    name: str
    kind: str
    levy_share: Decimal | None = None

    @property
    def is_municipal(self) -> bool:
        return self.kind in MUNICIPAL_KINDS


@dataclass(frozen=True, slots=True)
class Rate:
    """A flat amount in force from ``valid_from``; ``specificity`` 0 programme, 1 recipient,
    2 scenario: at any date the most specific rate in force wins, then the latest."""

    kind: str
    block: int
    amount: Decimal
    valid_from: date
    capped_at_cost: bool
    specificity: int = 0


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date | None
    fte: Decimal


@dataclass(frozen=True, slots=True)
class CostFigures:
    """A position's cost in the year as entered, with where it came from (actual, forecast,
    planned)."""

    employer_gross: Decimal
    material: Decimal = ZERO
    overhead_rate: Decimal | None = None
    overhead_amount: Decimal | None = None
    one_off: Decimal = ZERO
    source: str = CostStatus.PLANNED
    # Which statement, for people: "Prognose 28.11.2024 (Caritas), genehmigt am 02.12.2024".
    source_detail: str = ""


@dataclass(frozen=True, slots=True)
class Coverage:
    """The forwarding agreement in force: how much of a carrier's own share the payer covers."""

    policy: str
    payer: Org
    percent: Decimal | None = None
    flat_per_fte: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Split:
    """A cost split between towns; ``members`` are (town, fixed percent or None)."""

    id: int
    name: str
    method: str
    members: tuple[tuple[Org, Decimal | None], ...]
    employer_town: Org | None = None


@dataclass(frozen=True, slots=True)
class PositionPlan:
    id: int
    title: str
    block: int
    funding_kind: str
    fte: Decimal
    employer: Org
    start: date
    end: date | None = None
    department: str = ""
    pay_grade: str = ""
    budget_product: str = ""
    ledger_account: str = ""
    cost_centre: str = ""
    occupancies: tuple[Period, ...] = ()
    cost: CostFigures | None = None
    cost_table_per_fte: Decimal | None = None
    served_towns: tuple[tuple[Org, Decimal], ...] = ()
    coverage: Coverage | None = None
    split: Split | None = None


@dataclass(frozen=True, slots=True)
class ProgrammeCostItem:
    block: int
    category: str
    amount: Decimal
    source: str = CostStatus.PLANNED
    budget_product: str = ""
    ledger_account: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class GrantBlock:
    block: int
    approved_fte: Decimal
    max_personnel_funding: Decimal | None = None


@dataclass(frozen=True, slots=True)
class YearPlan:
    """Everything the engine needs for one recipient and year (real plan or a scenario)."""

    recipient: Org
    year: int
    positions: tuple[PositionPlan, ...] = ()
    programme_costs: tuple[ProgrammeCostItem, ...] = ()
    rates: tuple[Rate, ...] = ()
    # None: no grant notice covers the year.
    grant_blocks: tuple[GrantBlock, ...] | None = None
    # revenue category -> (budget product, ledger account)
    revenue_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    block_names: dict[int, str] = field(default_factory=dict)
    scenario: str | None = None


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amounts:
    personnel_cost: Decimal = ZERO
    material_cost: Decimal = ZERO
    funding_personnel: Decimal = ZERO
    funding_material: Decimal = ZERO

    @property
    def total_cost(self) -> Decimal:
        return self.personnel_cost + self.material_cost

    @property
    def funding(self) -> Decimal:
        return self.funding_personnel + self.funding_material

    @property
    def own_share(self) -> Decimal:
        return self.total_cost - self.funding

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.personnel_cost + other.personnel_cost,
            self.material_cost + other.material_cost,
            self.funding_personnel + other.funding_personnel,
            self.funding_material + other.funding_material,
        )

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "personnel_cost": self.personnel_cost,
            "material_cost": self.material_cost,
            "total_cost": self.total_cost,
            "funding_personnel": self.funding_personnel,
            "funding_material": self.funding_material,
            "funding": self.funding,
            "own_share": self.own_share,
        }


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str
    block: int | None = None
    position_id: int | None = None


@dataclass(frozen=True, slots=True)
class PositionResult:
    """One position in the year. ``amounts.personnel_cost`` is the position's whole cost
    (employer gross, material, overhead, one-off): seed 001 counts personnel-related material
    cost as personnel cost; ``funding_material`` is its workplace allowance."""

    position: PositionPlan
    filled_fte_months: Decimal
    cost_source: str
    employer_gross: Decimal
    material: Decimal
    overhead: Decimal
    one_off: Decimal
    amounts: Amounts
    funding_rule: str
    # (bearer slug or "split:<id>", amount); sums to amounts.own_share
    bearer_parts: tuple[tuple[str, Decimal], ...]

    @property
    def cost_source_detail(self) -> str:
        """The statement the entered figures come from (empty for plan rows and the table)."""
        return self.position.cost.source_detail if self.position.cost else ""

    @property
    def filled_months(self) -> Decimal:
        """Months filled, counted at the position's FTE (0.5 FTE filled all year: 12)."""
        if not self.position.fte:
            return ZERO
        return self.filled_fte_months / self.position.fte


@dataclass(frozen=True, slots=True)
class BlockResult:
    block: int
    name: str
    amounts: Amounts
    fte: Decimal
    filled_fte_months: Decimal


@dataclass(frozen=True, slots=True)
class GroupResult:
    key: str
    label: str
    amounts: Amounts


@dataclass(frozen=True, slots=True)
class BearerShare:
    organisation: Org
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AccountLine:
    direction: str  # "expense" or "revenue"
    budget_product: str
    ledger_account: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class YearOverview:
    recipient: Org
    year: int
    scenario: str | None
    totals: Amounts
    # Seed 001's council table: personnel cost against the state's funding for it
    # (personnel rates + workplace allowance): 913,257.24 / 576,600.00 / 336,657.24.
    position_funding: Decimal
    by_block: tuple[BlockResult, ...]
    by_employer: tuple[GroupResult, ...]
    by_bearer: tuple[BearerShare, ...]
    by_account: tuple[AccountLine, ...]
    positions: tuple[PositionResult, ...]
    programme_funding: Decimal
    warnings: tuple[Warning, ...]

    def cost_sources(self) -> tuple[tuple[str, str, int], ...]:
        """Where the positions' costs come from, for the data state a council reads: (source,
        statement, number of positions), e.g. ("forecast", "Prognose 28.11.2024 (Caritas …),
        genehmigt am 02.12.2024", 2); most positions first, then by statement."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for result in self.positions:
            counts[(str(result.cost_source), result.cost_source_detail)] += 1
        return tuple(
            (source, detail, n)
            for (source, detail), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
        )


# --- Time -------------------------------------------------------------------------------------


def month_fractions(year: int, start: date, end: date | None) -> list[Decimal]:
    """For each month of ``year``, the share of its days inside [start, end] (end inclusive)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if start <= first and (end is None or end >= last):
        return [Decimal(1)] * MONTHS  # the common case: the whole year
    fractions = [ZERO] * MONTHS
    lo = max(start, first)
    hi = last if end is None else min(end, last)
    if hi < lo:
        return fractions
    for month in range(lo.month, hi.month + 1):
        days = calendar.monthrange(year, month)[1]
        m_lo = lo.day if month == lo.month else 1
        m_hi = hi.day if month == hi.month else days
        covered = m_hi - m_lo + 1
        fractions[month - 1] = Decimal(1) if covered == days else Decimal(covered) / Decimal(days)
    return fractions


def filled_fte_by_month(year: int, position: PositionPlan) -> list[Decimal]:
    """FTE filled in each month of the year; never more than the position's FTE in a month."""
    first, last = date(year, 1, 1), date(year, 12, 31)
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


def is_active(year: int, start: date, end: date | None) -> bool:
    """Whether a position exists (planned or filled) at some day of the year."""
    return start <= date(year, 12, 31) and (end is None or end >= date(year, 1, 1))


# --- Rates ------------------------------------------------------------------------------------


def rate_in_force(rates: tuple[Rate, ...], kind: str, block: int, on: date) -> Rate | None:
    """The rate of ``kind`` for ``block`` in force on a date: most specific, then latest."""
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
    """The rate in force on the first day of each month (rates change on a date)."""
    return [rate_in_force(rates, kind, block, date(year, m, 1)) for m in range(1, MONTHS + 1)]


def flat_amount(monthly: list[Rate | None], filled: list[Decimal]) -> Decimal:
    """Rate × FTE × filled months / 12, month by month with the rate in force then (unrounded)."""
    total = Decimal(0)
    for rate, fte in zip(monthly, filled, strict=True):
        if rate is not None and fte:
            total += rate.amount * fte
    return total / TWELVE


def rate_texts() -> tuple[str, str, str]:
    """The translated texts of :func:`describe_rate` (translate once, format many times)."""
    return (
        _("kein Fördersatz in Kraft"),
        _("%(rate)s je VZ × %(ftem)s VZ-Monate / 12"),
        _(", höchstens die förderfähigen Kosten"),
    )


def describe_rate(
    monthly: list[Rate | None],
    filled_fte_months: Decimal,
    capped: bool,
    texts: tuple[str, str, str] | None = None,
) -> str:
    none_text, template, capped_text = texts or rate_texts()
    used = sorted({r.amount for r in monthly if r is not None})
    if not used:
        return none_text
    amounts = " / ".join(de_money(a) for a in used)
    text = template % {
        "rate": amounts,
        "ftem": de_fte(filled_fte_months.quantize(Decimal("0.001"))),
    }
    if capped:
        text += capped_text
    return text


# --- Costs and coverage -----------------------------------------------------------------------


def position_cost(position: PositionPlan, filled_fte_months: Decimal):
    """The position's cost in the year: entered figures, else the pay grade's cost table
    × FTE × filled months / 12. Returns (source, employer gross, material, overhead, one-off)."""
    figures = position.cost
    if figures is None:
        if position.cost_table_per_fte is None:
            return "none", ZERO, ZERO, ZERO, ZERO
        gross = cents(position.cost_table_per_fte * filled_fte_months / TWELVE)
        return "cost_table", gross, ZERO, ZERO, ZERO
    if figures.overhead_amount is not None:
        overhead = figures.overhead_amount
    elif figures.overhead_rate is not None:
        overhead = cents(figures.employer_gross * figures.overhead_rate / HUNDRED)
    else:
        overhead = ZERO
    return figures.source, figures.employer_gross, figures.material, overhead, figures.one_off


def covered_by_payer(coverage: Coverage, own_share: Decimal, filled_fte_months: Decimal) -> Decimal:
    """How much of a carrier's own share the payer covers under the agreement's policy.

    all: everything; none: nothing; percent: that share; flat per FTE: at most the amount per
    FTE × filled months / 12 (Kreis Heinsberg: 5,000 EUR), never more than the own share.
    Nothing is covered where the funding already covers the cost.
    """
    if own_share <= 0:
        return ZERO
    match coverage.policy:
        case "all":
            return own_share
        case "none":
            return ZERO
        case "percent":
            return cents(own_share * (coverage.percent or ZERO) / HUNDRED)
        case "flat_per_fte":
            flat = cents((coverage.flat_per_fte or ZERO) * filled_fte_months / TWELVE)
            return min(flat, own_share)
    raise ValueError(f"unknown coverage policy {coverage.policy!r}")


def split_weights(split: Split, positions: list[PositionPlan]) -> list[Decimal]:
    """Each member's weight in a split: equal, fixed percent, levy share, or deployed FTE
    (the FTE each town receives from the split's positions by their served shares)."""
    match split.method:
        case "equal":
            return [Decimal(1)] * len(split.members)
        case "fixed_percent":
            return [percent or ZERO for _org, percent in split.members]
        case "levy_share":
            return [org.levy_share or ZERO for org, _percent in split.members]
        case "deployed_fte":
            deployed: dict[int, Decimal] = defaultdict(Decimal)
            for position in positions:
                for town, share in position.served_towns:
                    deployed[town.id] += position.fte * share / HUNDRED
            return [deployed.get(org.id, ZERO) for org, _percent in split.members]
    raise ValueError(f"unknown split method {split.method!r}")


def split_pool(split: Split, positions: list[PositionPlan], amount: Decimal) -> list[Decimal]:
    """``amount`` (a split's pool: the own share of its positions, or one cost item of them)
    over the split's members by their weights, to the cent (largest remainder); the by-bearer
    figures and the settlement between towns both split this way."""
    return split_to_cents(amount, split_weights(split, positions))


# --- The year ---------------------------------------------------------------------------------


def compute_year(plan: YearPlan) -> YearOverview:
    """The overview of one recipient's year: per position, per block, employer, bearer and
    budget account, and the funder's warnings."""
    year = plan.year
    warnings: list[Warning] = []
    active = [p for p in plan.positions if is_active(year, p.start, p.end)]
    # Rates and their description depend on (kind, block) and the filled FTE-months only:
    # worked out once per recipient and year, not once per position.
    rates_cache: dict[tuple[str, int], list[Rate | None]] = {}
    rule_cache: dict[tuple, str] = {}
    texts = rate_texts()

    def rates_of(kind: str, block: int) -> list[Rate | None]:
        key = (kind, block)
        if key not in rates_cache:
            rates_cache[key] = monthly_rates(plan.rates, kind, block, year)
        return rates_cache[key]

    # 1. Each position: filled FTE-months, cost, funding before block caps.
    drafts = []
    for position in active:
        filled = filled_fte_by_month(year, position)
        filled_fte_months = sum(filled, ZERO)
        source, gross, material, overhead, one_off = position_cost(position, filled_fte_months)
        primary = rates_of(position.funding_kind, position.block)
        primary_capped = any(r is not None and r.capped_at_cost for r in primary)
        personnel_funding = flat_amount(primary, filled)
        if primary_capped:
            personnel_funding = min(personnel_funding, gross)
        personnel_funding = cents(personnel_funding)
        rule_key = (position.funding_kind, position.block, filled_fte_months, primary_capped)
        rule = rule_cache.get(rule_key)
        if rule is None:
            rule = rule_cache[rule_key] = describe_rate(
                primary, filled_fte_months, primary_capped, texts
            )
        supplementary = ZERO
        for kind in SUPPLEMENTARY_KINDS:
            monthly = rates_of(kind, position.block)
            amount = flat_amount(monthly, filled)
            if any(r is not None and r.capped_at_cost for r in monthly):
                amount = min(amount, material)
            supplementary += cents(amount)
        drafts.append(
            [
                position,
                filled_fte_months,
                source,
                gross,
                material,
                overhead,
                one_off,
                personnel_funding,
                supplementary,
                rule,
            ]
        )
        _position_warnings(position, year, filled_fte_months, source, primary, warnings)

    # 2. Block caps of the grant notice (seed 001: block 1 at most 160,000 EUR a year).
    grant = {g.block: g for g in plan.grant_blocks or ()}
    for block, grant_block in grant.items():
        if grant_block.max_personnel_funding is None:
            continue
        rows = [d for d in drafts if d[0].block == block]
        funded = sum((d[7] for d in rows), ZERO)
        excess = funded - grant_block.max_personnel_funding
        if excess > 0:
            cuts = split_to_cents(excess, [d[7] for d in rows])
            for row, cut in zip(rows, cuts, strict=True):
                row[7] -= cut
            warnings.append(
                Warning(
                    "block_cap",
                    _(
                        "Baustein %(block)s: Förderung von %(funded)s auf den bewilligten "
                        "Höchstbetrag von %(cap)s gekürzt."
                    )
                    % {
                        "block": block,
                        "funded": de_money(funded),
                        "cap": de_money(grant_block.max_personnel_funding),
                    },
                    block=block,
                )
            )

    # 3. Results and who carries each position's own share.
    results: list[PositionResult] = []
    orgs: dict[str, Org] = {plan.recipient.slug: plan.recipient}
    pools: dict[int, Decimal] = defaultdict(Decimal)
    split_positions: dict[int, list[PositionPlan]] = defaultdict(list)
    splits: dict[int, Split] = {}
    for position, ftem, source, gross, material, overhead, one_off, pf, sf, rule in drafts:
        amounts = Amounts(
            personnel_cost=gross + material + overhead + one_off,
            funding_personnel=pf,
            funding_material=sf,
        )
        carrier_part, rest, rest_bearer = carrier_and_rest(position, amounts.own_share, ftem)
        if position.employer.kind == "carrier" and position.coverage is None:
            warnings.append(
                Warning(
                    "carrier_without_agreement",
                    _(
                        "„%(title)s“ ist bei %(carrier)s angesiedelt, aber kein "
                        "Weiterleitungsvertrag gilt in %(year)s: die Trägerin trägt den "
                        "Eigenanteil allein."
                    )
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
                filled_fte_months=ftem,
                cost_source=source,
                employer_gross=gross,
                material=material,
                overhead=overhead,
                one_off=one_off,
                amounts=amounts,
                funding_rule=rule,
                bearer_parts=tuple(parts),
            )
        )

    # 4. Programme costs (events, measures, external support) and their yearly budget.
    programme_by_block: dict[int, Amounts] = {}
    programme_funding_total = ZERO
    for block in sorted({c.block for c in plan.programme_costs} | _budget_blocks(plan.rates)):
        cost = sum((c.amount for c in plan.programme_costs if c.block == block), ZERO)
        funding = ZERO
        for kind in PER_YEAR_KINDS:
            monthly = monthly_rates(plan.rates, kind, block, year)
            amount = sum((r.amount for r in monthly if r is not None), ZERO) / TWELVE
            if any(r is not None and r.capped_at_cost for r in monthly):
                amount = min(amount, cost)
            funding += cents(amount)
        if cost or funding:
            programme_by_block[block] = Amounts(material_cost=cost, funding_material=funding)
            programme_funding_total += funding

    # 5. Aggregates.
    totals = sum((r.amounts for r in results), Amounts())
    totals = sum(programme_by_block.values(), totals)
    by_block = _by_block(plan, results, programme_by_block)
    by_employer = _by_employer(plan, results, programme_by_block)
    by_bearer = _by_bearer(
        plan, results, programme_by_block, orgs, pools, splits, split_positions, warnings
    )
    by_account = _by_account(plan, results, programme_by_block)
    _programme_warnings(plan, active, warnings)

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


def carrier_and_rest(position: PositionPlan, own_share: Decimal, filled_fte_months: Decimal):
    """Split a position's own share into the carrier's part and the rest, with the rest's bearer.

    A carrier carries what its forwarding agreement does not cover (all of it without an
    agreement); the payer (normally the recipient) carries the covered part. Any other employer
    carries the whole own share itself, unless a cost split shares it between towns.
    """
    if position.employer.kind == "carrier":
        if position.coverage is None:
            return own_share, ZERO, None
        covered = covered_by_payer(position.coverage, own_share, filled_fte_months)
        return own_share - covered, covered, position.coverage.payer
    return ZERO, own_share, position.employer


def _budget_blocks(rates: tuple[Rate, ...]) -> set[int]:
    return {r.block for r in rates if r.kind in PER_YEAR_KINDS}


def _position_warnings(position, year, filled_fte_months, source, primary, warnings):
    periods = [(o.start, o.end, o.fte) for o in position.occupancies]
    peak = max_concurrent_fte(periods)
    if peak > position.fte:
        warnings.append(
            Warning(
                "occupancy_above_fte",
                _("„%(title)s“: besetzt mit %(peak)s VZ, die Stelle hat nur %(fte)s VZ.")
                % {"title": position.title, "peak": de_fte(peak), "fte": de_fte(position.fte)},
                block=position.block,
                position_id=position.id,
            )
        )
    if filled_fte_months and all(r is None for r in primary):
        warnings.append(
            Warning(
                "no_rate",
                _("„%(title)s“: für %(year)s ist kein Fördersatz hinterlegt.")
                % {"title": position.title, "year": year},
                block=position.block,
                position_id=position.id,
            )
        )
    if filled_fte_months and source == "none":
        warnings.append(
            Warning(
                "no_cost",
                _(
                    "„%(title)s“: für %(year)s sind weder Kosten erfasst noch ein "
                    "Personalkostensatz für die Entgeltgruppe hinterlegt."
                )
                % {"title": position.title, "year": year},
                block=position.block,
                position_id=position.id,
            )
        )


def _planned_fte(positions) -> Decimal:
    """The most FTE that exist (planned or filled) at one time in the year."""
    return max_concurrent_fte([(p.start, p.end, p.fte) for p in positions])


def _programme_warnings(plan: YearPlan, active: list[PositionPlan], warnings: list[Warning]):
    """The funder's rules (seed 000, Leverkusen 2024) and the grant notice's limits."""
    if plan.grant_blocks is None:
        warnings.append(
            Warning(
                "no_grant_notice",
                _("Für %(year)s liegt kein Bewilligungsbescheid vor.") % {"year": plan.year},
            )
        )
    grant = {g.block: g for g in plan.grant_blocks or ()}
    for block, grant_block in sorted(grant.items()):
        planned = _planned_fte([p for p in active if p.block == block])
        if planned > grant_block.approved_fte:
            warnings.append(
                Warning(
                    "block_fte_exceeds_notice",
                    _(
                        "Baustein %(block)s: %(planned)s Stellen geplant, bewilligt sind "
                        "%(approved)s."
                    )
                    % {
                        "block": block,
                        "planned": de_fte(planned),
                        "approved": de_fte(grant_block.approved_fte),
                    },
                    block=block,
                )
            )
    case_management_blocks = sorted(
        {p.block for p in active if p.funding_kind == "case_management"}
        | {r.block for r in plan.rates if r.kind == "case_management"}
    )
    for block in case_management_blocks:
        positions = [p for p in active if p.block == block]
        planned = _planned_fte(positions)
        available = grant[block].approved_fte if block in grant else planned
        if not available:
            continue
        municipal = _planned_fte([p for p in positions if p.employer.is_municipal])
        if municipal * 3 < available:
            warnings.append(
                Warning(
                    "municipal_share",
                    _(
                        "Baustein %(block)s: nur %(municipal)s von %(available)s Stellen bei der "
                        "Kommune – mindestens ein Drittel gefordert"
                    )
                    % {
                        "block": block,
                        "municipal": de_fte(municipal),
                        "available": de_fte(available),
                    },
                    block=block,
                )
            )
        if planned * 2 < available:
            warnings.append(
                Warning(
                    "critical_filling",
                    _(
                        "Baustein %(block)s kritisch: nur %(planned)s von %(available)s "
                        "verfügbaren Stellen besetzt oder zur Besetzung vorgesehen – "
                        "weniger als 50 %%"
                    )
                    % {
                        "block": block,
                        "planned": de_fte(planned),
                        "available": de_fte(available),
                    },
                    block=block,
                )
            )


def _by_block(plan, results, programme_by_block) -> tuple[BlockResult, ...]:
    blocks = sorted({r.position.block for r in results} | set(programme_by_block))
    out = []
    for block in blocks:
        rows = [r for r in results if r.position.block == block]
        amounts = sum((r.amounts for r in rows), programme_by_block.get(block, Amounts()))
        out.append(
            BlockResult(
                block=block,
                name=plan.block_names.get(block, ""),
                amounts=amounts,
                fte=_planned_fte([r.position for r in rows]),
                filled_fte_months=sum((r.filled_fte_months for r in rows), ZERO),
            )
        )
    return tuple(out)


def _by_employer(plan, results, programme_by_block) -> tuple[GroupResult, ...]:
    groups: dict[str, list] = {}
    for r in results:
        employer = r.position.employer
        key = employer.slug + (f"/{r.position.department}" if r.position.department else "")
        label = employer.name + (f" – {r.position.department}" if r.position.department else "")
        entry = groups.setdefault(key, [label, Amounts()])
        entry[1] = entry[1] + r.amounts
    if programme_by_block:
        key = f"{plan.recipient.slug}/programme"
        label = _("%(name)s – Sachkosten des Programms") % {"name": plan.recipient.name}
        groups[key] = [label, sum(programme_by_block.values(), Amounts())]
    return tuple(
        GroupResult(key=k, label=label, amounts=amounts)
        for k, (label, amounts) in sorted(groups.items(), key=lambda kv: kv[1][0])
    )


def _by_bearer(
    plan, results, programme_by_block, orgs, pools, splits, split_positions, warnings
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
                    _("Die Kostenaufteilung „%(name)s“ hat keine beteiligten Kommunen.")
                    % {"name": split.name},
                )
            )
            shares[plan.recipient.slug] += amount
            continue
        positions = split_positions[split_id]
        if not any(split_weights(split, positions)):
            warnings.append(
                Warning(
                    "split_without_weights",
                    _(
                        "Die Kostenaufteilung „%(name)s“ hat keine Gewichte: "
                        "aufgeteilt zu gleichen Teilen."
                    )
                    % {"name": split.name},
                )
            )
        for (org, _percent), part in zip(
            split.members, split_pool(split, positions, amount), strict=True
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

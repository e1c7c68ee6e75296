"""Projections: a plan or scenario carried forward over several years (pure Decimal code).

The engine's year plans of the base year and of the projected years go in; the same plans come
out with the assumptions applied, and the engine computes them as any other year:

- **Pay rises** take effect on a date, not only on 1 January (TVöD: +3.0 % from 01.04.2025,
  +2.8 % from 01.05.2026). The pay level of a month is the product of every rise in force,
  a rise that starts in the middle of a month counting for its days.
- **Costs**: a position's employer gross in the base year, divided by its filled FTE-months
  weighted with the pay level, is its cost per FTE-month at level 1; a projected year's
  employer gross is that rate times its filled FTE-months weighted with that year's levels.
  So occupancy changes and mid-year rises both show. Material and an overhead amount are
  carried per filled FTE-month without rises, an overhead rate stays a rate, one-off costs
  are not carried. A position without cost figures in the base year keeps its plan's costs.
  Actual figures of a closed year are never replaced.
- **Rates**: changed rates are added above the recipient's and the scenario's; from the year
  the state ends the programme every rate is zero, everything becomes own share and the
  positions' splits carry it (Kreis Coesfeld: the towns of a region in equal shares).
- **Positions** end on a date (occupancy ends with them) or are added like an existing one
  (same employer, pay grade, towns, coverage and split) with their own FTE from a date, filled
  from that date.

The base year itself is left as planned; the assumptions apply to the years after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from funding.calculations import (
    CostFigures,
    Period,
    PositionPlan,
    Rate,
    YearOverview,
    YearPlan,
    compute_year,
    filled_fte_by_month,
    month_fractions,
)
from funding.choices import CostStatus, FundingKind
from funding.money import ZERO, cents
from funding.rules import HUNDRED

ONE = Decimal(1)
PROJECTED = "projected"
# Above programme-wide (0), recipient (1) and scenario (2) rates: a projection's own rates
# win at any date they are in force; the programme's end (4) wins over those.
PROJECTION_SPECIFICITY = 3
PROGRAMME_END_SPECIFICITY = 4
# Synthetic ids of added positions: negative, never a database id.
ADDED_ID_BASE = -1_000_000


@dataclass(frozen=True, slots=True)
class PayRise:
    effective_from: date
    percent: Decimal


@dataclass(frozen=True, slots=True)
class PositionChange:
    """``end``: the position ends on ``on`` (its last day). ``add``: a new position like
    ``position_id`` from ``on``, with ``fte`` (default: the template's) and ``title``."""

    action: str
    position_id: int
    on: date
    fte: Decimal | None = None
    title: str = ""
    key: int = 0


@dataclass(frozen=True, slots=True)
class Assumptions:
    base_year: int
    last_year: int
    pay_rises: tuple[PayRise, ...] = ()
    rate_changes: tuple[Rate, ...] = ()
    position_changes: tuple[PositionChange, ...] = ()
    programme_end_year: int | None = None
    label: str = "Fortschreibung"

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.last_year + 1))

    @property
    def projected_years(self) -> list[int]:
        return list(range(self.base_year + 1, self.last_year + 1))


@dataclass(frozen=True, slots=True)
class CostRate:
    """A position's base-year cost per FTE-month: employer gross at pay level 1, material and
    overhead amount as entered; the overhead rate as it is."""

    gross: Decimal
    material: Decimal
    overhead_rate: Decimal | None
    overhead_amount: Decimal | None


# --- Pay levels -------------------------------------------------------------------------------


def pay_levels(rises: Iterable[PayRise], year: int) -> list[Decimal]:
    """Each month's pay level in ``year``: the product of every rise in force, a rise that
    starts within a month weighted by the month's days from its date (level 1 before the
    first rise)."""
    levels = [ONE] * 12
    for rise in sorted(rises, key=lambda r: r.effective_from):
        factor = rise.percent / HUNDRED
        for i, fraction in enumerate(month_fractions(year, rise.effective_from, None)):
            if fraction:
                levels[i] *= ONE + factor * fraction
    return levels


def weighted(filled: list[Decimal], levels: list[Decimal]) -> Decimal:
    return sum((f * level for f, level in zip(filled, levels, strict=True)), ZERO)


def cost_rate(position: PositionPlan, year: int, levels: list[Decimal]) -> CostRate | None:
    """The position's cost per FTE-month at level 1 from its figures in ``year``; None without
    entered figures or filled months (then its plan's costs stay)."""
    figures = position.cost
    filled = filled_fte_by_month(year, position)
    months = sum(filled, ZERO)
    if figures is None or not months:
        return None
    amount = figures.overhead_amount
    return CostRate(
        gross=figures.employer_gross / weighted(filled, levels),
        material=figures.material / months,
        overhead_rate=figures.overhead_rate,
        overhead_amount=None if amount is None else amount / months,
    )


def projected_cost(position: PositionPlan, year: int, rate: CostRate, levels, label: str):
    """The position's cost figures in a projected year from its base rate."""
    filled = filled_fte_by_month(year, position)
    months = sum(filled, ZERO)
    return CostFigures(
        employer_gross=cents(rate.gross * weighted(filled, levels)),
        material=cents(rate.material * months),
        overhead_rate=rate.overhead_rate,
        overhead_amount=None
        if rate.overhead_amount is None
        else cents(rate.overhead_amount * months),
        one_off=ZERO,
        source=PROJECTED,
        source_detail=label,
    )


# --- Positions and rates ----------------------------------------------------------------------


def _ended(position: PositionPlan, last_day: date) -> PositionPlan:
    end = last_day if position.end is None else min(position.end, last_day)
    occupancies = tuple(
        Period(o.start, last_day if o.end is None else min(o.end, last_day), o.fte)
        for o in position.occupancies
        if o.start <= last_day
    )
    return replace(position, end=end, occupancies=occupancies)


def _added(template: PositionPlan, change: PositionChange) -> PositionPlan:
    fte = change.fte if change.fte is not None else template.fte
    return replace(
        template,
        id=ADDED_ID_BASE - change.key,
        title=change.title or template.title,
        fte=fte,
        start=change.on,
        end=None,
        occupancies=(Period(change.on, None, fte),),
        cost=None,
    )


def _programme_end_rates(rates: tuple[Rate, ...], year: int) -> tuple[Rate, ...]:
    """Zero for every kind and block from 1 January of ``year``."""
    blocks = {r.block for r in rates}
    return tuple(
        Rate(kind, block, ZERO, date(year, 1, 1), False, PROGRAMME_END_SPECIFICITY)
        for block in sorted(blocks)
        for kind in FundingKind.values
    )


def projected_rates(plan_rates: tuple[Rate, ...], assumptions: Assumptions) -> tuple[Rate, ...]:
    rates = plan_rates + tuple(
        replace(r, specificity=PROJECTION_SPECIFICITY) for r in assumptions.rate_changes
    )
    if assumptions.programme_end_year is not None:
        rates += _programme_end_rates(rates, assumptions.programme_end_year)
    return rates


# --- The projection ---------------------------------------------------------------------------


def project(plans: Mapping[int, YearPlan], assumptions: Assumptions) -> dict[int, YearPlan]:
    """The year plans of ``assumptions.years`` with the assumptions applied (the base year as
    planned). ``plans`` holds the plan or scenario's year plans of those years."""
    base = plans[assumptions.base_year]
    base_levels = pay_levels(assumptions.pay_rises, base.year)
    rates_by_id: dict[int, CostRate | None] = {
        p.id: cost_rate(p, base.year, base_levels) for p in base.positions
    }
    templates = {p.id: p for plan in plans.values() for p in plan.positions}
    ends = {c.position_id: c.on for c in assumptions.position_changes if c.action == "end"}
    additions = [c for c in assumptions.position_changes if c.action == "add"]
    rates = projected_rates(base.rates, assumptions)

    out = {base.year: base}
    for year in assumptions.projected_years:
        plan = plans[year]
        levels = pay_levels(assumptions.pay_rises, year)
        positions = []
        for position in plan.positions:
            if position.id in ends:
                position = _ended(position, ends[position.id])
            positions.append((position.id, position))
        own = {p.id: p for p in plan.positions}
        for change in additions:
            template = own.get(change.position_id) or templates.get(change.position_id)
            if template is not None and change.on <= date(year, 12, 31):
                positions.append((change.position_id, _added(template, change)))
        projected = []
        for rate_key, position in positions:
            if position.end is not None and position.end < date(year, 1, 1):
                continue
            rate = rates_by_id.get(rate_key)
            closed = position.cost is not None and position.cost.source == CostStatus.ACTUAL
            if rate is not None and not closed:
                position = replace(
                    position,
                    cost=projected_cost(position, year, rate, levels, assumptions.label),
                )
            projected.append(position)
        ended = (
            assumptions.programme_end_year is not None and year >= assumptions.programme_end_year
        )
        out[year] = replace(
            plan,
            positions=tuple(projected),
            rates=rates,
            grant_blocks=() if ended else plan.grant_blocks,
        )
    return out


def compute_projection(
    plans: Mapping[int, YearPlan], assumptions: Assumptions
) -> dict[int, YearOverview]:
    return {year: compute_year(plan) for year, plan in project(plans, assumptions).items()}

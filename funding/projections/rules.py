"""Carrying a plan forward over the years (pure Decimal code): the one place for it.

Two callers use the same rule (:func:`cost_rate` and :func:`carried_cost`):

- **the plan itself** (``funding.selectors``): a year without entered figures for a position
  takes its last known figures (actual, approved forecast or plan, by the selector's
  precedence) carried forward with the programme's pay rises (``funding.PayRise``) to the
  year's occupancy: :func:`carry_forward`, cost source ``carried`` ("fortgeschrieben aus 2026,
  mit Tariferhöhungen"). The real plan, its scenarios and the projections' plans all load
  through it, so none of them falls off a cliff after the last year with figures;
- **projections** (:func:`project`), with their own assumptions as below.

The engine's year plans of the base year and of the projected years go in; the same plans come
out with the assumptions applied, and the engine computes them as any other year:

- **Pay rises** take effect on a date, not only on 1 January (TVöD: +3.0 % from 01.04.2025,
  +2.8 % from 01.05.2026). The pay level of a month is the product of every rise in force,
  a rise that starts in the middle of a month counting for its days.
- **Costs**: a position's employer gross in the base year, divided by the FTE-months it is for
  (a planned figure: the position at its FTE over the part of the year it exists; a forecast,
  actual or carried figure: the months filled) weighted with the pay level, is its cost per
  FTE-month at level 1; a projected year's
  employer gross is that rate times its filled FTE-months weighted with that year's levels.
  So occupancy changes and mid-year rises both show. Material and an overhead amount are
  carried per FTE-month without rises, an overhead rate stays a rate, one-off costs
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

from django.utils.translation import gettext as _

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
    planned_fte_by_month,
)
from funding.choices import CostSource, CostStatus, FundingKind
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


def cost_basis(position: PositionPlan, year: int, figures: CostFigures) -> list[Decimal]:
    """The FTE of each month of ``year`` that ``figures`` are for: a planned figure is for the
    position at its FTE over the part of the year it exists (``rules.planned_cost_for_
    occupancy``); a forecast, actual, carried or projected figure for the months filled (the
    planned months where none is filled: a cost entered for a vacant year)."""
    if figures.source != CostStatus.PLANNED:
        filled = filled_fte_by_month(year, position)
        if any(filled):
            return filled
    return planned_fte_by_month(year, position)


def cost_rate(
    position: PositionPlan, year: int, levels: list[Decimal], figures: CostFigures | None = None
) -> CostRate | None:
    """The position's cost per FTE-month at pay level 1 from its figures in ``year`` (its
    own ``cost`` unless ``figures`` are given); None without figures or months they are for
    (then its plan's costs stay)."""
    figures = figures if figures is not None else position.cost
    if figures is None:
        return None
    basis = cost_basis(position, year, figures)
    months = sum(basis, ZERO)
    weighted_months = weighted(basis, levels)
    if not months or not weighted_months:
        return None
    amount = figures.overhead_amount
    return CostRate(
        gross=figures.employer_gross / weighted_months,
        material=figures.material / months,
        overhead_rate=figures.overhead_rate,
        overhead_amount=None if amount is None else amount / months,
    )


def carried_cost(
    position: PositionPlan,
    year: int,
    rate: CostRate,
    levels,
    label: str,
    source: str = PROJECTED,
) -> CostFigures:
    """The position's cost figures in a later year from its cost rate: employer gross at the
    year's pay levels × its filled FTE-months, material and overhead amount per filled
    FTE-month, the overhead rate as it is, no one-off cost."""
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
        source=source,
        source_detail=label,
    )


def carried_label(known_year: int, rises: Iterable[PayRise], year: int) -> str:
    """The statement of a carried figure: "fortgeschrieben aus 2026, mit Tariferhöhungen"
    (without a rise between the two years: "…, ohne Tariferhöhung")."""
    rises_between = any(r.effective_from.year <= year for r in rises) and pay_levels(
        rises, known_year
    ) != pay_levels(rises, year)
    if rises_between:
        return _("fortgeschrieben aus %(year)s, mit Tariferhöhungen") % {"year": known_year}
    return _("fortgeschrieben aus %(year)s, ohne Tariferhöhung") % {"year": known_year}


def carry_forward(
    position: PositionPlan,
    occupancies: tuple[Period, ...],
    known_year: int,
    known: CostFigures,
    year: int,
    rises: tuple[PayRise, ...],
) -> CostFigures | None:
    """A year without entered figures: the position's last known figures (of ``known_year``,
    chosen by the selector's precedence) carried forward to ``year`` with the programme's pay
    rises, scaled by the year's filled FTE-months (issue 14: no cliff after the last year
    with figures). ``occupancies``: all of the position's periods (the known year's and this
    year's). None where the known figures are for no months (then the cost table applies)."""
    known_position = replace(position, occupancies=occupancies)
    rate = cost_rate(known_position, known_year, pay_levels(rises, known_year), known)
    if rate is None:
        return None
    return carried_cost(
        position,
        year,
        rate,
        pay_levels(rises, year),
        carried_label(known_year, rises, year),
        source=CostSource.CARRIED,
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
                    cost=carried_cost(position, year, rate, levels, assumptions.label),
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

"""One position's figures, year by year: what it cost, what the state paid, who carried the rest.

The figures of a position depend on itself and, where the grant notice caps its block, on the
other positions of the block (the cap is shared); a cost split shares only the position's own
share among towns. So each year is the engine's result for the plan narrowed to what the
position depends on (``multi_year_plans(focus=…)``: its time does not grow with the
recipient's other positions), from which this position's row is taken. ``multi_year_plans``
loads all years in one fixed number of queries (14), whatever the span.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from funding import calculations as calc
from funding.selectors import multi_year_plans

# Warnings about the block as a whole that change this position's own figures.
BLOCK_WARNINGS = ("block_cap",)


@dataclass(frozen=True)
class PositionYear:
    year: int
    # None: the position does not exist in that year.
    result: calc.PositionResult | None
    # The engine's warnings about this position (and a block cap that cut its funding).
    warnings: tuple[calc.Warning, ...] = ()


def position_span(position, cost_years: Iterable[int] = (), today: date | None = None) -> list[int]:
    """The years a position spans: from its planned start to its end; an open-ended position
    to this year, or to the last year with entered cost if that is later."""
    today = today or timezone.localdate()
    first = position.planned_start.year
    if position.end_date is not None:
        last = position.end_date.year
    else:
        last = max([today.year, *cost_years])
    return list(range(first, max(first, last) + 1))


def position_years(position, years: Iterable[int]) -> list[PositionYear]:
    """The engine's result for ``position`` in each of ``years`` (``position.recipient``,
    ``position.scenario`` and ``position.block`` are read, so load them with the position)."""
    years = sorted(set(years))
    if not years:
        return []
    plans = multi_year_plans(
        [position.recipient],
        years,
        scenario=position.scenario,
        focus=(position.pk, position.block.number),
    )
    rows = []
    for year in years:
        overview = calc.compute_year(plans[(position.recipient_id, year)])
        result = next((r for r in overview.positions if r.position.id == position.pk), None)
        warnings = ()
        if result is not None:
            warnings = tuple(
                w
                for w in overview.warnings
                if w.position_id == position.pk
                or (w.code in BLOCK_WARNINGS and w.block == result.position.block)
            )
        rows.append(PositionYear(year=year, result=result, warnings=warnings))
    return rows

"""Pieces several kinds share: the checks before a report is made and the labels."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from funding import calculations as calc
from funding.choices import CostSource, OrganisationKind
from reports.registry import ReportInputError

KIND_LABELS = dict(OrganisationKind.choices)


def max_positions() -> int:
    """The most positions a report may list (REPORTS_MAX_POSITIONS): beyond that the PDF
    runs to hundreds of pages that no council member reads, and rendering takes minutes."""
    return getattr(settings, "REPORTS_MAX_POSITIONS", 2000)


def check_has_data(overview: calc.YearOverview) -> None:
    """A year without any position or programme cost is no report (German message)."""
    if not overview.positions and not overview.totals.total_cost:
        raise ReportInputError(
            "year",
            _(
                "Für %(year)s sind bei %(recipient)s keine Stellen und keine Programmkosten "
                "erfasst. Bitte ein Jahr mit Daten wählen."
            )
            % {"year": overview.year, "recipient": overview.recipient.name},
        )


def check_size(count: int) -> None:
    limit = max_positions()
    if count > limit:
        raise ReportInputError(
            None,
            _(
                "Der Bericht würde %(count)s Stellen enthalten; höchstens %(limit)s Stellen "
                "passen in einen Bericht. Bitte einen Zuwendungsempfänger oder ein Szenario "
                "mit weniger Stellen wählen."
            )
            % {"count": count, "limit": limit},
        )


def money(value) -> str:
    """An amount in the CSV: two decimals with a point (machine-readable)."""
    return f"{value:.2f}"


def cost_source_notes(overview: calc.YearOverview) -> list[str]:
    """The data state under "Stand": where the positions' costs come from, naming the
    carriers' approved forecasts and when they were approved (``YearOverview.cost_sources``)."""
    parts = [
        f"{detail or CostSource(source).label}: {n} " + (_("Stelle") if n == 1 else _("Stellen"))
        for source, detail, n in overview.cost_sources()
    ]
    if not parts:
        return []
    return [
        _("Kosten der Stellen %(year)s laut: %(parts)s.")
        % {"year": overview.year, "parts": "; ".join(parts)}
    ]

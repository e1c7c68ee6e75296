"""Report 2: every position of a recipient's year (Stellenübersicht).

Per position: block, FTE, employer, pay grade, occupancy (filled months, vacancy marked),
funding and own share, all from the cost engine's ``PositionResult``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.overview import cost_overview
from reports.kinds.common import (
    check_has_data,
    check_size,
    cost_source_notes,
    money,
)
from reports.registry import ReportContent, ReportKind, ReportRequest, register

FILLED, PARTLY, VACANT = "filled", "partly", "vacant"


def occupancy_state(result) -> str:
    """Filled all year at the full FTE, partly, or vacant all year."""
    if not result.filled_fte_months:
        return VACANT
    if result.filled_fte_months >= result.position.fte * 12:
        return FILLED
    return PARTLY


@register
class PositionsReport(ReportKind):
    slug = "positions"
    label = gettext_lazy("Stellenübersicht")
    template_name = "reports/kinds/positions.html"
    file_stem = "stellenuebersicht"

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        overview = cost_overview(request.recipient, request.year, scenario=request.scenario)
        check_has_data(overview)
        check_size(len(overview.positions))
        rows = [(r, occupancy_state(r)) for r in overview.positions]
        blocks = []
        for b in overview.by_block:
            block_rows = [(r, s) for r, s in rows if r.position.block == b.block]
            if block_rows:
                blocks.append((b, block_rows))
        title = _("Stellenübersicht %(recipient)s %(year)s") % {
            "recipient": request.recipient.name,
            "year": request.year,
        }
        context = {
            "overview": overview,
            "totals": overview.totals,
            "blocks": blocks,
            "vacant_count": sum(1 for _r, s in rows if s == VACANT),
            "partly_count": sum(1 for _r, s in rows if s == PARTLY),
            "position_count": len(rows),
        }
        return ReportContent(
            title=title,
            context=context,
            table=self.table(rows),
            data_state_notes=cost_source_notes(overview),
        )

    def table(self, rows) -> list[list[str]]:
        table = [
            [
                "position_id",
                "title",
                "block",
                "fte",
                "employer",
                "department",
                "pay_grade",
                "filled_fte_months",
                "occupancy",
                "cost_source",
                "cost",
                "funding",
                "own_share",
            ]
        ]
        for r, state in rows:
            p = r.position
            table.append(
                [
                    str(p.id),
                    p.title,
                    str(p.block),
                    f"{p.fte:.3f}",
                    p.employer.slug,
                    p.department,
                    p.pay_grade,
                    f"{r.filled_fte_months:.3f}",
                    state,
                    r.cost_source,
                    money(r.amounts.total_cost),
                    money(r.amounts.funding),
                    money(r.amounts.own_share),
                ]
            )
        return table

"""Report 1: the cost overview of a recipient's year (Kostenübersicht).

The council table of seed 001 (total personnel cost, the state's funding of it, the extra
cost: 913.257,24 € / 576.600,00 € / 336.657,24 € for Leverkusen 2022), then by block, by
employer, by bearer, by budget account, the medium-term years with a chart, and the cost if
the state ended the programme. Every figure comes from ``funding.overview``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.overview import cost_areas, cost_overviews, medium_term_years, without_programme
from kim_admin.chart import Bar, chart_description, funding_chart
from reports.kinds.common import KIND_LABELS, check_has_data, check_size, cost_source_notes, money
from reports.registry import ReportContent, ReportKind, ReportRequest, register


@register
class CostOverviewReport(ReportKind):
    slug = "cost_overview"
    label = gettext_lazy("Kostenübersicht")
    template_name = "reports/kinds/cost_overview.html"
    file_stem = "kostenuebersicht"

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        years = medium_term_years(request.year)
        overviews = cost_overviews(request.recipient, years, scenario=request.scenario)
        overview = overviews[request.year]
        check_has_data(overview)
        check_size(len(overview.positions))
        areas = cost_areas(overview)
        ending = without_programme(overview)
        following = [(year, overviews[year]) for year in years]
        bars = [Bar(str(year), o.totals.funding, o.totals.own_share) for year, o in following]
        chart_title = _("Landesförderung und Eigenanteil %(first)s–%(last)s") % {
            "first": years[0],
            "last": years[-1],
        }
        title = _("Kostenübersicht %(recipient)s %(year)s") % {
            "recipient": request.recipient.name,
            "year": request.year,
        }
        context = {
            "overview": overview,
            "totals": overview.totals,
            "areas": areas,
            "ending": ending,
            "following": following,
            "bearers": [(s, KIND_LABELS.get(s.organisation.kind, "")) for s in overview.by_bearer],
            "chart": funding_chart(bars, chart_title, chart_description(bars)),
            "chart_title": chart_title,
        }
        return ReportContent(
            title=title,
            context=context,
            table=self.table(overview, following, ending),
            data_state_notes=cost_source_notes(overview),
        )

    def table(self, overview, following, ending) -> list[list[str]]:
        """Every figure of the report, one per row: section, key, label, measure, value."""
        rows = [["section", "key", "label", "measure", "value"]]
        totals = overview.totals
        rows += [
            [
                "council",
                "",
                "Gesamtkosten Personal",
                "personnel_cost",
                money(totals.personnel_cost),
            ],
            [
                "council",
                "",
                "Landesförderung Personal",
                "position_funding",
                money(overview.position_funding),
            ],
            ["council", "", "Mehrkosten", "own_share", money(totals.own_share)],
        ]
        for measure, value in totals.as_dict().items():
            rows.append(["totals", "", "Gesamt", measure, money(value)])
        for b in overview.by_block:
            rows.append(["block", str(b.block), b.name, "fte", f"{b.fte:.3f}"])
            for measure, value in b.amounts.as_dict().items():
                rows.append(["block", str(b.block), b.name, measure, money(value)])
        for g in overview.by_employer:
            for measure, value in g.amounts.as_dict().items():
                rows.append(["employer", g.key, g.label, measure, money(value)])
        for s in overview.by_bearer:
            rows.append(
                ["bearer", s.organisation.slug, s.organisation.name, "own_share", money(s.amount)]
            )
        for line in overview.by_account:
            key = f"{line.budget_product}/{line.ledger_account}"
            rows.append(["account", key, line.direction, "amount", money(line.amount)])
        for year, o in following:
            for measure in ("total_cost", "funding", "own_share"):
                rows.append(
                    ["year", str(year), str(year), measure, money(getattr(o.totals, measure))]
                )
        rows += [
            ["without_programme", "", "Gesamtkosten", "total_cost", money(ending.total_cost)],
            [
                "without_programme",
                "",
                "Wegfallende Förderung",
                "funding_lost",
                money(ending.funding_lost),
            ],
            [
                "without_programme",
                "",
                "Haushaltsansatz",
                "budget_amount",
                money(ending.budget_amount),
            ],
        ]
        return rows

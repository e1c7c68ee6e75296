"""The scenario comparison for the council (seed 000: four scenarios, their cost to the city;
seed 004: Voerde's two options): the real plan and up to four scenarios over the years, per
year and in total, with what each bearer carries and the saving for the recipient. Every
figure comes from ``funding.scenarios.selectors.compare``."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import Scenario
from funding.scenarios.selectors import (
    MAX_SCENARIOS,
    compare,
    comparison_sections,
    stale_notes,
)
from kim_admin.scoping import VIEW
from reports.kinds.common import money
from reports.registry import ReportContent, ReportInputError, ReportKind, ReportRequest, register

# At most this many years side by side: beyond it the tables no longer fit a landscape page.
MAX_YEARS = 10


@register
class ScenarioComparisonReport(ReportKind):
    slug = "scenario_comparison"
    label = gettext_lazy("Szenariovergleich")
    template_name = "reports/kinds/scenario_comparison.html"
    file_stem = "szenariovergleich"
    option_fields = ("compare_scenarios", "last_year")

    def clean_options(self, raw: dict, *, recipient, user) -> dict:
        slugs = list(raw.get("compare_scenarios") or [])
        if not slugs:
            raise ReportInputError(
                "compare_scenarios", _("Bitte ein bis vier Szenarien für den Vergleich wählen.")
            )
        if len(slugs) > MAX_SCENARIOS:
            raise ReportInputError(
                "compare_scenarios",
                _("Bitte höchstens %(n)s Szenarien vergleichen (gewählt: %(count)s).")
                % {"n": MAX_SCENARIOS, "count": len(slugs)},
            )
        known = set(
            Scenario.objects.restrict(user, VIEW)
            .filter(recipient=recipient, slug__in=slugs)
            .values_list("slug", flat=True)
        )
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise ReportInputError(
                "compare_scenarios",
                _("Das Szenario „%(slug)s“ gibt es bei %(recipient)s nicht.")
                % {"slug": unknown[0], "recipient": recipient.name},
            )
        last_year = raw.get("last_year")
        if last_year is not None and not isinstance(last_year, int):
            try:
                last_year = int(last_year)
            except (TypeError, ValueError):
                raise ReportInputError("last_year", _("Bitte ein Jahr wie 2028 angeben.")) from None
        return {"compare_scenarios": slugs, "last_year": last_year}

    def years(self, request: ReportRequest) -> list[int]:
        last = request.options.get("last_year") or request.year
        if last < request.year:
            raise ReportInputError(
                "last_year",
                _("Das letzte Jahr (%(last)s) liegt vor dem ersten (%(first)s).")
                % {"last": last, "first": request.year},
            )
        if last - request.year >= MAX_YEARS:
            raise ReportInputError(
                "last_year",
                _("Bitte höchstens %(n)s Jahre vergleichen.") % {"n": MAX_YEARS},
            )
        return list(range(request.year, last + 1))

    def file_suffix(self, request: ReportRequest) -> list[str]:
        last = request.options.get("last_year")
        return [f"bis-{last}"] if last and last != request.year else []

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        if request.scenario is not None:
            raise ReportInputError(
                "scenario",
                _(
                    "Der Vergleich geht immer vom echten Plan aus: bitte die Szenarien unter "
                    "„Verglichene Szenarien“ wählen und das Feld „Szenario“ leer lassen."
                ),
            )
        years = self.years(request)
        slugs = request.options.get("compare_scenarios", [])
        by_slug = {
            s.slug: s for s in Scenario.objects.filter(recipient=request.recipient, slug__in=slugs)
        }
        try:
            result = compare(request.recipient, [by_slug[s] for s in slugs], years)
        except (KeyError, ValidationError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            raise ReportInputError("compare_scenarios", message) from error
        period = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
        title = _("Szenariovergleich %(recipient)s %(period)s") % {
            "recipient": request.recipient.name,
            "period": period,
        }
        return ReportContent(
            title=title,
            context={
                "result": result,
                "sections": comparison_sections(result),
                "period": period,
            },
            table=self.table(result),
            data_state_notes=[
                _("Szenarien: %(names)s.")
                % {"names": "; ".join(p.scenario.name for p in result.scenarios)},
                *stale_notes(p.scenario for p in result.scenarios),
            ],
        )

    def table(self, result) -> list[list[str]]:
        """Long form: (plan, year or "total", measure, amount); bearers as "bearer:<slug>"."""
        table = [["plan", "year", "measure", "amount"]]
        for plan in result.plans:
            periods = [(str(y), plan.by_year[y], plan.saving_by_year[y]) for y in result.years]
            periods.append(("total", plan.total, plan.saving_total))
            for period, figures, saving in periods:
                table.append([plan.key, period, "cost", money(figures.cost)])
                table.append([plan.key, period, "funding", money(figures.funding)])
                table.append([plan.key, period, "own_share", money(figures.own_share)])
                for org in result.bearer_orgs:
                    table.append(
                        [plan.key, period, f"bearer:{org.slug}", money(figures.bearer(org.slug))]
                    )
                if plan.scenario is not None:
                    table.append([plan.key, period, "saving", money(saving)])
        return table

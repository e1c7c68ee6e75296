"""Report 3: the carriers' cost forecasts for the council (seed 000).

"Für die Sitzung des Rates … wird die Verwaltung die tatsächlichen Zahlungen der Stadt … an die
Trägerinnen … für 2024 und darüber hinaus eine Prognose der Kosten für 2025 vorlegen": for the
report's year Y, per carrier the forecast against the actual payments of Y − 1, and the latest
two versions of its forecast for Y side by side with what the newer one saves the city. Every
figure comes from ``carriers.forecasts.selectors`` (the cost engine with the statements'
figures).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.choices import ForecastKind, ForecastState
from carriers.forecasts.selectors import carrier_actuals, forecast_compare, forecast_effect
from carriers.models import CarrierPayment, CostForecast, Organisation
from kim_admin.formatting import de_date
from reports.kinds.common import money
from reports.registry import ReportContent, ReportInputError, ReportKind, ReportRequest, register

# Versions that were in force at some time: the approved one and those it superseded.
DECIDED = (ForecastState.APPROVED, ForecastState.SUPERSEDED)


@register
class CarrierForecastsReport(ReportKind):
    slug = "carrier_forecasts"
    label = gettext_lazy("Kostenprognosen der Trägerinnen")
    template_name = "reports/kinds/carrier_forecasts.html"
    file_stem = "kostenprognosen"

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        recipient, year = request.recipient, request.year
        if request.scenario is not None:
            raise ReportInputError(
                "scenario",
                _("Kostenprognosen gibt es nur für den echten Plan, nicht für Szenarien."),
            )
        forecasts = list(
            CostForecast.objects.filter(
                recipient=recipient,
                kind=ForecastKind.FORECAST,
                year__in=(year - 1, year),
                state__in=DECIDED,
            )
            .select_related("carrier", "recipient")
            .order_by("carrier__name", "year", "number")
        )
        paid_carriers = set(
            CarrierPayment.objects.filter(recipient=recipient, year=year - 1).values_list(
                "carrier_id", flat=True
            )
        )
        carrier_ids = {f.carrier_id for f in forecasts} | paid_carriers
        if not carrier_ids:
            raise ReportInputError(
                "year",
                _(
                    "Für %(year)s und %(previous)s gibt es bei %(recipient)s weder genehmigte "
                    "Kostenprognosen noch Zahlungen an Trägerinnen."
                )
                % {"year": year, "previous": year - 1, "recipient": recipient.name},
            )
        carriers = Organisation.objects.filter(pk__in=carrier_ids).order_by("name")
        sections = []
        for carrier in carriers:
            versions = [f for f in forecasts if f.carrier_id == carrier.pk and f.year == year]
            comparison = forecast_compare(versions[-2], versions[-1]) if len(versions) > 1 else None
            current = versions[-1] if versions else None
            sections.append(
                {
                    "carrier": carrier,
                    "actuals": carrier_actuals(recipient, carrier, year - 1),
                    "comparison": comparison,
                    "current": current,
                    "current_effect": forecast_effect(current)
                    if current and not comparison
                    else None,
                }
            )
        notes = [
            _("%(label)s (%(carrier)s, %(year)s), genehmigt am %(date)s.")
            % {
                "label": f.label,
                "carrier": f.carrier.name,
                "year": f.year,
                "date": de_date(f.decided_at),
            }
            for f in forecasts
            if f.state == ForecastState.APPROVED
        ]
        title = _("Kostenprognosen der Trägerinnen %(recipient)s %(year)s") % {
            "recipient": recipient.name,
            "year": year,
        }
        context = {"sections": sections, "previous_year": year - 1}
        return ReportContent(
            title=title,
            context=context,
            table=self.table(sections, year),
            data_state_notes=[_("Genehmigte Prognosen: ") + " ".join(notes)] if notes else [],
        )

    def table(self, sections, year) -> list[list[str]]:
        """Long form, one figure per row: (carrier, year, position, title, measure, amount)."""
        table = [["carrier", "year", "position_id", "title", "measure", "amount"]]

        def add(carrier, y, position_id, title, measure, amount):
            table.append([carrier, str(y), str(position_id or ""), title, measure, money(amount)])

        for s in sections:
            carrier = s["carrier"].slug
            a = s["actuals"]
            for line in a.lines:
                add(carrier, year - 1, line.position_id, line.title, "forecast_cost", line.forecast)
                if line.actual is not None:
                    add(carrier, year - 1, line.position_id, line.title, "actual_cost", line.actual)
                add(carrier, year - 1, line.position_id, line.title, "paid", line.paid)
            add(carrier, year - 1, None, "", "recipient_share_forecast", a.recipient_forecast)
            add(carrier, year - 1, None, "", "paid_total", a.paid_total)
            c = s["comparison"]
            if c is not None:
                for row in c.lines:
                    add(
                        carrier, year, row.position_id, row.title, "old_version_cost", row.old_total
                    )
                    add(
                        carrier, year, row.position_id, row.title, "new_version_cost", row.new_total
                    )
                add(carrier, year, None, "", "recipient_share_old", c.old_effect.recipient_carries)
                add(carrier, year, None, "", "recipient_share_new", c.new_effect.recipient_carries)
                add(carrier, year, None, "", "saving_for_recipient", c.saving)
        return table

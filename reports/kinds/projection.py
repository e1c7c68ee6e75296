"""A projection for the council: the plan (or a scenario) carried forward with its
assumptions — pay rises, rates, positions, the programme's end — year by year against the plan
as it stands, with what each bearer carries. Every figure comes from
``funding.projections.selectors``."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import Projection
from funding.projections.selectors import projection_result
from kim_admin.scoping import VIEW
from reports.kinds.common import cost_source_notes, money
from reports.registry import ReportContent, ReportInputError, ReportKind, ReportRequest, register


@register
class ProjectionReport(ReportKind):
    slug = "projection"
    label = gettext_lazy("Fortschreibung")
    template_name = "reports/kinds/projection.html"
    file_stem = "fortschreibung"
    option_fields = ("projection",)

    def clean_options(self, raw: dict, *, recipient, user) -> dict:
        value = raw.get("projection")
        if value in (None, ""):
            raise ReportInputError("projection", _("Bitte die Fortschreibung wählen."))
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        if (
            pk is None
            or not Projection.objects.restrict(user, VIEW)
            .filter(pk=pk, recipient=recipient)
            .exists()
        ):
            raise ReportInputError(
                "projection",
                _("Diese Fortschreibung gibt es bei %(recipient)s nicht.")
                % {"recipient": recipient.name},
            )
        return {"projection": pk}

    def file_suffix(self, request: ReportRequest) -> list[str]:
        return [str(request.options.get("projection", ""))]

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        projection = (
            Projection.objects.select_related("recipient", "scenario")
            .filter(pk=request.options.get("projection"), recipient=request.recipient)
            .first()
        )
        if projection is None:
            raise ReportInputError("projection", _("Bitte die Fortschreibung wählen."))
        if request.scenario is not None and request.scenario.pk != projection.scenario_id:
            raise ReportInputError(
                "scenario",
                _("Die Fortschreibung „%(name)s“ gehört nicht zu diesem Szenario.")
                % {"name": projection.name},
            )
        result = projection_result(projection)
        title = _("Fortschreibung „%(name)s“ %(recipient)s %(first)s–%(last)s") % {
            "name": projection.name,
            "recipient": request.recipient.name,
            "first": result.first_year,
            "last": result.last_year,
        }
        base = result.overviews[projection.base_year]
        return ReportContent(
            title=title,
            context={
                "projection": projection,
                "result": result,
                "pay_rises": projection.pay_rises.order_by("effective_from", "pk"),
                "rate_changes": projection.rate_changes.select_related("block").order_by(
                    "valid_from", "pk"
                ),
                "position_changes": projection.position_changes.select_related("position").order_by(
                    "on", "pk"
                ),
            },
            table=self.table(result),
            data_state_notes=cost_source_notes(base),
        )

    def table(self, result) -> list[list[str]]:
        """Long form: (year, measure, projected, planned)."""
        table = [["year", "measure", "projected", "planned"]]
        for row in result.rows:
            for measure in ("cost", "funding", "own_share"):
                table.append(
                    [
                        str(row.year),
                        measure,
                        money(getattr(row.projected, measure)),
                        money(getattr(row.planned, measure)),
                    ]
                )
            for org in result.bearer_orgs:
                table.append(
                    [
                        str(row.year),
                        f"bearer:{org.slug}",
                        money(row.projected.bearer(org.slug)),
                        money(row.planned.bearer(org.slug)),
                    ]
                )
        return table

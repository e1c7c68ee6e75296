"""The application (Förderantrag) for a year to the district government (issue 15).

Per block and kind of position the FTE, the rate in force on 1 January and the personnel
funding; the workplace set-up and the events and material budget; the amount requested,
which is the cost overview's funding of the year. Every figure comes from
``funding.applications.selectors`` (the cost engine).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.applications.selectors import funding_application
from reports.kinds.common import check_has_data, check_size, cost_source_notes, money
from reports.registry import ReportContent, ReportKind, ReportRequest, register


@register
class FundingApplicationReport(ReportKind):
    slug = "funding_application"
    label = gettext_lazy("Förderantrag")
    template_name = "reports/kinds/funding_application.html"
    file_stem = "foerderantrag"

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        application = funding_application(request.recipient, request.year)
        check_has_data(application.overview)
        check_size(len(application.overview.positions))
        title = _("Förderantrag %(recipient)s %(year)s") % {
            "recipient": request.recipient.name,
            "year": request.year,
        }
        return ReportContent(
            title=title,
            context={"application": application},
            table=self.table(application),
            data_state_notes=cost_source_notes(application.overview),
        )

    def table(self, application) -> list[list[str]]:
        """Every figure, one per row: block, kind, measure, value."""
        rows = [["block", "kind", "measure", "value"]]
        for b in application.blocks:
            for line in b.lines:
                rows += [
                    [str(b.block), line.kind, "fte", f"{line.fte:.3f}"],
                    [
                        str(b.block),
                        line.kind,
                        "rate",
                        "" if line.rate is None else money(line.rate),
                    ],
                    [str(b.block), line.kind, "requested", money(line.requested)],
                ]
            rows += [
                [str(b.block), "", "workplace_setup", money(b.workplace_setup)],
                [str(b.block), "", "events_and_material", money(b.events_and_material)],
                [str(b.block), "", "requested", money(b.requested)],
            ]
        rows.append(["", "", "requested", money(application.requested)])
        return rows

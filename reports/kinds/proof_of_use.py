"""The proof of use (Verwendungsnachweis) of a recipient's closed year (issue 15): the numeric
proof per block and cost type (approved in the notice in force, actual, difference), the
income (state funding due and received, own share, carriers' shares), the balance with the
interest on a refund, and the factual report. Every figure comes from
``funding.proofs.selectors``."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import ProofOfUse, open_year_message, year_is_closed
from funding.proofs.selectors import factual_report_draft, proof_of_use
from reports.kinds.common import money
from reports.registry import ReportContent, ReportInputError, ReportKind, ReportRequest, register


@register
class ProofOfUseReport(ReportKind):
    slug = "proof_of_use"
    label = gettext_lazy("Verwendungsnachweis")
    template_name = "reports/kinds/proof_of_use.html"
    file_stem = "verwendungsnachweis"

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        if request.scenario is not None:
            raise ReportInputError(
                "scenario",
                _("Ein Verwendungsnachweis gilt für den echten Plan, nicht für ein Szenario."),
            )
        if not year_is_closed(request.recipient.id, request.year):
            raise ReportInputError("year", str(open_year_message(request.year)))
        proof = proof_of_use(request.recipient, request.year, rendered_at.date())
        stored = ProofOfUse.objects.filter(recipient=request.recipient, year=request.year).first()
        report_text = (
            stored.factual_report
            if stored
            else factual_report_draft(request.recipient, request.year)
        )
        title = _("Verwendungsnachweis %(recipient)s %(year)s") % {
            "recipient": request.recipient.name,
            "year": request.year,
        }
        return ReportContent(
            title=title,
            context={"proof": proof, "factual_report": report_text},
            table=self.table(proof),
            data_state_notes=[
                _("Zinsen auf eine Rückforderung berechnet bis %(date)s.")
                % {"date": f"{proof.as_of:%d.%m.%Y}"}
            ]
            + (
                []
                if proof.carriers_complete
                else [
                    _("Nicht vollständig: geprüfte Nachweise fehlen von %(names)s.")
                    % {"names": ", ".join(c.carrier_name for c in proof.carriers_outstanding)}
                ]
            ),
        )

    def table(self, proof) -> list[list[str]]:
        """Every figure of the report, one per row: section, key, label, measure, value."""
        rows = [["section", "key", "label", "measure", "value"]]
        for line in proof.lines:
            key = f"{line.block}/{line.cost_type}"
            for measure in ("approved", "actual", "difference", "funding_due"):
                rows.append(["block", key, line.block_name, measure, money(getattr(line, measure))])
        for measure in (
            "total_cost",
            "approved",
            "funding_due",
            "funding_received",
            "own_share",
            "balance",
            "refund_interest",
        ):
            rows.append(["totals", "", "Gesamt", measure, money(getattr(proof, measure))])
        for share in proof.carrier_shares + proof.other_shares:
            rows.append(
                [
                    "bearer",
                    share.organisation.slug,
                    share.organisation.name,
                    "amount",
                    money(share.amount),
                ]
            )
        for section in proof.carriers:
            rows.append(
                ["carrier", section.carrier_name, section.status_label, "status", section.status]
            )
            if section.checked is None:
                continue
            for measure, value in (
                ("funds_forwarded", section.checked.funds_received),
                ("own_contribution", section.checked.own_contribution),
                ("actual_cost", section.checked.total_cost),
                ("recipient_cost", section.recipient_cost),
                ("deviation", section.deviation),
            ):
                rows.append(
                    ["carrier", section.carrier_name, section.status_label, measure, money(value)]
                )
        rows.append(
            [
                "totals",
                "",
                "Gesamt",
                "carriers_complete",
                "ja" if proof.carriers_complete else "nein",
            ]
        )
        for refund in proof.refunds:
            rows.append(
                [
                    "refund",
                    refund.overpaid_on.isoformat(),
                    f"{refund.days} Tage",
                    "interest",
                    money(refund.interest),
                ]
            )
        return rows

"""The settlement statement between the towns of a cost split (seed 003) as a PDF.

The figures are the issued statement's stored columns (``carriers.SettlementStatement``); this
kind formats them and computes nothing, so the PDF says what the statement says, now and after
any later change of the plan. It is rendered when the statement is issued and stored with it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.models import SettlementStatement
from funding.choices import SplitMethod
from reports.kinds.common import money
from reports.registry import (
    CouncilHeader,
    ReportContent,
    ReportInputError,
    ReportKind,
    ReportRequest,
    register,
)
from reports.rendering import ReportRenderError, render_pdf

METHOD_LABELS = dict(SplitMethod.choices)


def statement_request(statement: SettlementStatement) -> ReportRequest:
    """The report request of an issued statement: the employer town writes to the town."""
    employer = statement.employer_town.name if statement.employer_town_id else ""
    header = CouncilHeader(
        body=employer or statement.recipient.name,
        file_number=statement.reference,
        paper_date=timezone.localdate(statement.issued_at),
        subject=_("Abrechnung des Eigenanteils %(split)s %(year)s – %(town)s")
        % {"split": statement.split.name, "year": statement.year, "town": statement.town.name},
    )
    return ReportRequest(
        kind=SettlementReport.slug,
        recipient=statement.recipient,
        year=statement.year,
        header=header,
        options={
            "statement": statement.pk,
            "town": statement.town.slug,
            "number": statement.number,
        },
    )


@register
class SettlementReport(ReportKind):
    slug = "settlement"
    label = gettext_lazy("Abrechnung zwischen Kommunen")
    template_name = "reports/kinds/settlement.html"
    file_stem = "abrechnung"
    published_from_form = False

    def file_suffix(self, request: ReportRequest) -> list[str]:
        """The embedded CSV names the town and the version, like the statement's PDF."""
        options = request.options
        return [options.get("town", ""), f"fassung-{options.get('number', '')}"]

    def clean_options(self, raw: dict, *, recipient, user) -> dict:
        # Statements are issued (and their PDF made) under Träger › Abrechnungen only.
        raise ReportInputError(
            "kind",
            _("Abrechnungen zwischen Kommunen werden unter „Abrechnungen“ ausgestellt."),
        )

    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        statement = (
            SettlementStatement.objects.without_pdf()
            .select_related("split", "town", "employer_town", "recipient", "issued_by", "replaces")
            .filter(pk=request.options.get("statement"), recipient=request.recipient)
            .first()
        )
        if statement is None:
            raise ReportInputError(None, _("Diese Abrechnung gibt es nicht."))
        s = statement
        rows = s.item_rows()
        title = _("Abrechnung %(split)s %(year)s: %(town)s") % {
            "split": s.split.name,
            "year": s.year,
            "town": s.town.name,
        }
        context = {
            "statement": s,
            "rows": rows,
            "method_label": METHOD_LABELS.get(s.split_method, s.split_method),
        }
        return ReportContent(title=title, context=context, table=self.table(s))

    def table(self, s: SettlementStatement) -> list[list[str]]:
        table = [["split", "year", "town", "version", "measure", "region", "town_share"]]

        def add(measure, region, town):
            table.append(
                [
                    s.split.name,
                    str(s.year),
                    s.town.slug,
                    str(s.number),
                    measure,
                    money(region) if region is not None else "",
                    money(town),
                ]
            )

        add("employer_gross", s.region_employer_gross, s.employer_gross)
        add("material", s.region_material, s.material)
        add("one_off", s.region_one_off, s.one_off)
        add("overhead", s.region_overhead, s.overhead)
        add("total_cost", s.region_total_cost, s.total_cost)
        add("funding", s.region_funding, s.funding_share)
        add("own_share", s.region_own_share, s.own_share)
        add("advances", None, s.advances)
        add("balance", None, s.balance)
        return table


def render_statement(statement: SettlementStatement) -> bytes:
    """A settlement statement's PDF from its stored figures (registered with the settlement
    services by reports.apps); a failure is a German ValidationError, nothing is stored."""
    try:
        return render_pdf(statement_request(statement), statement.issued_at).pdf
    except (ReportRenderError, ReportInputError) as error:
        raise ValidationError(
            _("Das PDF der Abrechnung konnte nicht erstellt werden: %(error)s")
            % {"error": getattr(error, "message", str(error))}
        ) from error

import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from funding.models import (
    FundingRate,
    GrantNotice,
    PayRise,
    ProgrammeCost,
    Projection,
    RevenueAccount,
    YearClosing,
)
from kim_admin.formatting import de_fte, de_money
from kim_admin.tables import (
    ActionsColumn,
    DateColumn,
    DetailLinkColumn,
    FteColumn,
    KimTable,
    MoneyColumn,
    PercentColumn,
    YearColumn,
    detail_url,
)


class PayRiseTable(KimTable):
    """Reference data, read only (administrators edit it in the Django admin); a rise is a
    rate: no totals row."""

    effective_from = DateColumn(verbose_name="Wirksam ab")
    percent = PercentColumn(verbose_name="Änderung (%)")
    note = tables.Column(verbose_name="Anmerkung", default="–")

    class Meta:
        model = PayRise
        fields = ("effective_from", "percent", "note")
        order_by = ("effective_from",)


class FundingRateTable(KimTable):
    kind = tables.Column(verbose_name="Art", linkify=True)
    block = tables.Column(accessor="block__number", verbose_name="Baustein")
    amount = MoneyColumn(verbose_name="Betrag je VZ bzw. Jahr")
    valid_from = DateColumn(verbose_name="Gültig ab")
    capped_at_cost = tables.BooleanColumn(verbose_name="Höchstens die Kosten", yesno="ja,nein")
    recipient = tables.Column(verbose_name="Nur für", default="alle Empfänger")
    scenario = tables.Column(verbose_name="Szenario", default="–")
    actions = ActionsColumn()

    class Meta:
        model = FundingRate
        fields = (
            "kind",
            "block",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "scenario",
        )
        order_by = ("block", "kind", "valid_from")

    def value_capped_at_cost(self, value):
        return "ja" if value else "nein"

    def value_recipient(self, value):
        return str(value) if value else ""

    def value_scenario(self, value):
        return str(value) if value else ""


class GrantNoticeTable(KimTable):
    """Notices with what they approve per block (prefetched ``blocks``) and the FTE in total
    (annotated ``fte_sum``, summed over all filtered notices in the totals row)."""

    issued_on = DateColumn(verbose_name="Bescheid vom", linkify=detail_url)
    kind = tables.Column(verbose_name="Art")
    reference = tables.Column(verbose_name="Aktenzeichen", default="–")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    period_start = DateColumn(verbose_name="Zeitraum von")
    period_end = DateColumn(verbose_name="Zeitraum bis", default="unbefristet")
    blocks = tables.Column(
        verbose_name="Bewilligt je Baustein", accessor="pk", orderable=False, empty_values=()
    )
    approved_fte = FteColumn(verbose_name="Bewilligte Stellen (VZ)", accessor="fte_sum")
    actions = DetailLinkColumn()

    class Meta:
        model = GrantNotice
        fields = ("issued_on", "kind", "reference", "recipient", "period_start", "period_end")
        sequence = (
            "issued_on",
            "kind",
            "reference",
            "recipient",
            "period_start",
            "period_end",
            "blocks",
            "approved_fte",
            "actions",
        )
        order_by = ("-period_start",)

    def _blocks(self, record):
        for row in record.blocks.all():
            text = f"Baustein {row.block.number}: {de_fte(row.approved_fte)} VZ"
            if row.max_personnel_funding is not None:
                text += f", höchstens {de_money(row.max_personnel_funding)}"
            yield text

    def render_blocks(self, record):
        """One line per block."""
        return (
            format_html_join(mark_safe("<br>"), "{}", ((text,) for text in self._blocks(record)))
            or "–"
        )

    def value_blocks(self, record):
        return "; ".join(self._blocks(record))

    def value_period_end(self, value):
        return value


class ProgrammeCostTable(KimTable):
    year = YearColumn(verbose_name="Jahr", linkify=detail_url)
    block = tables.Column(accessor="block__number", verbose_name="Baustein")
    category = tables.Column(verbose_name="Art")
    status = tables.Column(verbose_name="Stand")
    amount = MoneyColumn(verbose_name="Betrag")
    budget_product = tables.Column(verbose_name="Produkt", default="–")
    ledger_account = tables.Column(verbose_name="Sachkonto", default="–")
    description = tables.Column(verbose_name="Beschreibung", default="–")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    actions = DetailLinkColumn()

    class Meta:
        model = ProgrammeCost
        fields = (
            "year",
            "block",
            "category",
            "status",
            "amount",
            "budget_product",
            "ledger_account",
            "description",
            "recipient",
        )
        order_by = ("-year", "block")

    def value_year(self, value):
        return value

    def render_description(self, value):
        """Long descriptions are cut on the page (the export has them whole)."""
        return Truncator(value).chars(60)


class RevenueAccountTable(KimTable):
    ledger_account = tables.Column(verbose_name="Sachkonto", linkify=detail_url)
    category = tables.Column(verbose_name="Ertragsart")
    budget_product = tables.Column(verbose_name="Produkt", default="–")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    actions = DetailLinkColumn()

    class Meta:
        model = RevenueAccount
        fields = ("ledger_account", "category", "budget_product", "recipient")
        order_by = ("recipient", "category")


class YearClosingTable(KimTable):
    year = YearColumn(verbose_name="Jahr", linkify=detail_url)
    closed_on = DateColumn(verbose_name="Abgeschlossen am")
    note = tables.Column(verbose_name="Anmerkung", default="–")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")

    class Meta:
        model = YearClosing
        fields = ("year", "closed_on", "note", "recipient")
        order_by = ("-year",)


class ProjectionTable(KimTable):
    name = tables.Column(verbose_name="Bezeichnung", linkify=detail_url)
    scenario = tables.Column(verbose_name="Grundlage", default="Echter Plan")
    base_year = YearColumn(verbose_name="Ausgangsjahr")
    last_year = YearColumn(verbose_name="Bis")
    programme_end_year = YearColumn(verbose_name="Förderung endet ab", default="–")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")

    class Meta:
        model = Projection
        fields = ("name", "scenario", "base_year", "last_year", "programme_end_year", "recipient")
        order_by = ("name",)

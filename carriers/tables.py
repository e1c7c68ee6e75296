import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CarrierProof,
    CostForecast,
    CostSplit,
    ForwardingAgreement,
    Organisation,
    SettlementStatement,
)
from funding.choices import CoveragePolicy
from kim_admin.formatting import de_fte, de_money
from kim_admin.tables import (
    DateColumn,
    DetailLinkColumn,
    FteColumn,
    KimTable,
    MoneyColumn,
    PercentColumn,
    YearColumn,
    detail_url,
)


class OrganisationTable(KimTable):
    """Reference data, read only (administrators edit it in the Django admin)."""

    name = tables.Column(verbose_name="Name")
    slug = tables.Column(verbose_name="Kürzel")
    kind = tables.Column(verbose_name="Art")
    parent = tables.Column(verbose_name="Gehört zu (Kreis)", default="–", order_by="parent__name")
    levy_share = PercentColumn(verbose_name="Anteil an der Kreisumlage")

    class Meta:
        model = Organisation
        fields = ("name", "slug", "kind", "parent", "levy_share")
        order_by = ("name",)

    def value_parent(self, value):
        return str(value) if value else ""


def coverage_text(record) -> str:
    """The policy with its figure: "Übernahme eines Prozentsatzes: 50 %"."""
    text = record.get_coverage_policy_display()
    if record.coverage_policy == CoveragePolicy.PERCENT and record.coverage_percent is not None:
        text += f": {de_fte(record.coverage_percent)} %"
    if (
        record.coverage_policy == CoveragePolicy.FLAT_PER_FTE
        and record.coverage_flat_per_fte is not None
    ):
        text += f": {de_money(record.coverage_flat_per_fte)} je VZ"
    return text


class ForwardingAgreementTable(KimTable):
    """Agreements with the FTE of the positions they cover (annotated ``fte_of_positions``,
    summed in the totals row)."""

    carrier = tables.Column(verbose_name="Trägerin", linkify=detail_url, order_by="carrier__name")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger", order_by="recipient__name")
    reference = tables.Column(verbose_name="Aktenzeichen", default="–")
    valid_from = DateColumn(verbose_name="Gültig ab")
    valid_to = DateColumn(verbose_name="Gültig bis", default="unbefristet")
    coverage_policy = tables.Column(verbose_name="Übernahme der Mehrkosten")
    payer = tables.Column(
        verbose_name="Trägt die übernommenen Mehrkosten",
        default="der Zuwendungsempfänger",
        order_by="payer__name",
    )
    positions_count = tables.Column(
        verbose_name="Stellen", accessor="number_of_positions", attrs={"td": {"class": "num"}}
    )
    positions_fte = FteColumn(verbose_name="Stellenanteile (VZ)", accessor="fte_of_positions")
    scenario = tables.Column(verbose_name="Szenario", default="–")
    actions = DetailLinkColumn()

    class Meta:
        model = ForwardingAgreement
        fields = (
            "carrier",
            "recipient",
            "reference",
            "valid_from",
            "valid_to",
            "coverage_policy",
            "payer",
        )
        sequence = (
            "carrier",
            "recipient",
            "reference",
            "valid_from",
            "valid_to",
            "coverage_policy",
            "payer",
            "positions_count",
            "positions_fte",
            "scenario",
            "actions",
        )
        order_by = ("carrier", "valid_from")

    def render_coverage_policy(self, record):
        return coverage_text(record)

    def value_coverage_policy(self, record):
        return coverage_text(record)

    def value_valid_to(self, value):
        return value

    def value_payer(self, value):
        return str(value) if value else ""

    def value_scenario(self, value):
        return str(value) if value else ""


class CostSplitTable(KimTable):
    """Splits with their towns (prefetched ``members``) and the FTE of their positions
    (annotated ``fte_of_positions``, summed in the totals row)."""

    name = tables.Column(verbose_name="Bezeichnung", linkify=detail_url)
    recipient = tables.Column(verbose_name="Zuwendungsempfänger", order_by="recipient__name")
    employer_town = tables.Column(
        verbose_name="Anstellungskörperschaft", default="–", order_by="employer_town__name"
    )
    method = tables.Column(verbose_name="Aufteilung")
    members = tables.Column(
        verbose_name="Beteiligte Kommunen", accessor="pk", orderable=False, empty_values=()
    )
    valid_from = DateColumn(verbose_name="Gültig ab")
    valid_to = DateColumn(verbose_name="Gültig bis", default="unbefristet")
    positions_fte = FteColumn(verbose_name="Stellenanteile (VZ)", accessor="fte_of_positions")
    scenario = tables.Column(verbose_name="Szenario", default="–")
    actions = DetailLinkColumn()

    class Meta:
        model = CostSplit
        fields = ("name", "recipient", "employer_town", "method", "valid_from", "valid_to")
        sequence = (
            "name",
            "recipient",
            "employer_town",
            "method",
            "members",
            "valid_from",
            "valid_to",
            "positions_fte",
            "scenario",
            "actions",
        )
        order_by = ("name",)

    def _members_text(self, record):
        parts = []
        for member in record.members.all():
            text = member.organisation.name
            if member.percent is not None:
                text += f" ({de_fte(member.percent)} %)"
            parts.append(text)
        return ", ".join(parts) or "–"

    def render_members(self, record):
        return self._members_text(record)

    def value_members(self, record):
        return self._members_text(record)

    def value_employer_town(self, value):
        return str(value) if value else ""

    def value_valid_to(self, value):
        return value

    def value_scenario(self, value):
        return str(value) if value else ""


class CostForecastTable(KimTable):
    """Carriers' cost statements with their line total (annotated ``lines_total``)."""

    label = tables.Column(
        verbose_name="Bezeichnung", linkify=detail_url, accessor="title", order_by="title"
    )
    carrier = tables.Column(verbose_name="Trägerin", order_by="carrier__name")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger", order_by="recipient__name")
    year = YearColumn(verbose_name="Jahr")
    kind = tables.Column(verbose_name="Art")
    number = tables.Column(verbose_name="Fassung", attrs={"td": {"class": "num"}})
    state = tables.Column(verbose_name="Status")
    submitted_at = DateColumn(verbose_name="Eingereicht am", default="–")
    lines_total = MoneyColumn(verbose_name="Kosten laut Prognose")

    class Meta:
        model = CostForecast
        fields = (
            "label",
            "carrier",
            "recipient",
            "year",
            "kind",
            "number",
            "state",
            "submitted_at",
            "lines_total",
        )
        order_by = ("-year", "carrier", "-number")

    def render_label(self, record):
        return record.label

    def value_label(self, record):
        return record.label

    def render_state(self, record):
        return format_html(
            '<span class="badge badge--{}">{}</span>', record.state, record.get_state_display()
        )

    def value_state(self, record):
        return record.get_state_display()


class CarrierPaymentTable(KimTable):
    paid_on = DateColumn(verbose_name="Gezahlt am", linkify=detail_url)
    carrier = tables.Column(verbose_name="Trägerin", order_by="carrier__name")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger", order_by="recipient__name")
    year = YearColumn(verbose_name="Für das Jahr")
    position = tables.Column(verbose_name="Stelle", default="für die Trägerin insgesamt")
    purpose = tables.Column(verbose_name="Zweck")
    amount = MoneyColumn(verbose_name="Betrag")

    class Meta:
        model = CarrierPayment
        fields = ("paid_on", "carrier", "recipient", "year", "position", "purpose", "amount")
        order_by = ("-year", "carrier", "paid_on")


class SettlementStatementTable(KimTable):
    town = tables.Column(verbose_name="Kommune", linkify=detail_url, order_by="town__name")
    split = tables.Column(verbose_name="Kostenaufteilung", order_by="split__name")
    year = YearColumn(verbose_name="Jahr")
    number = tables.Column(verbose_name="Fassung", attrs={"td": {"class": "num"}})
    state = tables.Column(verbose_name="Status")
    total_cost = MoneyColumn(verbose_name="Kosten (Anteil)")
    funding_share = MoneyColumn(verbose_name="Förderung (Anteil)")
    own_share = MoneyColumn(verbose_name="Eigenanteil")
    advances = MoneyColumn(verbose_name="Abschläge")
    balance = MoneyColumn(verbose_name="Ausgleich")
    issued_at = DateColumn(verbose_name="Ausgestellt am")
    # Not "pdf": the column would read the (deferred) bytes of every row.
    pdf_link = tables.Column(
        verbose_name="PDF",
        accessor="pk",
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = SettlementStatement
        fields = (
            "town",
            "split",
            "year",
            "number",
            "state",
            "total_cost",
            "funding_share",
            "own_share",
            "advances",
            "balance",
            "issued_at",
            "pdf_link",
        )
        order_by = ("-year", "split", "town")

    def render_pdf_link(self, record):
        return format_html(
            '<a href="{}">PDF</a>', reverse("carriers:settlementstatement_pdf", args=[record.pk])
        )


class AdvancePaymentTable(KimTable):
    paid_on = DateColumn(verbose_name="Gezahlt am", linkify=detail_url)
    town = tables.Column(verbose_name="Kommune", order_by="town__name")
    split = tables.Column(verbose_name="Kostenaufteilung", order_by="split__name")
    year = YearColumn(verbose_name="Für das Jahr")
    note = tables.Column(verbose_name="Anmerkung")
    amount = MoneyColumn(verbose_name="Betrag")

    class Meta:
        model = AdvancePayment
        fields = ("paid_on", "town", "split", "year", "note", "amount")
        order_by = ("-year", "split", "town", "paid_on")


class CarrierProofTable(KimTable):
    """Carriers' proofs of use with their cost (annotated ``lines_total``) and review note."""

    label = tables.Column(
        verbose_name="Nachweis", linkify=detail_url, accessor="year", order_by="year"
    )
    carrier = tables.Column(verbose_name="Trägerin", order_by="carrier__name")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger", order_by="recipient__name")
    year = YearColumn(verbose_name="Jahr")
    state = tables.Column(verbose_name="Status")
    submitted_at = DateColumn(verbose_name="Eingereicht am", default="–")
    reviewed_on = DateColumn(verbose_name="Prüfvermerk vom", default="–")
    lines_total = MoneyColumn(verbose_name="Kosten laut Nachweis")
    funds_received = MoneyColumn(verbose_name="Erhaltene Mittel")

    class Meta:
        model = CarrierProof
        fields = (
            "label",
            "carrier",
            "recipient",
            "year",
            "state",
            "submitted_at",
            "reviewed_on",
            "lines_total",
            "funds_received",
        )
        order_by = ("-year", "carrier")

    def render_label(self, record):
        return record.label

    def value_label(self, record):
        return record.label

    def render_state(self, record):
        return format_html(
            '<span class="badge badge--{}">{}</span>', record.state, record.get_state_display()
        )

    def value_state(self, record):
        return record.get_state_display()

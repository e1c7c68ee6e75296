"""The position list: the positions' data from the database, their figures in the year from
the cost engine (one computation of the recipient's year, looked up by position id)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from kim_admin.formatting import de_date, de_money
from kim_admin.tables import (
    DateColumn,
    DetailLinkColumn,
    FteColumn,
    KimTable,
    MoneyColumn,
    YearColumn,
    detail_url,
    order_by_values,
)
from staffing.filtersets import FillState
from staffing.models import OrganisationalUnit, PayGradeCost, Position, pay_grade_order

STATE_LABELS = dict(FillState.choices)


class FillStateColumn(tables.Column):
    """Filled, partly filled or vacant in the year, as a badge (``year_state`` annotation)."""

    def render(self, value):
        return format_html(
            '<span class="badge badge--{}">{}</span>', value, STATE_LABELS.get(value, value)
        )

    def value(self, value):
        return str(STATE_LABELS.get(value, value))


class YearAmountColumn(MoneyColumn):
    """An amount of the position's year from the engine's result (``table.results``); the
    totals row sums the filtered rows' results (``table.totals``). Sortable: the rows are
    ordered by the engine's amounts (``order_by_values``), as the page shows them."""

    def __init__(self, amount: str, *args, **kwargs):
        kwargs.setdefault("accessor", "pk")
        super().__init__(*args, **kwargs)
        self.amount = amount

    def amount_of(self, record, table):
        result = table.results.get(record.pk)
        return getattr(result.amounts, self.amount) if result is not None else None

    def render(self, record, table):
        value = self.amount_of(record, table)
        return "–" if value is None else de_money(value)

    def value(self, record, table):
        return self.amount_of(record, table)

    def render_footer(self, bound_column, table):
        total = table.totals.get(bound_column.name)
        return "" if total is None else de_money(total)


class PositionTable(KimTable):
    title = tables.Column(verbose_name="Stelle")
    # Shown under the title on the page (one column less to scroll); a column of its own in
    # exports.
    funding_kind = tables.Column(verbose_name="Förderart", visible=False)
    block = tables.Column(accessor="block__number", verbose_name="Baustein")
    fte = FteColumn(verbose_name="VZ")
    employer = tables.Column(
        accessor="employer__name",
        verbose_name="Anstellungsträger",
        order_by=("employer__name", "unit__name", "department"),
    )
    pay_grade = tables.Column(
        accessor="pay_grade__code",
        verbose_name="EG",
        attrs={"th": {"title": "Entgeltgruppe"}},
    )
    period = tables.Column(
        accessor="planned_start",
        verbose_name="Zeitraum",
        order_by=("planned_start", "end_date"),
        exclude_from_export=True,
    )
    # Exports have start and end in columns of their own (dates as dates).
    planned_start = DateColumn(verbose_name="Beginn", visible=False)
    end_date = DateColumn(verbose_name="Ende", visible=False)
    year_state = FillStateColumn(verbose_name="Besetzung")
    total_cost = YearAmountColumn("total_cost", verbose_name="Kosten")
    funding = YearAmountColumn("funding", verbose_name="Förderung")
    own_share = YearAmountColumn("own_share", verbose_name="Eigenanteil")

    class Meta:
        model = Position
        fields = ()
        sequence = (
            "title",
            "funding_kind",
            "block",
            "fte",
            "employer",
            "pay_grade",
            "period",
            "planned_start",
            "end_date",
            "year_state",
            "total_cost",
            "funding",
            "own_share",
        )
        order_by = ("block", "title")
        attrs = {"id": "stellen"}

    def __init__(self, *args, results=None, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = results or {}
        if year is not None:
            for name, label in (
                ("year_state", "Besetzung"),
                ("total_cost", "Kosten"),
                ("funding", "Förderung"),
                ("own_share", "Eigenanteil"),
            ):
                self.columns[name].column.verbose_name = f"{label} {year}"

    def order_by_amount(self, queryset, amount: str, is_descending: bool):
        values = {pk: getattr(r.amounts, amount) for pk, r in self.results.items()}
        return order_by_values(queryset, values, is_descending), True

    def order_total_cost(self, queryset, is_descending):
        return self.order_by_amount(queryset, "total_cost", is_descending)

    def order_funding(self, queryset, is_descending):
        return self.order_by_amount(queryset, "funding", is_descending)

    def order_own_share(self, queryset, is_descending):
        return self.order_by_amount(queryset, "own_share", is_descending)

    def order_pay_grade(self, queryset, is_descending):
        return queryset.order_by(*pay_grade_order("pay_grade__code", is_descending), "pk"), True

    def render_title(self, value, record):
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>',
            reverse("staffing:position_detail", args=[record.pk]),
            value,
            record.get_funding_kind_display(),
        )

    def value_title(self, value):
        return value

    def render_period(self, value, record):
        end = de_date(record.end_date) if record.end_date else "offen"
        return format_html("{}&nbsp;–<br>{}", de_date(value), end)

    def value_pay_grade(self, value):
        return value

    def render_employer(self, value, record):
        if record.unit_label:
            return format_html("{}<br><small>{}</small>", value, record.unit_label)
        return value

    def value_employer(self, value, record):
        return f"{value} – {record.unit_label}" if record.unit_label else value


class PayGradeCostTable(KimTable):
    """Reference data, read only: no link to a page of its own (administrators edit it in the
    Django admin). A cost per FTE is a rate: like the funding rates it has no totals row."""

    pay_grade = tables.Column(verbose_name="Entgeltgruppe")
    pay_grade_name = tables.Column(
        verbose_name="Bezeichnung", accessor="pay_grade__name", default="–"
    )
    year = YearColumn(verbose_name="Jahr")
    employer_gross_per_fte = MoneyColumn(verbose_name="Arbeitgeberbrutto je Vollzeitstelle")
    source = tables.Column(verbose_name="Quelle", default="–")

    class Meta:
        model = PayGradeCost
        fields = ("pay_grade", "pay_grade_name", "year", "employer_gross_per_fte", "source")
        order_by = ("pay_grade", "year")

    def order_pay_grade(self, queryset, is_descending):
        return queryset.order_by(*pay_grade_order("pay_grade__code", is_descending), "year"), True

    def value_year(self, value):
        return value


class OrganisationalUnitTable(KimTable):
    """The recipient's own units with the number of positions assigned to each (the
    ``position_count`` annotation of the list: one query for the page)."""

    name = tables.Column(verbose_name="Bezeichnung", linkify=detail_url)
    kind = tables.Column(verbose_name="Art")
    position_count = tables.Column(
        verbose_name="Stellen", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    actions = DetailLinkColumn()

    class Meta:
        model = OrganisationalUnit
        fields = ("name", "kind", "position_count", "recipient")
        order_by = ("name",)

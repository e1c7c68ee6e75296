"""Table columns for the lists: German display on the page, plain values in exports.

``render`` gives what the page shows ("57.000,00 €", "0,5", "01.07.2023"); ``value`` gives
what an export writes (the Decimal, the date), so numbers stay numbers in XLSX and CSV.
"""

import django_tables2 as tables
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils.html import format_html

from kim_admin.formatting import de_date, de_fte, de_money
from kim_admin.generic import url_name


class KimTable(tables.Table):
    """Base of the lists' tables: German empty text, and a totals row fed by the list view
    (one aggregate query over the filtered rows, not a sum over the shown page)."""

    def __init__(self, *args, totals=None, **kwargs):
        kwargs.setdefault("empty_text", "Keine Einträge gefunden.")
        super().__init__(*args, **kwargs)
        self.totals = totals or {}

    @property
    def has_totals(self) -> bool:
        return bool(self.totals)

    @property
    def sorted_by(self) -> str:
        """The one column the rows are sorted by (the first key of the order): the header
        marks it; further keys only break ties and are not marked."""
        order = list(self.order_by or ())
        return order[0].lstrip("-") if order else ""


def order_by_values(queryset, values: dict, is_descending: bool):
    """``queryset`` ordered by values computed outside the database (``{pk: value}``, e.g.
    the cost engine's amounts of the listed rows), as one CASE expression over the ranks:
    the page still comes from one query. Rows without a value sort last; ties keep the pk
    order."""
    present = sorted(
        (pk for pk in values if values[pk] is not None),
        key=lambda pk: (values[pk], pk),
        reverse=is_descending,
    )
    rank = Case(
        *[When(pk=pk, then=Value(i)) for i, pk in enumerate(present)],
        default=Value(len(present)),
        output_field=IntegerField(),
    )
    return queryset.order_by(rank, "pk")


class MoneyColumn(tables.Column):
    """An amount in euro, right-aligned; summed in the totals row where the list asks for it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "attrs", {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}
        )
        super().__init__(*args, **kwargs)

    def render(self, value):
        return de_money(value)

    def value(self, value):
        return value

    def render_footer(self, bound_column, table):
        totals = getattr(table, "totals", {})
        if bound_column.name not in totals:
            return ""
        return self.render(totals[bound_column.name] or 0)


class FteColumn(MoneyColumn):
    """A share of full-time positions: 0,5 / 1 / 2,25."""

    def render(self, value):
        return de_fte(value)


class PercentColumn(MoneyColumn):
    def render(self, value):
        return f"{de_fte(value)} %"


class DateColumn(tables.Column):
    def render(self, value):
        return de_date(value)

    def value(self, value):
        return value


class YearColumn(tables.Column):
    """A year as it is written: 2024 (never "2.024")."""

    def render(self, value):
        return str(value)


class ActionsColumn(tables.Column):
    """Links to the object's page; never exported."""

    empty_values = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("attrs", {"td": {"class": "actions"}, "th": {"class": "actions"}})
        super().__init__(*args, **kwargs)

    def render(self, record):
        return format_html('<a href="{}">Ansehen</a>', record.get_absolute_url())


def detail_url(record) -> str:
    """The record's page by the generic URL names (``<app>:<model>_detail``)."""
    return reverse(url_name(type(record), "detail"), args=[record.pk])


class DetailLinkColumn(ActionsColumn):
    """The "Ansehen" link of a row, for models that find their page by the URL names."""

    def render(self, record):
        return format_html('<a href="{}">Ansehen</a>', detail_url(record))

"""Filters of the position lists (API and HTML): who receives, employs and pays, and when.

``?year=2024`` keeps what is active in the year: a position whose planned start lies on or
before 31.12. and that has no end or ends on or after 01.01.
"""

from datetime import date
from decimal import Decimal

import django_filters
from django.db import models
from django.db.models import Case, Exists, F, Func, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import ForwardingAgreement
from kim_admin.filters import (
    IntegerFilter,
    PlanFilterSet,
    SearchFilter,
    YearFilter,
    overlaps_year,
)
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)


class FillState(models.TextChoices):
    """How a position is filled in a year, over the part of the year it exists."""

    FILLED = "filled", _("besetzt")
    PARTLY = "partly", _("teilweise besetzt")
    VACANT = "vacant", _("unbesetzt")
    INACTIVE = "inactive", _("nicht aktiv")


class DaysBetween(Func):
    """Whole days from the first date to the second (second − first), on SQLite and
    PostgreSQL (where date − date is already a number of days)."""

    arity = 2
    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        start, end = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({end[0]} - {start[0]})", (*end[1], *start[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"CAST(julianday({end[0]}) - julianday({start[0]}) AS INTEGER)"
        return sql, (*end[1], *start[1])


FTE_DAYS = models.DecimalField(max_digits=12, decimal_places=3)
# FTE × days are exact to 0.001; on SQLite they are floats, so compare with half of that.
FTE_DAYS_TOLERANCE = Decimal("0.0005")


def annotate_year_state(queryset, year: int):
    """Annotate ``year_state`` (a :class:`FillState`): the occupied FTE-days of the position in
    the year against its FTE × the days it exists in the year, in SQL (no row per position
    loaded). Occupancy never exceeds the FTE on a day (staffing.rules), so "all FTE-days
    occupied" means filled on every day, as the cost engine counts it."""
    day = models.DateField()
    first, last = Value(date(year, 1, 1), day), Value(date(year, 12, 31), day)
    window_start = Greatest(F("planned_start"), first, output_field=day)
    window_end = Least(Coalesce(F("end_date"), last), last, output_field=day)
    occupied = (
        Occupancy.objects.filter(position_id=OuterRef("pk"))
        .annotate(
            overlap_start=Greatest(F("start"), first, OuterRef("planned_start"), output_field=day),
            overlap_end=Least(
                Coalesce(F("end"), last),
                last,
                Coalesce(OuterRef("end_date"), last, output_field=day),
                output_field=day,
            ),
        )
        .filter(overlap_start__lte=F("overlap_end"))
        .order_by()
        .values("position_id")
        .annotate(
            fte_days=Sum(
                F("fte") * (DaysBetween("overlap_start", "overlap_end") + 1),
                output_field=FTE_DAYS,
            )
        )
        .values("fte_days")
    )
    return queryset.annotate(
        year_fte_days=Coalesce(Subquery(occupied, output_field=FTE_DAYS), Value(Decimal(0))),
        year_capacity=models.ExpressionWrapper(
            F("fte") * (DaysBetween(window_start, window_end) + 1), output_field=FTE_DAYS
        ),
    ).annotate(
        year_state=Case(
            When(year_capacity__lte=0, then=Value(FillState.INACTIVE)),
            When(year_fte_days__lte=0, then=Value(FillState.VACANT)),
            When(
                year_fte_days__gte=F("year_capacity") - Value(FTE_DAYS_TOLERANCE),
                then=Value(FillState.FILLED),
            ),
            default=Value(FillState.PARTLY),
            output_field=models.CharField(),
        )
    )


class PayGradeFilterSet(django_filters.FilterSet):
    class Meta:
        model = PayGrade
        fields = ["code"]


class PayGradeCostFilterSet(django_filters.FilterSet):
    pay_grade = django_filters.CharFilter(field_name="pay_grade__code", label=_("Entgeltgruppe"))
    year = YearFilter(label=_("Jahr"))

    class Meta:
        model = PayGradeCost
        fields = ["pay_grade", "year"]


class OrganisationalUnitFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )

    class Meta:
        model = OrganisationalUnit
        fields = ["recipient", "kind"]


class PositionFilterSet(PlanFilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    block = IntegerFilter(field_name="block__number", label=_("Baustein"))
    employer = django_filters.CharFilter(field_name="employer__slug", label=_("Anstellungsträger"))
    pay_grade = django_filters.CharFilter(field_name="pay_grade__code", label=_("Entgeltgruppe"))
    unit = django_filters.CharFilter(
        method="filter_unit", label=_("Organisationseinheit (Name, auch Teil)")
    )
    carrier = django_filters.CharFilter(
        method="filter_carrier", label=_("Trägerin (angestellt oder weitergeleitet)")
    )
    town = django_filters.CharFilter(method="filter_town", label=_("Betreute Kommune"))
    year = YearFilter(method="filter_year", label=_("Aktiv im Jahr"))
    state = django_filters.ChoiceFilter(
        method="filter_state",
        choices=[(s.value, s.label) for s in FillState if s != FillState.INACTIVE],
        label=_("Besetzung im Jahr"),
    )
    q = SearchFilter(
        fields=["title", "unit__name", "department"],
        label=_("Suche (Bezeichnung oder Organisationseinheit)"),
    )

    class Meta:
        model = Position
        fields = [
            "recipient",
            "block",
            "funding_kind",
            "employer",
            "pay_grade",
            "unit",
            "carrier",
            "town",
            "year",
            "state",
            "q",
        ]

    def filter_unit(self, queryset, name, value):
        """The organisational unit by its name, a part of it is enough ("Integration")."""
        return queryset.filter(unit__name__icontains=value.strip())

    def filter_carrier(self, queryset, name, value):
        """Employed by the carrier, or forwarded to it under a forwarding agreement."""
        forwarded = ForwardingAgreement.positions.through.objects.filter(
            position_id=OuterRef("pk"), forwardingagreement__carrier__slug=value
        )
        return queryset.filter(
            Q(employer__slug=value, employer__kind="carrier") | Q(Exists(forwarded))
        )

    def filter_state(self, queryset, name, value):
        """Filled, partly filled or vacant in ``?year=`` (without it: this year)."""
        if "year_state" not in queryset.query.annotations:
            year = self.form.cleaned_data.get("year") or timezone.localdate().year
            queryset = annotate_year_state(queryset, year)
        return queryset.filter(year_state=value)

    def filter_town(self, queryset, name, value):
        served = PositionTown.objects.filter(position_id=OuterRef("pk"), town__slug=value)
        return queryset.filter(Exists(served))

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("planned_start", "end_date", value))


class PositionPartFilterSet(PlanFilterSet):
    """Base for the rows of a position (occupancies, costs): filtered through their position,
    real plan by default unless one position is asked for."""

    scenario_field = "position__scenario"
    scenario_implied_by = ("position",)

    position = IntegerFilter(field_name="position_id", label=_("Stelle (ID)"))
    recipient = django_filters.CharFilter(
        field_name="position__recipient__slug", label=_("Zuwendungsempfänger")
    )
    employer = django_filters.CharFilter(
        field_name="position__employer__slug", label=_("Anstellungsträger")
    )
    block = IntegerFilter(field_name="position__block__number", label=_("Baustein"))


class OccupancyFilterSet(PositionPartFilterSet):
    year = YearFilter(method="filter_year", label=_("Besetzt im Jahr"))

    class Meta:
        model = Occupancy
        fields = ["position", "recipient", "employer", "block", "year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("start", "end", value))


class PositionCostFilterSet(PositionPartFilterSet):
    year = YearFilter(label=_("Jahr"))

    class Meta:
        model = PositionCost
        fields = ["position", "recipient", "employer", "block", "year", "status"]

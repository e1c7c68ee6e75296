"""Filters of the position lists (API and HTML): who receives, employs and pays, and when.

``?year=2024`` keeps what is active in the year: a position whose planned start lies on or
before 31.12. and that has no end or ends on or after 01.01.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from funding.filtersets import IntegerFilter, PlanFilterSet, YearFilter, overlaps_year
from staffing.models import Occupancy, PayGrade, PayGradeCost, Position, PositionCost, PositionTown


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


class PositionFilterSet(PlanFilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    block = IntegerFilter(field_name="block__number", label=_("Baustein"))
    employer = django_filters.CharFilter(field_name="employer__slug", label=_("Anstellungsträger"))
    pay_grade = django_filters.CharFilter(field_name="pay_grade__code", label=_("Entgeltgruppe"))
    town = django_filters.CharFilter(method="filter_town", label=_("Betreute Kommune"))
    year = YearFilter(method="filter_year", label=_("Aktiv im Jahr"))
    q = django_filters.CharFilter(
        method="search", label=_("Suche (Bezeichnung oder Organisationseinheit)")
    )

    class Meta:
        model = Position
        fields = [
            "recipient",
            "block",
            "funding_kind",
            "employer",
            "pay_grade",
            "town",
            "year",
            "q",
        ]

    def filter_town(self, queryset, name, value):
        served = PositionTown.objects.filter(position_id=OuterRef("pk"), town__slug=value)
        return queryset.filter(Exists(served))

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("planned_start", "end_date", value))

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(department__icontains=value))


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

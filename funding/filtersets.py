"""Filters of the funding lists (API and HTML lists alike), and the choices their selects offer."""

import django_filters
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    PayRise,
    Programme,
    ProgrammeCost,
    Projection,
    RevenueAccount,
    Scenario,
    YearClosing,
)
from kim_admin.filters import (
    IntegerFilter,
    PlanFilterSet,
    SearchFilter,
    YearFilter,
    overlaps_year,
)


class ProgrammeFilterSet(django_filters.FilterSet):
    class Meta:
        model = Programme
        fields = ["slug"]


class PayRiseFilterSet(django_filters.FilterSet):
    """Pay rises by the year they take effect in."""

    year = YearFilter(field_name="effective_from__year", label=_("Jahr"))

    class Meta:
        model = PayRise
        fields = ["year"]


class BuildingBlockFilterSet(django_filters.FilterSet):
    programme = django_filters.CharFilter(field_name="programme__slug", label=_("Förderprogramm"))
    number = IntegerFilter(label=_("Nummer"))

    class Meta:
        model = BuildingBlock
        fields = ["programme", "number"]


class FundingRateFilterSet(PlanFilterSet):
    """Rates by programme, block number, kind and recipient; ``valid_on`` keeps the rates in
    force on a date: for each kind, block, recipient and scenario the latest one that started
    on or before it (a rate is valid until the next rate of the same kind)."""

    programme = django_filters.CharFilter(field_name="programme__slug", label=_("Förderprogramm"))
    block = IntegerFilter(field_name="block__number", label=_("Baustein"))
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Nur für Empfänger")
    )
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Gültig am"))

    class Meta:
        model = FundingRate
        fields = ["programme", "block", "kind", "recipient", "capped_at_cost"]

    def filter_valid_on(self, queryset, name, value):
        # NULL never equals NULL in SQL: compare recipient and scenario through Coalesce.
        superseded = (
            FundingRate.objects.annotate(
                recipient_key=Coalesce("recipient_id", Value(0)),
                scenario_key=Coalesce("scenario_id", Value(0)),
            )
            .filter(
                programme_id=OuterRef("programme_id"),
                block_id=OuterRef("block_id"),
                kind=OuterRef("kind"),
                recipient_key=Coalesce(OuterRef("recipient_id"), Value(0)),
                scenario_key=Coalesce(OuterRef("scenario_id"), Value(0)),
                valid_from__gt=OuterRef("valid_from"),
                valid_from__lte=value,
            )
            .values("pk")
        )
        return queryset.filter(valid_from__lte=value).exclude(Exists(superseded))


class GrantNoticeFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    programme = django_filters.CharFilter(field_name="programme__slug", label=_("Förderprogramm"))
    year = YearFilter(method="filter_year", label=_("Gilt im Jahr"))

    class Meta:
        model = GrantNotice
        fields = ["recipient", "programme", "year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("period_start", "period_end", value))


class ScenarioFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )

    class Meta:
        model = Scenario
        fields = ["recipient", "slug"]


class ProgrammeCostFilterSet(PlanFilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    block = IntegerFilter(field_name="block__number", label=_("Baustein"))
    year = YearFilter(label=_("Jahr"))

    class Meta:
        model = ProgrammeCost
        fields = ["recipient", "block", "year", "category", "status"]


class RevenueAccountFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )

    class Meta:
        model = RevenueAccount
        fields = ["recipient", "category", "ledger_account"]


class YearClosingFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    year = YearFilter(field_name="year", label=_("Jahr"))

    class Meta:
        model = YearClosing
        fields = ["recipient", "year"]


class ProjectionFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    scenario = django_filters.CharFilter(field_name="scenario__slug", label=_("Szenario"))
    name = SearchFilter(fields=["name"], label=_("Bezeichnung"))

    class Meta:
        model = Projection
        fields = ["recipient", "scenario", "name"]


def programme_choices(user):
    return Programme.objects.order_by("name").values_list("slug", "name")


def block_choices(user):
    return [
        (str(number), f"{number} – {name}")
        for number, name in BuildingBlock.objects.order_by("number").values_list("number", "name")
    ]

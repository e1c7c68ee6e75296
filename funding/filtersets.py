"""Filters of the funding lists (API and, later, the HTML lists), and the shared plan filters.

Organisations, programmes and scenarios are named by their slug, building blocks by their
number, so that a script reads like the council paper: ``?recipient=leverkusen&block=2``.
"""

from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    Programme,
    ProgrammeCost,
    Projection,
    RevenueAccount,
    Scenario,
    YearClosing,
)

# ``?scenario=none``: the real plan (rows without a scenario).
REAL_PLAN = "none"
FIRST_YEAR, LAST_YEAR = 1990, 2100


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (block numbers, years, ids): "2.5" is refused, not silently unmatched."""

    field_class = forms.IntegerField


class YearFilter(IntegerFilter):
    """A calendar year (the plan's years lie between 1990 and 2100)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


def overlaps_year(start_field: str, end_field: str, year: int) -> Q:
    """Rows whose period [start, end] (open end: none) touches some day of ``year``."""
    return Q(**{f"{start_field}__lte": date(year, 12, 31)}) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": date(year, 1, 1)})
    )


class PlanFilterSet(django_filters.FilterSet):
    """Base for rows of a recipient's plan, which belong to the real plan or to a scenario.

    ``?scenario=<slug>`` gives a scenario's rows, ``?scenario=none`` the real plan; without the
    parameter the list shows the real plan only, so sums over a list never mix a plan with its
    scenario copies. ``scenario_field`` is the path to the scenario key; a filter named in
    ``scenario_implied_by`` (e.g. one position) already decides the plan, so the default is
    not applied when it is given. The default applies to a bound FilterSet, as views build it
    (``data=request.GET``, possibly empty).
    """

    scenario_field = "scenario"
    scenario_implied_by: tuple[str, ...] = ()

    scenario = django_filters.CharFilter(
        method="filter_scenario",
        label=_("Szenario (Kürzel; „none“ für den echten Plan)"),
    )

    def filter_scenario(self, queryset, name, value):
        if value == REAL_PLAN:
            return queryset.filter(**{f"{self.scenario_field}__isnull": True})
        return queryset.filter(**{f"{self.scenario_field}__slug": value})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("scenario") and not any(
            data.get(name) not in (None, "") for name in self.scenario_implied_by
        ):
            queryset = queryset.filter(**{f"{self.scenario_field}__isnull": True})
        return queryset


class ProgrammeFilterSet(django_filters.FilterSet):
    class Meta:
        model = Programme
        fields = ["slug"]


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
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Bezeichnung"))

    class Meta:
        model = Projection
        fields = ["recipient", "scenario", "name"]

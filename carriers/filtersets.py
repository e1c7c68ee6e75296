"""Filters of the organisation, forwarding-agreement and cost-split lists (API and HTML)."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from carriers.choices import StatementState
from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CarrierProof,
    CostForecast,
    CostSplit,
    CostSplitMember,
    ForwardingAgreement,
    Organisation,
    SettlementStatement,
)
from kim_admin.filters import (
    IntegerFilter,
    PlanFilterSet,
    SearchFilter,
    YearFilter,
    overlaps_year,
)


class OrganisationFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__slug", label=_("Gehört zu (Kreis)"))
    q = SearchFilter(fields=["name", "slug"], label=_("Suche (Name oder Kürzel)"))

    class Meta:
        model = Organisation
        fields = ["slug", "kind", "parent"]


class ForwardingAgreementFilterSet(PlanFilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    carrier = django_filters.CharFilter(field_name="carrier__slug", label=_("Trägerin"))
    payer = django_filters.CharFilter(
        field_name="payer__slug", label=_("Trägt die übernommenen Mehrkosten")
    )
    position = IntegerFilter(method="filter_position", label=_("Stelle (ID)"))
    year = YearFilter(method="filter_year", label=_("Gilt im Jahr"))

    class Meta:
        model = ForwardingAgreement
        fields = ["recipient", "carrier", "payer", "coverage_policy", "position", "year"]

    def filter_position(self, queryset, name, value):
        through = ForwardingAgreement.positions.through.objects.filter(
            forwardingagreement_id=OuterRef("pk"), position_id=value
        )
        return queryset.filter(Exists(through))

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("valid_from", "valid_to", value))


class CostSplitFilterSet(PlanFilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    employer_town = django_filters.CharFilter(
        field_name="employer_town__slug", label=_("Anstellungskörperschaft")
    )
    member = django_filters.CharFilter(method="filter_member", label=_("Beteiligte Kommune"))
    year = YearFilter(method="filter_year", label=_("Gilt im Jahr"))

    class Meta:
        model = CostSplit
        fields = ["recipient", "employer_town", "method", "member", "year"]

    def filter_member(self, queryset, name, value):
        members = CostSplitMember.objects.filter(split_id=OuterRef("pk"), organisation__slug=value)
        return queryset.filter(Exists(members))

    def filter_year(self, queryset, name, value):
        return queryset.filter(overlaps_year("valid_from", "valid_to", value))


class CostForecastFilterSet(django_filters.FilterSet):
    """Carriers' cost statements: by carrier, year, kind and state (pages and API)."""

    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    carrier = django_filters.CharFilter(field_name="carrier__slug", label=_("Trägerin"))
    year = YearFilter(field_name="year", label=_("Jahr"))

    # Searches only the rows the list already holds: the user's scope.
    q = SearchFilter(fields=["title", "note"], label=_("Suche (Bezeichnung, Anmerkung)"))

    class Meta:
        model = CostForecast
        fields = ["recipient", "carrier", "year", "kind", "state", "q"]


class CarrierProofFilterSet(django_filters.FilterSet):
    """Carriers' proofs of use: by carrier, year and state (pages and API)."""

    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    carrier = django_filters.CharFilter(field_name="carrier__slug", label=_("Trägerin"))
    year = YearFilter(field_name="year", label=_("Jahr"))

    class Meta:
        model = CarrierProof
        fields = ["recipient", "carrier", "year", "state"]


class CarrierPaymentFilterSet(django_filters.FilterSet):
    """The recipient's payments to carriers: by carrier, year and position (pages and API)."""

    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    carrier = django_filters.CharFilter(field_name="carrier__slug", label=_("Trägerin"))
    year = YearFilter(field_name="year", label=_("Jahr"))
    position = IntegerFilter(field_name="position_id", label=_("Stelle (ID)"))

    class Meta:
        model = CarrierPayment
        fields = ["recipient", "carrier", "year", "position"]


class SettlementStatementFilterSet(django_filters.FilterSet):
    """Settlement statements between towns: by year, split, town and state (pages and API)."""

    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    year = YearFilter(field_name="year", label=_("Jahr"))
    split = IntegerFilter(field_name="split_id", label=_("Kostenaufteilung"))
    town = django_filters.CharFilter(field_name="town__slug", label=_("Kommune"))
    state = django_filters.ChoiceFilter(
        field_name="state", choices=StatementState.choices, label=_("Status")
    )
    q = SearchFilter(
        fields=["town__name", "split__name"], label=_("Suche (Kommune, Kostenaufteilung)")
    )

    class Meta:
        model = SettlementStatement
        fields = ["recipient", "year", "split", "town", "state"]


class AdvancePaymentFilterSet(django_filters.FilterSet):
    """The towns' advance payments to their employer town (pages and API)."""

    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    year = YearFilter(field_name="year", label=_("Jahr"))
    split = IntegerFilter(field_name="split_id", label=_("Kostenaufteilung"))
    town = django_filters.CharFilter(field_name="town__slug", label=_("Kommune"))

    class Meta:
        model = AdvancePayment
        fields = ["recipient", "year", "split", "town"]


def recipient_choices(user):
    """The recipients for a filter's select (admins only: everybody else has one)."""
    return Organisation.objects.recipients().order_by("name").values_list("slug", "name")

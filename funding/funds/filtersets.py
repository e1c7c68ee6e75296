"""Filters of the funds lists (API and HTML lists alike)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from funding.models import FundsCall, FundsPayment
from kim_admin.filters import YearFilter


class FundsCallFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="notice__recipient__slug", label=_("Zuwendungsempfänger")
    )
    notice = django_filters.NumberFilter(field_name="notice_id", label=_("Bescheid"))
    year = YearFilter(field_name="period_start__year", label=_("Jahr"))

    class Meta:
        model = FundsCall
        fields = ["recipient", "notice", "year"]


class FundsPaymentFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="call__notice__recipient__slug", label=_("Zuwendungsempfänger")
    )
    notice = django_filters.NumberFilter(field_name="call__notice_id", label=_("Bescheid"))
    call = django_filters.NumberFilter(field_name="call_id", label=_("Mittelabruf"))
    year = YearFilter(field_name="call__period_start__year", label=_("Jahr"))

    class Meta:
        model = FundsPayment
        fields = ["recipient", "notice", "call", "year"]

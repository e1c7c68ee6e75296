"""Filters of the published reports (the list page and the API share them)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kim_admin.filters import YearFilter
from reports.models import PublishedReport
from reports.registry import kind_choices


class PublishedReportFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Suche"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Berichtsart"), choices=kind_choices)
    recipient = django_filters.CharFilter(
        label=_("Zuwendungsempfänger (Kürzel)"), field_name="recipient__slug"
    )
    year = YearFilter(label=_("Jahr"))
    file_number = django_filters.CharFilter(label=_("Vorlage Nr."), lookup_expr="icontains")

    class Meta:
        model = PublishedReport
        fields = ["q", "kind", "recipient", "year", "file_number"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(subject__icontains=value)
            | Q(file_number__icontains=value)
        )

"""Filters of the published reports (the list page and the API share them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from kim_admin.filters import SearchFilter, YearFilter
from reports.models import PublishedReport
from reports.registry import kind_choices


class PublishedReportFilterSet(django_filters.FilterSet):
    q = SearchFilter(fields=["title", "subject", "file_number"], label=_("Suche"))
    kind = django_filters.ChoiceFilter(label=_("Berichtsart"), choices=kind_choices)
    recipient = django_filters.CharFilter(
        label=_("Zuwendungsempfänger (Kürzel)"), field_name="recipient__slug"
    )
    year = YearFilter(label=_("Jahr"))
    file_number = SearchFilter(fields=["file_number"], label=_("Vorlage Nr."))

    class Meta:
        model = PublishedReport
        fields = ["q", "kind", "recipient", "year", "file_number"]

"""Pages of the funding app: rates (grant notices and programme costs follow the same form)."""

from funding import filtersets, forms, tables
from funding.models import FundingRate
from kim_admin import generic


class FundingRateListView(generic.ObjectListView):
    model = FundingRate
    queryset = FundingRate.objects.select_related("block", "recipient", "scenario", "programme")
    filterset_class = filtersets.FundingRateFilterSet
    table_class = tables.FundingRateTable


class FundingRateDetailView(generic.ObjectDetailView):
    model = FundingRate
    queryset = FundingRate.objects.select_related("block", "recipient", "scenario", "programme")


class FundingRateEditView(generic.ObjectEditView):
    model = FundingRate
    form_class = forms.FundingRateForm


class FundingRateDeleteView(generic.ObjectDeleteView):
    model = FundingRate


class FundingRateHistoryView(generic.ObjectHistoryView):
    model = FundingRate

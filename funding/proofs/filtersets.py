import django_filters
from django.utils.translation import gettext_lazy as _

from funding.models import ProofOfUse
from kim_admin.filters import YearFilter


class ProofOfUseFilterSet(django_filters.FilterSet):
    recipient = django_filters.CharFilter(
        field_name="recipient__slug", label=_("Zuwendungsempfänger")
    )
    year = YearFilter(field_name="year", label=_("Jahr"))

    class Meta:
        model = ProofOfUse
        fields = ["recipient", "year"]

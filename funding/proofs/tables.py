import django_tables2 as tables

from funding.models import ProofOfUse
from kim_admin.tables import DetailLinkColumn, KimTable, YearColumn, detail_url


class ProofOfUseTable(KimTable):
    year = YearColumn(verbose_name="Jahr", linkify=detail_url)
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    actions = DetailLinkColumn()

    class Meta:
        model = ProofOfUse
        fields = ("year", "recipient")
        order_by = ("-year",)

    def value_year(self, value):
        return value

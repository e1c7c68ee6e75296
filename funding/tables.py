import django_tables2 as tables

from funding.models import FundingRate
from kim_admin.tables import ActionsColumn, DateColumn, KimTable, MoneyColumn


class FundingRateTable(KimTable):
    kind = tables.Column(verbose_name="Art", linkify=True)
    block = tables.Column(accessor="block__number", verbose_name="Baustein")
    amount = MoneyColumn(verbose_name="Betrag je VZ bzw. Jahr")
    valid_from = DateColumn(verbose_name="Gültig ab")
    capped_at_cost = tables.BooleanColumn(verbose_name="Höchstens die Kosten", yesno="ja,nein")
    recipient = tables.Column(verbose_name="Nur für", default="alle Empfänger")
    scenario = tables.Column(verbose_name="Szenario", default="–")
    actions = ActionsColumn()

    class Meta:
        model = FundingRate
        fields = (
            "kind",
            "block",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "scenario",
        )
        order_by = ("block", "kind", "valid_from")

    def value_capped_at_cost(self, value):
        return "ja" if value else "nein"

    def value_recipient(self, value):
        return str(value) if value else ""

    def value_scenario(self, value):
        return str(value) if value else ""

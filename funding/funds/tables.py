import django_tables2 as tables

from funding.models import FundsCall, FundsPayment
from kim_admin.tables import DateColumn, DetailLinkColumn, KimTable, MoneyColumn, detail_url


class FundsCallTable(KimTable):
    called_on = DateColumn(verbose_name="Abgerufen am", linkify=detail_url)
    period_start = DateColumn(verbose_name="Bedarf von")
    period_end = DateColumn(verbose_name="Bedarf bis")
    amount = MoneyColumn(verbose_name="Abgerufen")
    received = MoneyColumn(verbose_name="Eingegangen")
    reference = tables.Column(verbose_name="Zeichen", default="–")
    notice = tables.Column(verbose_name="Bescheid")
    recipient = tables.Column(
        accessor="notice__recipient", verbose_name="Zuwendungsempfänger", orderable=False
    )
    actions = DetailLinkColumn()

    class Meta:
        model = FundsCall
        fields = ("called_on", "period_start", "period_end", "amount", "received", "reference")
        order_by = ("-called_on",)


class FundsPaymentTable(KimTable):
    received_on = DateColumn(verbose_name="Eingegangen am", linkify=detail_url)
    amount = MoneyColumn(verbose_name="Betrag")
    call = tables.Column(verbose_name="Mittelabruf")
    note = tables.Column(verbose_name="Anmerkung", default="–")
    recipient = tables.Column(
        accessor="call__notice__recipient", verbose_name="Zuwendungsempfänger", orderable=False
    )
    actions = DetailLinkColumn()

    class Meta:
        model = FundsPayment
        fields = ("received_on", "amount", "call", "note")
        order_by = ("-received_on",)

"""Forms of the funds pages: a funds call and a payment received (issue 15)."""

from funding.models import FundsCall, FundsPayment
from kim_admin.forms import ScopedModelForm


class FundsCallForm(ScopedModelForm):
    class Meta:
        model = FundsCall
        fields = [
            "notice",
            "called_on",
            "period_start",
            "period_end",
            "amount",
            "reference",
            "note",
        ]


class FundsPaymentForm(ScopedModelForm):
    class Meta:
        model = FundsPayment
        fields = ["call", "received_on", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = self.fields["call"].queryset.select_related("notice")

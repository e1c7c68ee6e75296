"""The funds calls and payments in the API (issue 15)."""

from rest_framework import serializers

from funding.models import FundsCall, FundsPayment
from kim_admin.api import KimModelSerializer, ScopedModelSerializer, related_value


class FundsPaymentSerializer(KimModelSerializer):
    recipient_slug = related_value("call.notice.recipient.slug")

    class Meta:
        model = FundsPayment
        fields = ["id", "url", "display", "call", "recipient_slug", "received_on", "amount", "note"]


class FundsCallSerializer(KimModelSerializer):
    recipient_slug = related_value("notice.recipient.slug")
    payments = FundsPaymentSerializer(many=True, read_only=True)
    received = serializers.SerializerMethodField()

    class Meta:
        model = FundsCall
        fields = [
            "id",
            "url",
            "display",
            "notice",
            "recipient_slug",
            "called_on",
            "period_start",
            "period_end",
            "amount",
            "reference",
            "note",
            "received",
            "payments",
        ]

    def get_received(self, obj) -> str:
        """The sum of the payments received on the call (two decimals)."""
        return f"{sum((p.amount for p in obj.payments.all()), 0):.2f}"


class FundsCallWriteSerializer(ScopedModelSerializer):
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


class FundsPaymentWriteSerializer(ScopedModelSerializer):
    class Meta:
        model = FundsPayment
        fields = ["call", "received_on", "amount", "note"]

"""``/api/funds-calls/`` and ``/api/funds-payments/``: the recipient's funds calls and the
payments received on them (finance and coordination; issue 15). Writes go through the
services, so the API refuses what the pages refuse, with the same German message."""

from django.db.models import Prefetch

from funding.funds import services
from funding.funds.api import serializers
from funding.funds.filtersets import FundsCallFilterSet, FundsPaymentFilterSet
from funding.models import FundsCall, FundsPayment
from kim_admin.api import RestrictedModelViewSet


class FundsCallViewSet(RestrictedModelViewSet):
    """Funds calls (Mittelabrufe) per grant notice, with the payments received on them."""

    queryset = FundsCall.objects.select_related("notice__recipient").prefetch_related(
        Prefetch(
            "payments",
            queryset=FundsPayment.objects.select_related("call__notice__recipient").order_by(
                "received_on", "pk"
            ),
        )
    )
    serializer_class = serializers.FundsCallSerializer
    write_serializer_class = serializers.FundsCallWriteSerializer
    filterset_class = FundsCallFilterSet

    def save_object(self, obj, expected_version, related):
        services.save_funds_call(obj, actor=self.request.user, expected_version=expected_version)


class FundsPaymentViewSet(RestrictedModelViewSet):
    """Payments received from the funder (Zahlungseingänge), each on a funds call."""

    queryset = FundsPayment.objects.select_related("call__notice__recipient")
    serializer_class = serializers.FundsPaymentSerializer
    write_serializer_class = serializers.FundsPaymentWriteSerializer
    filterset_class = FundsPaymentFilterSet

    def save_object(self, obj, expected_version, related):
        services.save_funds_payment(obj, actor=self.request.user, expected_version=expected_version)

from kim_admin.api import RestrictedReadOnlyViewSet
from staffing import filtersets
from staffing.api import serializers
from staffing.models import Occupancy, PayGrade, PayGradeCost, Position, PositionCost, PositionTown


class PayGradeViewSet(RestrictedReadOnlyViewSet):
    queryset = PayGrade.objects.all()
    serializer_class = serializers.PayGradeSerializer
    filterset_class = filtersets.PayGradeFilterSet


class PayGradeCostViewSet(RestrictedReadOnlyViewSet):
    queryset = PayGradeCost.objects.select_related("pay_grade")
    serializer_class = serializers.PayGradeCostSerializer
    filterset_class = filtersets.PayGradeCostFilterSet


class PositionViewSet(RestrictedReadOnlyViewSet):
    queryset = Position.objects.select_related(
        "recipient", "scenario", "block", "employer", "pay_grade"
    )
    nested = {
        "served_towns": PositionTown.objects.select_related("town"),
        "occupancies": Occupancy.objects.order_by("start", "pk"),
    }
    serializer_class = serializers.PositionSerializer
    filterset_class = filtersets.PositionFilterSet


class OccupancyViewSet(RestrictedReadOnlyViewSet):
    queryset = Occupancy.objects.select_related("position__recipient", "position__block")
    serializer_class = serializers.OccupancySerializer
    filterset_class = filtersets.OccupancyFilterSet


class PositionCostViewSet(RestrictedReadOnlyViewSet):
    queryset = PositionCost.objects.select_related("position__recipient", "position__block")
    serializer_class = serializers.PositionCostSerializer
    filterset_class = filtersets.PositionCostFilterSet

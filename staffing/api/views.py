from kim_admin.api import (
    RestrictedModelViewSet,
    RestrictedReadOnlyViewSet,
)
from staffing import filtersets
from staffing.api import serializers
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)
from staffing.services import (
    OccupancyPeriod,
    ServedTown,
    occupancy_delete,
    occupancy_save,
    position_cost_delete,
    position_cost_save,
    position_delete,
    position_save,
)


class PayGradeViewSet(RestrictedReadOnlyViewSet):
    queryset = PayGrade.objects.all()
    serializer_class = serializers.PayGradeSerializer
    filterset_class = filtersets.PayGradeFilterSet


class PayGradeCostViewSet(RestrictedReadOnlyViewSet):
    queryset = PayGradeCost.objects.select_related("pay_grade")
    serializer_class = serializers.PayGradeCostSerializer
    filterset_class = filtersets.PayGradeCostFilterSet


class OrganisationalUnitViewSet(RestrictedModelViewSet):
    """A recipient's organisational units (the guided setup creates the first ones); its
    finance and coordination add, rename and delete them (a unit that positions name is
    refused, 409)."""

    queryset = OrganisationalUnit.objects.select_related("recipient")
    serializer_class = serializers.OrganisationalUnitSerializer
    write_serializer_class = serializers.OrganisationalUnitWriteSerializer
    filterset_class = filtersets.OrganisationalUnitFilterSet


class PositionViewSet(RestrictedModelViewSet):
    """Positions with their served towns and occupancy; writes go through position_save."""

    queryset = Position.objects.select_related(
        "recipient", "scenario", "block", "employer", "unit", "pay_grade"
    )
    nested = {
        "served_towns": PositionTown.objects.select_related("town"),
        "occupancies": Occupancy.objects.order_by("start", "pk"),
    }
    serializer_class = serializers.PositionSerializer
    filterset_class = filtersets.PositionFilterSet

    write_serializer_class = serializers.PositionWriteSerializer

    def save_object(self, position, expected_version, related):
        """Through position_save: served towns and occupancy, when sent, replace the stored
        ones, checked together with the position."""
        towns = related.get("served_towns")
        periods = related.get("occupancies")
        position_save(
            position=position,
            actor=self.request.user,
            served_towns=None
            if towns is None
            else [ServedTown(t["town"].id, t["share"]) for t in towns],
            occupancies=None
            if periods is None
            else [
                OccupancyPeriod(p["start"], p.get("end"), p["fte"], p.get("note", ""))
                for p in periods
            ],
            expected_version=expected_version,
        )

    def delete_object(self, position, expected_version):
        position_delete(
            position=position, actor=self.request.user, expected_version=expected_version
        )


class OccupancyViewSet(RestrictedModelViewSet):
    """Occupancy periods; writes go through occupancy_save (the position's rules)."""

    queryset = Occupancy.objects.select_related("position__recipient", "position__block")
    serializer_class = serializers.OccupancySerializer
    write_serializer_class = serializers.OccupancyRowWriteSerializer
    filterset_class = filtersets.OccupancyFilterSet

    def save_object(self, obj, expected_version, related):
        occupancy_save(occupancy=obj, actor=self.request.user, expected_version=expected_version)

    def delete_object(self, obj, expected_version):
        occupancy_delete(occupancy=obj, actor=self.request.user, expected_version=expected_version)


class PositionCostViewSet(RestrictedModelViewSet):
    """A position's cost of a year; writes go through position_cost_save."""

    queryset = PositionCost.objects.select_related("position__recipient", "position__block")
    serializer_class = serializers.PositionCostSerializer
    write_serializer_class = serializers.PositionCostWriteSerializer
    filterset_class = filtersets.PositionCostFilterSet

    def save_object(self, obj, expected_version, related):
        position_cost_save(cost=obj, actor=self.request.user, expected_version=expected_version)

    def delete_object(self, obj, expected_version):
        position_cost_delete(cost=obj, actor=self.request.user, expected_version=expected_version)

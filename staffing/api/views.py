from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

from kim_admin.api import (
    PreconditionFailed,
    RestrictedModelViewSet,
    RestrictedReadOnlyViewSet,
    django_errors_to_drf,
)
from kim_admin.versioning import VersionConflict
from staffing import filtersets
from staffing.api import serializers
from staffing.models import Occupancy, PayGrade, PayGradeCost, Position, PositionCost, PositionTown
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


class PositionViewSet(RestrictedModelViewSet):
    """Positions with their served towns and occupancy; writes go through position_save."""

    queryset = Position.objects.select_related(
        "recipient", "scenario", "block", "employer", "pay_grade"
    )
    nested = {
        "served_towns": PositionTown.objects.select_related("town"),
        "occupancies": Occupancy.objects.order_by("start", "pk"),
    }
    serializer_class = serializers.PositionSerializer
    filterset_class = filtersets.PositionFilterSet

    def get_serializer_class(self):
        if self.request.method in ("POST", "PUT", "PATCH"):
            return serializers.PositionWriteSerializer
        return serializers.PositionSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        position = self._save(serializer.validated_data, Position())
        response = Response(self._read(position), status=status.HTTP_201_CREATED)
        response["ETag"] = position.etag
        return response

    def update(self, request, *args, partial=False, **kwargs):
        position = self.get_object()
        serializer = self.get_serializer(position, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        position = self._save(serializer.validated_data, position, self.expected_version())
        response = Response(self._read(position))
        response["ETag"] = position.etag
        return response

    @transaction.atomic
    def _save(self, validated_data, position, expected_version=None):
        data = dict(validated_data)
        towns = data.pop("served_towns", None)
        periods = data.pop("occupancies", None)
        for field, value in data.items():
            setattr(position, field, value)
        try:
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
        except ValidationError as error:
            raise django_errors_to_drf(error) from error
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict
        # Re-checked inside the transaction: a write may not leave the user's scope.
        self.ensure_in_scope(position)
        return position

    def _read(self, position):
        position = RestrictedReadOnlyViewSet.get_queryset(self).get(pk=position.pk)
        return serializers.PositionSerializer(position, context=self.get_serializer_context()).data

    def perform_destroy(self, instance):
        try:
            position_delete(
                position=instance, actor=self.request.user, expected_version=self.expected_version()
            )
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict


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

"""``/api/projections/``: projections with their rows, written whole through the service, and
``/api/projections/{id}/results/``: the projected years against the plan."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from funding import filtersets
from funding.models import (
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
)
from funding.projections.api import serializers
from funding.projections.selectors import projection_result
from funding.projections.services import ROW_MODELS, projection_delete, projection_save
from kim_admin.api import RestrictedModelViewSet


class ProjectionViewSet(RestrictedModelViewSet):
    """Projections: the real plan or a scenario carried forward (pay rises from a date, rate
    changes, positions ending or added, the programme's end)."""

    description = (
        "Fortschreibungen mit ihren Annahmen. Beim Schreiben ersetzen gesendete Zeilen "
        "(pay_rises, rate_changes, position_changes) die gespeicherten ihrer Art; "
        "results/ liefert die fortgeschriebenen Jahre gegenüber dem Plan."
    )
    queryset = Projection.objects.select_related("recipient", "scenario")
    nested = {
        "pay_rises": ProjectionPayRise.objects.order_by("effective_from", "pk"),
        "rate_changes": ProjectionRateChange.objects.select_related("block").order_by(
            "valid_from", "pk"
        ),
        "position_changes": ProjectionPositionChange.objects.select_related("position").order_by(
            "on", "pk"
        ),
    }
    serializer_class = serializers.ProjectionSerializer
    write_serializer_class = serializers.ProjectionWriteSerializer
    filterset_class = filtersets.ProjectionFilterSet

    def save_object(self, obj, expected_version, related):
        rows = {name: related[name] for name in ROW_MODELS if name in related}
        projection_save(
            projection=obj, rows=rows, actor=self.request.user, expected_version=expected_version
        )

    def delete_object(self, obj, expected_version):
        projection_delete(
            projection=obj, actor=self.request.user, expected_version=expected_version
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        projection = self.get_object()
        result = projection_result(projection)
        years = serializers.ProjectionYearSerializer(
            result.rows, many=True, context={"overviews": result.overviews}
        ).data
        return Response(
            {
                "projection": projection.pk,
                "recipient": projection.recipient.slug,
                "scenario": projection.scenario.slug if projection.scenario else None,
                "years": years,
                "total": {
                    "projected": serializers.ProjectionFiguresSerializer(
                        result.projected_total
                    ).data,
                    "planned": serializers.ProjectionFiguresSerializer(result.planned_total).data,
                },
            }
        )

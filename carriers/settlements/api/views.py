"""API of the settlement between towns: statements (list, detail, PDF, issue) and the towns'
advance payments (CRUD with If-Match). Outside the user's scope: 404."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from carriers import filtersets
from carriers.forecasts.api.views import run_service
from carriers.models import AdvancePayment, SettlementStatement
from carriers.settlements import services
from carriers.settlements.api import serializers
from kim_admin.api import HasRole, RestrictedModelViewSet, RestrictedReadOnlyViewSet


class SettlementStatementViewSet(RestrictedReadOnlyViewSet):
    """Issued settlement statements; ``POST /api/settlements/issue/`` issues one town's."""

    description = gettext_lazy(
        "Abrechnungen zwischen den Kommunen einer Kostenaufteilung. Filter: year, split, town, "
        "state, recipient. Ausstellen: POST issue/ mit split, town, year (und replaces für eine "
        "Korrektur)."
    )
    queryset = (
        SettlementStatement.objects.without_pdf()
        .select_related("recipient", "split", "town")
        .order_by("-year", "split__name", "town__name", "-number")
    )
    serializer_class = serializers.SettlementStatementSerializer
    filterset_class = filtersets.SettlementStatementFilterSet

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = self.get_object().etag
        return response

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        statement = (
            SettlementStatement.objects.restrict(request.user)
            .select_related("split", "town")
            .filter(pk=self.get_object().pk)
            .get()
        )
        response = HttpResponse(bytes(statement.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement.download_name}"'
        response["ETag"] = f'"{statement.pdf_sha256}"'
        return response

    @extend_schema(responses={201: serializers.SettlementStatementSerializer})
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[HasRole],
        serializer_class=serializers.IssueSerializer,
    )
    def issue(self, request):
        serializer = serializers.IssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        statement = run_service(
            services.statement_issue,
            split=data["split"],
            town=data["town"],
            year=data["year"],
            actor=request.user,
            replaces=data.get("replaces"),
        )
        shown = self.get_queryset().get(pk=statement.pk)
        response = Response(
            serializers.SettlementStatementSerializer(
                shown, context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )
        response["ETag"] = statement.etag
        return response


class AdvancePaymentViewSet(RestrictedModelViewSet):
    """Advance payments of a split's towns to the employer town: finance and coordination of
    the recipient write, the towns read their own."""

    queryset = AdvancePayment.objects.select_related("recipient", "split", "town")
    serializer_class = serializers.AdvancePaymentSerializer
    write_serializer_class = serializers.AdvancePaymentWriteSerializer
    filterset_class = filtersets.AdvancePaymentFilterSet

    def save_object(self, obj, expected_version, related):
        services.advance_save(
            advance=obj, actor=self.request.user, expected_version=expected_version
        )

    def delete_object(self, obj, expected_version):
        services.advance_delete(
            advance=obj, actor=self.request.user, expected_version=expected_version
        )

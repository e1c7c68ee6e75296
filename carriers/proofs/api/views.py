"""The API of the carriers' proofs of use: list, detail, create and change a draft, the
workflow's steps (submit, check, return, review) as POST actions, the figures with the
Besserstellungsverbot flags, attachments, and the checked proofs of a recipient's year.

Views only translate: the rules are in ``carriers.proofs.services`` and
``carriers.proofs.selectors``. Outside the user's scope 404; a step the user may not do 403;
a rule 400 with the German message by field; a stale ``If-Match`` 412.
"""

import io

import django_filters
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from carriers import filtersets
from carriers.forecasts.api.views import expected_version, not_found, run_service
from carriers.models import CarrierProof, ProofAttachment, ProofLine
from carriers.models.forecasts import ATTACHMENT_MAX_BYTES
from carriers.proofs import selectors, services
from carriers.proofs.api import serializers
from kim_admin.api import HasRole, RestrictedReadOnlyViewSet
from kim_admin.filters import IntegerFilter
from kim_admin.scoping import VIEW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PROOF_JOINS = (
    "recipient",
    "carrier",
    "submitted_by",
    "content_checked_by",
    "arithmetic_checked_by",
    "reviewed_by",
)


class CarrierProofViewSet(RestrictedReadOnlyViewSet):
    """Carriers' proofs of use with their lines, checks and review note."""

    description = gettext_lazy(
        "Verwendungsnachweise der Trägerinnen mit ihren Zeilen je Stelle. Schritte: submit, "
        "check (content/arithmetic), return (comment), review (Prüfvermerk: review_result, "
        "findings, reviewed_on); Lesen: figures (Summen, Besserstellungsverbot), attachments."
    )
    permission_classes = [HasRole]
    queryset = CarrierProof.objects.select_related(*PROOF_JOINS).order_by(
        "-year", "carrier__name", "pk"
    )
    nested = {
        "lines": ProofLine.objects.select_related("position__block"),
        "attachments": ProofAttachment.objects.defer("content").select_related("uploaded_by"),
    }
    serializer_class = serializers.CarrierProofSerializer
    filterset_class = filtersets.CarrierProofFilterSet

    def get_queryset(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_queryset()
        return CarrierProof.objects.restrict(self.request.user, VIEW).select_related(
            "recipient", "carrier", "agreement"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.CarrierProofCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers.CarrierProofUpdateSerializer
        return self.serializer_class

    def shown(self, proof, status_code=status.HTTP_200_OK):
        fresh = RestrictedReadOnlyViewSet.get_queryset(self).filter(pk=proof.pk).first()
        if fresh is None:
            raise not_found()
        data = serializers.CarrierProofSerializer(fresh, context=self.get_serializer_context())
        response = Response(data.data, status=status_code)
        response["ETag"] = fresh.etag
        return response

    def retrieve(self, request, *args, **kwargs):
        proof = self.get_object()
        data = serializers.CarrierProofSerializer(proof, context=self.get_serializer_context())
        response = Response(data.data)
        response["ETag"] = proof.etag
        return response

    def create(self, request, *args, **kwargs):
        services.require_proof_writer(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = data.get("lines")
        proof = run_service(
            services.proof_create,
            agreement=data["agreement"],
            year=data["year"],
            actor=request.user,
            funds_received=data["funds_received"],
            own_contribution=data["own_contribution"],
            note=data["note"],
            lines=None if lines is None else serializer.line_inputs(lines),
        )
        return self.shown(proof, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        proof = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "lines" not in data and not partial:
            raise exceptions.ValidationError(
                {"lines": [_("Bitte alle Zeilen senden (oder PATCH für Teiländerungen).")]}
            )
        run_service(
            services.proof_update,
            proof=proof,
            actor=request.user,
            lines=serializer.line_inputs(data["lines"]) if "lines" in data else None,
            funds_received=data.get("funds_received"),
            own_contribution=data.get("own_contribution"),
            note=data.get("note"),
            expected_version=expected_version(request),
        )
        return self.shown(proof)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def step(self, service, proof=None, **kwargs):
        """A workflow step on the proof; a step with a body loads the proof before reading it,
        so that a proof outside the user's scope answers 404, not a complaint about the body."""
        return run_service(
            service,
            proof=proof or self.get_object(),
            actor=self.request.user,
            expected_version=expected_version(self.request),
            **kwargs,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.shown(self.step(services.proof_submit))

    @extend_schema(request=serializers.ProofCheckWriteSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        proof = self.get_object()
        body = serializers.ProofCheckWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.shown(
            self.step(services.proof_check, proof, check=body.validated_data["check"])
        )

    @extend_schema(request=serializers.ProofReturnWriteSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        proof = self.get_object()
        body = serializers.ProofReturnWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.shown(
            self.step(services.proof_return, proof, comment=body.validated_data["comment"])
        )

    @extend_schema(request=serializers.ReviewWriteSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        proof = self.get_object()
        body = serializers.ReviewWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self.shown(
            self.step(
                services.proof_review,
                proof,
                result=data["review_result"],
                findings=data["findings"],
                reviewed_on=data["reviewed_on"],
            )
        )

    @extend_schema(responses=serializers.ProofFiguresSerializer)
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        proof = self.get_object()
        return Response(serializers.ProofFiguresSerializer(selectors.proof_figures(proof)).data)

    @extend_schema(methods=["GET"], responses=serializers.ProofAttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": serializers.ProofAttachmentUploadSerializer},
        responses={201: serializers.ProofAttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        """GET: the proof's attachments; POST (multipart, ``file``): add one."""
        proof = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = ProofAttachment.objects.restrict(request.user, VIEW).filter(proof=proof)
            rows = rows.defer("content").select_related("uploaded_by")
            return Response(
                serializers.ProofAttachmentSerializer(rows, many=True, context=context).data
            )
        body = serializers.ProofAttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        attachment = run_service(
            services.proof_attachment_add,
            proof=proof,
            actor=request.user,
            name=upload.name,
            content=upload.read(ATTACHMENT_MAX_BYTES + 1),
            expected_version=expected_version(request),
        )
        shown = ProofAttachment.objects.defer("content").select_related("uploaded_by")
        data = serializers.ProofAttachmentSerializer(shown.get(pk=attachment.pk), context=context)
        response = Response(data.data, status=status.HTTP_201_CREATED)
        response["ETag"] = CarrierProof.objects.get(pk=proof.pk).etag
        return response


class ProofAttachmentFilterSet(django_filters.FilterSet):
    proof = IntegerFilter(field_name="proof_id", label=gettext_lazy("Nachweis (ID)"))

    class Meta:
        model = ProofAttachment
        fields = ["proof"]


class ProofAttachmentViewSet(mixins.DestroyModelMixin, RestrictedReadOnlyViewSet):
    """Attachments of proofs: metadata, ``download/``, delete (the carrier, while editable)."""

    description = gettext_lazy("Anhänge der Verwendungsnachweise (PDF oder Excel).")
    permission_classes = [HasRole]
    queryset = ProofAttachment.objects.defer("content").select_related("uploaded_by")
    serializer_class = serializers.ProofAttachmentSerializer
    filterset_class = ProofAttachmentFilterSet

    def get_queryset(self):
        return self.queryset.restrict(self.request.user, VIEW)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, XLSX): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = get_object_or_404(ProofAttachment.objects.restrict(request.user, VIEW), pk=pk)
        response = FileResponse(
            io.BytesIO(bytes(attachment.content)),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["Content-Length"] = str(attachment.size)
        response["Cache-Control"] = "private, no-store"
        return response

    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        run_service(
            services.proof_attachment_delete,
            attachment=attachment,
            actor=request.user,
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

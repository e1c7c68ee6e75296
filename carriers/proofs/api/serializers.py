"""Serializers of the carriers' proofs of use: reads show what the pages show (state, review
note, sums, the Besserstellungsverbot flags in ``figures``); writes check the shape and the
scope of what a client sends. The workflow's rules are the services' (``carriers.proofs.services``)
and reach the client by field."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from carriers.choices import ReviewResult
from carriers.forecasts.api.serializers import UNKNOWN_POSITION, PersonField, person
from carriers.models import CarrierProof, ForwardingAgreement, ProofAttachment, ProofLine
from carriers.proofs.services import ARITHMETIC, CONTENT, ProofLineInput
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    related_value,
)
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.scoping import VIEW
from staffing.models import Position

MONEY_OUT = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class ProofLineSerializer(ScopedModelSerializer):
    position_title = related_value("position.title")
    block_number = related_value("position.block.number")
    total = serializers.DecimalField(**MONEY_OUT)

    class Meta:
        model = ProofLine
        fields = [
            "id",
            "position",
            "position_title",
            "block_number",
            "employer_gross",
            "material",
            "overhead",
            "fte",
            "months_filled",
            "remark",
            "total",
        ]


class ProofAttachmentSerializer(ScopedModelSerializer):
    uploaded_by = PersonField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProofAttachment
        fields = [
            "id",
            "proof",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        from django.urls import reverse

        url = reverse("api:proofattachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CarrierProofSerializer(KimModelSerializer):
    """A carrier's proof with its lines, attachments, checks and review note."""

    recipient_slug = related_value("recipient.slug")
    carrier_slug = related_value("carrier.slug")
    carrier_name = related_value("carrier.name")
    state_label = choice_label("state")
    review_result_label = choice_label("review_result")
    submitted_by = PersonField()
    reviewed_by = PersonField()
    checks = serializers.SerializerMethodField()
    total_cost = serializers.SerializerMethodField()
    lines = ProofLineSerializer(many=True, read_only=True)
    attachments = ProofAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CarrierProof
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "carrier",
            "carrier_slug",
            "carrier_name",
            "agreement",
            "year",
            "state",
            "state_label",
            "funds_received",
            "own_contribution",
            "note",
            "version",
            "submitted_by",
            "submitted_at",
            "checks",
            "reviewed_by",
            "reviewed_on",
            "review_result",
            "review_result_label",
            "findings",
            "return_comment",
            "total_cost",
            "lines",
            "attachments",
        ]

    def get_checks(self, proof) -> dict:
        def at(value):
            return serializers.DateTimeField().to_representation(value) if value else None

        return {
            CONTENT: {"by": person(proof.content_checked_by), "at": at(proof.content_checked_at)},
            ARITHMETIC: {
                "by": person(proof.arithmetic_checked_by),
                "at": at(proof.arithmetic_checked_at),
            },
        }

    def get_total_cost(self, proof) -> str:
        total = sum((line.total for line in proof.lines.all()), Decimal(0))
        return serializers.DecimalField(max_digits=14, decimal_places=2).to_representation(total)


class LineFiguresSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="line.position_id", read_only=True)
    position_title = serializers.CharField(source="line.position.title", read_only=True)
    total = serializers.DecimalField(**MONEY_OUT)
    gross_per_fte = serializers.DecimalField(**MONEY_OUT, allow_null=True)
    reference_per_fte = serializers.DecimalField(**MONEY_OUT, allow_null=True)
    exceeds_public_pay = serializers.BooleanField(read_only=True)


class TotalsSerializer(serializers.Serializer):
    employer_gross = serializers.DecimalField(**MONEY_OUT)
    material = serializers.DecimalField(**MONEY_OUT)
    overhead = serializers.DecimalField(**MONEY_OUT)
    total_cost = serializers.DecimalField(**MONEY_OUT)
    funds_received = serializers.DecimalField(**MONEY_OUT)
    own_contribution = serializers.DecimalField(**MONEY_OUT)
    balance = serializers.DecimalField(**MONEY_OUT)


class ProofFiguresSerializer(serializers.Serializer):
    """A proof's sums and, per line, the employer gross per FTE-year against the public
    reference of the pay grade (``exceeds_public_pay``: above the recipient's tolerance)."""

    tolerance_percent = serializers.DecimalField(max_digits=7, decimal_places=4, read_only=True)
    totals = TotalsSerializer(read_only=True)
    lines = LineFiguresSerializer(many=True, read_only=True)


# --- Writes --------------------------------------------------------------------------------------


class ProofLineWriteSerializer(serializers.Serializer):
    position = serializers.IntegerField(label=_("Stelle"))
    employer_gross = serializers.DecimalField(
        max_digits=12, decimal_places=2, label=_("Arbeitgeberbrutto (€)")
    )
    material = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal(0)
    )
    overhead = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal(0)
    )
    fte = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, default=Decimal(1)
    )
    months_filled = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, default=Decimal(12)
    )
    remark = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ProofLinesMixin(serializers.Serializer):
    lines = ProofLineWriteSerializer(many=True, required=False)

    def validate_lines(self, lines):
        """Positions the user cannot see answer like unknown ones (their titles stay hidden);
        whether the carrier holds a visible one under the agreement is the service's rule."""
        user = self.context["request"].user
        wanted = {line["position"] for line in lines}
        visible = set(
            Position.objects.restrict(user, VIEW).filter(pk__in=wanted).values_list("pk", flat=True)
        )
        errors = [
            UNKNOWN_POSITION % {"row": row}
            for row, line in enumerate(lines, start=1)
            if line["position"] not in visible
        ]
        if errors:
            raise serializers.ValidationError(errors)
        return lines

    @staticmethod
    def line_inputs(lines) -> list[ProofLineInput]:
        return [
            ProofLineInput(
                position_id=line["position"],
                employer_gross=line["employer_gross"],
                **{
                    name: line[name]
                    for name in ("material", "overhead", "fte", "months_filled", "remark")
                    if name in line
                },
            )
            for line in lines
        ]


MONEY_IN = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


class CarrierProofCreateSerializer(ProofLinesMixin):
    """A new draft under one of the carrier's agreements (others are outside its scope)."""

    agreement = ScopedPrimaryKeyRelatedField(
        queryset=ForwardingAgreement.objects.filter(scenario__isnull=True),
        label=_("Weiterleitungsvertrag"),
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, label=_("Jahr"))
    funds_received = serializers.DecimalField(**MONEY_IN, required=False, default=Decimal(0))
    own_contribution = serializers.DecimalField(**MONEY_IN, required=False, default=Decimal(0))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CarrierProofUpdateSerializer(ProofLinesMixin):
    funds_received = serializers.DecimalField(**MONEY_IN, required=False)
    own_contribution = serializers.DecimalField(**MONEY_IN, required=False)
    note = serializers.CharField(required=False, allow_blank=True)


class ProofCheckWriteSerializer(serializers.Serializer):
    check = serializers.ChoiceField(
        choices=[(CONTENT, _("sachlich")), (ARITHMETIC, _("rechnerisch"))],
        error_messages={
            "invalid_choice": _("Bitte „content“ (sachlich) oder „arithmetic“ (rechnerisch).")
        },
    )


class ProofReturnWriteSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, label=_("Begründung"))


class ReviewWriteSerializer(serializers.Serializer):
    """The review note: review_result, findings (required with findings), date (default today)."""

    review_result = serializers.ChoiceField(
        choices=ReviewResult.choices,
        label=_("Ergebnis der Prüfung"),
        error_messages={"invalid_choice": _("Bitte „confirmed“ oder „findings“.")},
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    reviewed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ProofAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("Datei"), allow_empty_file=True)


class CheckedProofLineSerializer(serializers.Serializer):
    position_id = serializers.IntegerField(read_only=True)
    position_title = serializers.CharField(read_only=True)
    block_number = serializers.IntegerField(read_only=True)
    employer_gross = serializers.DecimalField(**MONEY_OUT)
    material = serializers.DecimalField(**MONEY_OUT)
    overhead = serializers.DecimalField(**MONEY_OUT)
    fte = serializers.DecimalField(max_digits=4, decimal_places=3, read_only=True)
    months_filled = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)
    total = serializers.DecimalField(**MONEY_OUT)

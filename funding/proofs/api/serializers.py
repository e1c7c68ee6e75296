"""The proof of use in the API (issue 15): the stored factual report and, for one proof, the
figures in the command's shape (``funding.proofs.selectors.proof_payload``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funding.models import ProofOfUse
from funding.proofs.selectors import proof_of_use, proof_payload
from kim_admin.api import KimModelSerializer, ScopedModelSerializer, related_value

FIGURES_SCHEMA = {
    "type": "object",
    "nullable": True,
    "readOnly": True,
    "description": (
        "Der zahlenmäßige Nachweis wie `manage.py proof_of_use --format json` (totals, "
        "by_block, bearers, refunds, carriers, carriers_complete). Nur beim Abruf eines "
        "Nachweises und in der Liste mit recipient und year; sonst null."
    ),
}


class ProofOfUseSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    figures = serializers.SerializerMethodField()

    class Meta:
        model = ProofOfUse
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "year",
            "version",
            "factual_report",
            "created_at",
            "figures",
        ]
        read_only_fields = fields

    @extend_schema_field(FIGURES_SCHEMA)
    def get_figures(self, obj):
        as_of = self.context.get("figures_as_of")
        if as_of is None:
            return None
        return proof_payload(proof_of_use(obj.recipient, obj.year, as_of))


class ProofOfUseWriteSerializer(ScopedModelSerializer):
    """Only the factual report is written; the figures come from the data."""

    class Meta:
        model = ProofOfUse
        fields = ["factual_report"]


class ProofOfUseQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="Zinsen auf eine Rückforderung bis zu diesem Tag (JJJJ-MM-TT; sonst heute).",
        error_messages={"invalid": "Bitte ein Datum als JJJJ-MM-TT angeben."},
    )

"""Projections in the API: read with their rows, written whole (projection and rows)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from funding.api.serializers import RecipientRowWriteSerializer
from funding.models import (
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
)
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    choice_label,
    in_change_scope,
    related_value,
)

POSITION_OUT_OF_SCOPE = _("Diese Stelle gibt es nicht oder Sie dürfen sie nicht ändern.")


class ProjectionPayRiseSerializer(ScopedModelSerializer):
    class Meta:
        model = ProjectionPayRise
        fields = ["effective_from", "percent", "note"]
        # The model's rules (−100 % and the date) answer in German through the service.
        extra_kwargs = {"percent": {"validators": []}}
        validators = []


class RateChangeSerializer(ScopedModelSerializer):
    block_number = related_value("block.number")
    kind_label = choice_label("kind")

    class Meta:
        model = ProjectionRateChange
        fields = [
            "block",
            "block_number",
            "kind",
            "kind_label",
            "amount",
            "valid_from",
            "capped_at_cost",
        ]
        extra_kwargs = {"amount": {"validators": []}}


class PositionChangeSerializer(ScopedModelSerializer):
    position_title = related_value("position.title")
    action_label = choice_label("action")

    class Meta:
        model = ProjectionPositionChange
        fields = ["action", "action_label", "position", "position_title", "on", "fte", "title"]
        extra_kwargs = {"fte": {"validators": []}}

    def validate_position(self, position):
        return in_change_scope(self, position, POSITION_OUT_OF_SCOPE)


class ProjectionSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")
    pay_rises = ProjectionPayRiseSerializer(many=True, read_only=True)
    rate_changes = RateChangeSerializer(many=True, read_only=True)
    position_changes = PositionChangeSerializer(many=True, read_only=True)
    results_url = serializers.HyperlinkedIdentityField(view_name="api:projection-results")

    class Meta:
        model = Projection
        fields = [
            "id",
            "url",
            "display",
            "version",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "name",
            "base_year",
            "last_year",
            "programme_end_year",
            "notes",
            "pay_rises",
            "rate_changes",
            "position_changes",
            "results_url",
        ]


class ProjectionWriteSerializer(RecipientRowWriteSerializer):
    """The projection and, where sent, all its rows of a kind (they replace the stored)."""

    pay_rises = ProjectionPayRiseSerializer(many=True, required=False)
    rate_changes = RateChangeSerializer(many=True, required=False)
    position_changes = PositionChangeSerializer(many=True, required=False)

    class Meta:
        model = Projection
        fields = [
            "recipient",
            "scenario",
            "name",
            "base_year",
            "last_year",
            "programme_end_year",
            "notes",
            "pay_rises",
            "rate_changes",
            "position_changes",
        ]
        validators = []


class ProjectionFiguresSerializer(serializers.Serializer):
    """One plan's figures of a year: cost, funding, own share and what each bearer carries."""

    cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    funding = serializers.DecimalField(max_digits=16, decimal_places=2)
    own_share = serializers.DecimalField(max_digits=16, decimal_places=2)
    bearers = serializers.DictField(child=serializers.DecimalField(max_digits=16, decimal_places=2))


class ProjectionYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    projected = ProjectionFiguresSerializer()
    planned = ProjectionFiguresSerializer()
    difference = ProjectionFiguresSerializer(source="diff")
    warnings = serializers.SerializerMethodField()

    def get_warnings(self, row):
        overview = self.context["overviews"][row.year]
        return [w.message for w in overview.warnings]

from rest_framework import serializers

from kim_admin.api import KimModelSerializer, choice_label, related_value
from staffing.models import Occupancy, PayGrade, PayGradeCost, Position, PositionCost, PositionTown


class PayGradeSerializer(KimModelSerializer):
    class Meta:
        model = PayGrade
        fields = ["id", "url", "display", "code", "name"]


class PayGradeCostSerializer(KimModelSerializer):
    pay_grade_code = related_value("pay_grade.code")

    class Meta:
        model = PayGradeCost
        fields = [
            "id",
            "url",
            "display",
            "pay_grade",
            "pay_grade_code",
            "year",
            "employer_gross_per_fte",
            "source",
        ]


class PositionTownSerializer(serializers.ModelSerializer):
    town_slug = related_value("town.slug")
    town_name = related_value("town.name")

    class Meta:
        model = PositionTown
        fields = ["id", "town", "town_slug", "town_name", "share"]


class PositionOccupancySerializer(serializers.ModelSerializer):
    """An occupancy inside its position (the position is the parent)."""

    class Meta:
        model = Occupancy
        fields = ["id", "start", "end", "fte", "note"]


class PositionSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")
    block_number = related_value("block.number")
    funding_kind_label = choice_label("funding_kind")
    employer_slug = related_value("employer.slug")
    employer_name = related_value("employer.name")
    employer_kind = related_value("employer.kind")
    pay_grade_code = related_value("pay_grade.code")
    served_towns = PositionTownSerializer(many=True, read_only=True)
    occupancies = PositionOccupancySerializer(many=True, read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "origin",
            "block",
            "block_number",
            "funding_kind",
            "funding_kind_label",
            "title",
            "fte",
            "employer",
            "employer_slug",
            "employer_name",
            "employer_kind",
            "department",
            "pay_grade",
            "pay_grade_code",
            "budget_product",
            "ledger_account",
            "cost_centre",
            "planned_start",
            "end_date",
            "served_towns",
            "occupancies",
            "notes",
        ]


class OccupancySerializer(KimModelSerializer):
    position_title = related_value("position.title")
    recipient_slug = related_value("position.recipient.slug")

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "url",
            "display",
            "position",
            "position_title",
            "recipient_slug",
            "start",
            "end",
            "fte",
            "note",
        ]


class PositionCostSerializer(KimModelSerializer):
    position_title = related_value("position.title")
    recipient_slug = related_value("position.recipient.slug")
    status_label = choice_label("status")

    class Meta:
        model = PositionCost
        fields = [
            "id",
            "url",
            "display",
            "position",
            "position_title",
            "recipient_slug",
            "year",
            "status",
            "status_label",
            "employer_gross",
            "material",
            "overhead_rate",
            "overhead_amount",
            "one_off",
            "note",
        ]

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from carriers.models import Organisation
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    in_change_scope,
    own_recipient,
    related_value,
)
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)


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


class OrganisationalUnitSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    kind_label = choice_label("kind")

    class Meta:
        model = OrganisationalUnit
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "name",
            "kind",
            "kind_label",
        ]


class OrganisationalUnitWriteSerializer(ScopedModelSerializer):
    """A unit of the writer's own recipient (admins: any recipient's); the model's rules run
    in full_clean with their German messages."""

    recipient = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(), label=_("Zuwendungsempfänger")
    )

    class Meta:
        model = OrganisationalUnit
        fields = ["recipient", "name", "kind"]
        validators = []

    def validate_recipient(self, recipient):
        return own_recipient(
            self,
            recipient,
            _("Organisationseinheiten anderer Zuwendungsempfänger können Sie nicht bearbeiten."),
        )


class PositionTownSerializer(ScopedModelSerializer):
    town_slug = related_value("town.slug")
    town_name = related_value("town.name")

    class Meta:
        model = PositionTown
        fields = ["id", "town", "town_slug", "town_name", "share"]


class PositionOccupancySerializer(ScopedModelSerializer):
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
    unit_name = related_value("unit.name")
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
            "unit",
            "unit_name",
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


class ServedTownWriteSerializer(serializers.Serializer):
    town = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.towns(), label=_("Kommune"))
    share = serializers.DecimalField(max_digits=7, decimal_places=4, label=_("Anteil (%)"))


class OccupancyWriteSerializer(serializers.Serializer):
    start = serializers.DateField(label=_("Besetzt ab"))
    end = serializers.DateField(required=False, allow_null=True, label=_("Besetzt bis"))
    fte = serializers.DecimalField(max_digits=4, decimal_places=3, label=_("Besetzter Anteil"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("Anmerkung"))


class PositionWriteSerializer(ScopedModelSerializer):
    """What a client sends to create or change a position; ``served_towns`` and
    ``occupancies``, when sent, replace the stored ones. The rules are the models' and
    ``staffing.services.position_save``'s; this only checks the shape and the scope."""

    recipient = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(),
        label=_("Zuwendungsempfänger"),
    )
    served_towns = ServedTownWriteSerializer(many=True, required=False)
    occupancies = OccupancyWriteSerializer(many=True, required=False)

    class Meta:
        model = Position
        fields = [
            "recipient",
            "scenario",
            "origin",
            "block",
            "funding_kind",
            "title",
            "fte",
            "employer",
            "unit",
            "department",
            "pay_grade",
            "budget_product",
            "ledger_account",
            "cost_centre",
            "planned_start",
            "end_date",
            "notes",
            "served_towns",
            "occupancies",
        ]
        # The model's own rules run in the service (full_clean), with their German messages.
        validators = []

    def validate_recipient(self, recipient):
        return own_recipient(
            self, recipient, _("Stellen anderer Zuwendungsempfänger können Sie nicht bearbeiten.")
        )


OTHER_POSITION = _("Stellen außerhalb Ihres Zuständigkeitsbereichs können Sie nicht bearbeiten.")


class PositionRowWriteSerializer(ScopedModelSerializer):
    """A row of a position written on its own (occupancy, cost): the position must be one the
    user may change. The rules are the model's (``full_clean`` in the service)."""

    def validate_position(self, position):
        return in_change_scope(self, position, OTHER_POSITION)


class OccupancyRowWriteSerializer(PositionRowWriteSerializer):
    class Meta:
        model = Occupancy
        fields = ["position", "start", "end", "fte", "note"]
        validators = []


class PositionCostWriteSerializer(PositionRowWriteSerializer):
    class Meta:
        model = PositionCost
        fields = [
            "position",
            "year",
            "status",
            "employer_gross",
            "material",
            "overhead_rate",
            "overhead_amount",
            "one_off",
            "note",
        ]
        validators = []

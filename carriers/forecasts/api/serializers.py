"""Serializers of carriers' cost statements, their attachments, the recipient's payments to
carriers and year closings.

Read serializers show what the pages show (state and its German label, who checked when, the
version's label); write serializers check the shape and the scope of what a client sends. The
workflow's rules (who may, which state, the lines' figures) are the services'
(``carriers.forecasts.services``); their German messages reach the client by field.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carriers.api.serializers import OTHER_POSITION
from carriers.choices import ForecastKind
from carriers.forecasts.services import ARITHMETIC, CONTENT, LineInput
from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    Organisation,
)
from funding.api.serializers import OTHER_RECIPIENT
from funding.choices import OrganisationKind
from funding.models import YearClosing
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    in_change_scope,
    own_recipient,
    related_value,
)
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.roles import Role
from kim_admin.scoping import VIEW
from staffing.models import Position


def person(user) -> str | None:
    """How a user is named to others: the full name, else the login."""
    if user is None:
        return None
    return user.get_full_name() or user.username


@extend_schema_field({"type": "string", "nullable": True, "readOnly": True})
class PersonField(serializers.Field):
    """A user as a name (read only)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return person(value)


# --- Reads ---------------------------------------------------------------------------------------


class ForecastLineSerializer(ScopedModelSerializer):
    position_title = related_value("position.title")
    block_number = related_value("position.block.number")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = ForecastLine
        fields = [
            "id",
            "position",
            "position_title",
            "block_number",
            "employer_gross",
            "material",
            "overhead",
            "months_filled",
            "remark",
            "total",
        ]


class ForecastAttachmentSerializer(ScopedModelSerializer):
    """An attachment's metadata; the bytes come from its ``download`` URL."""

    uploaded_by = PersonField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ForecastAttachment
        fields = [
            "id",
            "forecast",
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

        url = reverse("api:forecastattachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CostForecastSerializer(KimModelSerializer):
    """A version of a carrier's statement with its lines, attachments and workflow steps."""

    recipient_slug = related_value("recipient.slug")
    recipient_name = related_value("recipient.name")
    carrier_slug = related_value("carrier.slug")
    carrier_name = related_value("carrier.name")
    kind_label = choice_label("kind")
    state_label = choice_label("state")
    label = serializers.CharField(read_only=True)
    created_by = PersonField()
    submitted_by = PersonField()
    decided_by = PersonField()
    checks = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    lines = ForecastLineSerializer(many=True, read_only=True)
    attachments = ForecastAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CostForecast
        fields = [
            "id",
            "url",
            "display",
            "label",
            "recipient",
            "recipient_slug",
            "recipient_name",
            "carrier",
            "carrier_slug",
            "carrier_name",
            "year",
            "kind",
            "kind_label",
            "number",
            "title",
            "note",
            "state",
            "state_label",
            "revision_of",
            "version",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "checks",
            "decided_by",
            "decided_at",
            "return_comment",
            "total",
            "lines",
            "attachments",
        ]

    def get_checks(self, forecast) -> dict:
        return {
            CONTENT: {
                "by": person(forecast.content_checked_by),
                "at": self._time(forecast.content_checked_at),
            },
            ARITHMETIC: {
                "by": person(forecast.arithmetic_checked_by),
                "at": self._time(forecast.arithmetic_checked_at),
            },
        }

    @staticmethod
    def _time(value):
        return serializers.DateTimeField().to_representation(value) if value else None

    def get_total(self, forecast) -> str:
        total = sum((line.total for line in forecast.lines.all()), Decimal(0))
        return serializers.DecimalField(max_digits=14, decimal_places=2).to_representation(total)


MONEY_OUT = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class LineEffectSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="position_id", read_only=True)
    title = serializers.CharField(read_only=True)
    total_cost = serializers.DecimalField(**MONEY_OUT)
    funding = serializers.DecimalField(**MONEY_OUT)
    own_share = serializers.DecimalField(**MONEY_OUT)
    carrier_carries = serializers.DecimalField(**MONEY_OUT)
    recipient_carries = serializers.DecimalField(**MONEY_OUT)


class ForecastEffectSerializer(serializers.Serializer):
    """What a statement means: cost, the state's funding, the own share and who carries it.
    The recipient's whole year (``recipient_year_own_share``) only for the recipient's staff:
    it sums every carrier's figures."""

    lines = LineEffectSerializer(many=True, read_only=True)
    total_cost = serializers.DecimalField(**MONEY_OUT)
    funding = serializers.DecimalField(**MONEY_OUT)
    own_share = serializers.DecimalField(**MONEY_OUT)
    carrier_carries = serializers.DecimalField(**MONEY_OUT)
    recipient_carries = serializers.DecimalField(**MONEY_OUT)
    recipient_year_own_share = serializers.DecimalField(**MONEY_OUT)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and request.user.role == Role.CARRIER:
            data.pop("recipient_year_own_share")
        return data


class FindingSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="position_id", read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True)


class CompareLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="position_id", read_only=True)
    title = serializers.CharField(read_only=True)
    old = ForecastLineSerializer(read_only=True, allow_null=True)
    new = ForecastLineSerializer(read_only=True, allow_null=True)
    old_total = serializers.DecimalField(**MONEY_OUT)
    new_total = serializers.DecimalField(**MONEY_OUT)
    difference = serializers.DecimalField(**MONEY_OUT)
    old_recipient = serializers.DecimalField(**MONEY_OUT)
    new_recipient = serializers.DecimalField(**MONEY_OUT)
    recipient_difference = serializers.DecimalField(**MONEY_OUT)
    changed = serializers.BooleanField(read_only=True)


# One version of a statement in a comparison.
VERSION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "number": {"type": "integer"},
        "state": {"type": "string"},
        "state_label": {"type": "string"},
    },
}


class ComparisonSerializer(serializers.Serializer):
    """Two versions line by line; ``saving``: what the newer one saves the recipient."""

    old = serializers.SerializerMethodField()
    new = serializers.SerializerMethodField()
    lines = CompareLineSerializer(many=True, read_only=True)
    old_total = serializers.DecimalField(source="old_effect.total_cost", **MONEY_OUT)
    new_total = serializers.DecimalField(source="new_effect.total_cost", **MONEY_OUT)
    difference = serializers.DecimalField(**MONEY_OUT)
    old_recipient_carries = serializers.DecimalField(
        source="old_effect.recipient_carries", **MONEY_OUT
    )
    new_recipient_carries = serializers.DecimalField(
        source="new_effect.recipient_carries", **MONEY_OUT
    )
    saving = serializers.DecimalField(**MONEY_OUT)

    def _version(self, forecast):
        return {
            "id": forecast.pk,
            "label": forecast.label,
            "number": forecast.number,
            "state": forecast.state,
            "state_label": forecast.get_state_display(),
        }

    @extend_schema_field(VERSION_SCHEMA)
    def get_old(self, comparison):
        return self._version(comparison.old)

    @extend_schema_field(VERSION_SCHEMA)
    def get_new(self, comparison):
        return self._version(comparison.new)


class ActualLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="position_id", read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    forecast = serializers.DecimalField(**MONEY_OUT)
    actual = serializers.DecimalField(allow_null=True, **MONEY_OUT)
    difference = serializers.DecimalField(allow_null=True, **MONEY_OUT)
    paid = serializers.DecimalField(**MONEY_OUT)


class CarrierActualsSerializer(serializers.Serializer):
    """A carrier's year at a recipient: approved forecast against approved actual statement
    per position, and what the recipient forecast to carry against what it paid."""

    recipient = serializers.IntegerField(source="recipient_id", read_only=True)
    recipient_slug = serializers.CharField(read_only=True)
    carrier = serializers.IntegerField(source="actuals.carrier_id", read_only=True)
    carrier_name = serializers.CharField(source="actuals.carrier_name", read_only=True)
    year = serializers.IntegerField(read_only=True)
    forecast = serializers.IntegerField(
        source="actuals.forecast.pk", read_only=True, default=None, allow_null=True
    )
    forecast_label = serializers.CharField(
        source="actuals.forecast.label", read_only=True, default=None, allow_null=True
    )
    actual = serializers.IntegerField(
        source="actuals.actual.pk", read_only=True, default=None, allow_null=True
    )
    actual_label = serializers.CharField(
        source="actuals.actual.label", read_only=True, default=None, allow_null=True
    )
    lines = ActualLineSerializer(source="actuals.lines", many=True, read_only=True)
    forecast_total = serializers.DecimalField(source="actuals.forecast_total", **MONEY_OUT)
    actual_total = serializers.DecimalField(
        source="actuals.actual_total", allow_null=True, **MONEY_OUT
    )
    recipient_forecast = serializers.DecimalField(source="actuals.recipient_forecast", **MONEY_OUT)
    paid_total = serializers.DecimalField(source="actuals.paid_total", **MONEY_OUT)
    paid_difference = serializers.DecimalField(source="actuals.paid_difference", **MONEY_OUT)


class InboxItemSerializer(serializers.Serializer):
    """One thing waiting for the user: a statement to review, or a carrier's to-do."""

    text = serializers.CharField(read_only=True)
    forecast = serializers.IntegerField(read_only=True, allow_null=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)
    state = serializers.CharField(read_only=True, allow_null=True)
    carrier_name = serializers.CharField(read_only=True, allow_null=True)
    recipient_name = serializers.CharField(read_only=True, allow_null=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)


class CarrierPaymentSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    carrier_slug = related_value("carrier.slug")
    carrier_name = related_value("carrier.name")
    position_title = related_value("position.title")

    class Meta:
        model = CarrierPayment
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "carrier",
            "carrier_slug",
            "carrier_name",
            "year",
            "position",
            "position_title",
            "paid_on",
            "amount",
            "purpose",
            "version",
        ]


class YearClosingSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")

    class Meta:
        model = YearClosing
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "year",
            "closed_on",
            "note",
            "version",
        ]


# --- Writes --------------------------------------------------------------------------------------

UNKNOWN_POSITION = _("Zeile %(row)s: Diese Stelle gibt es in Ihrem Zuständigkeitsbereich nicht.")
CARRIER_REQUIRED = _("Bitte die Trägerin angeben.")
NOT_A_CARRIER = _("Kostenprognosen reichen nur Trägerinnen ein.")


class LineWriteSerializer(serializers.Serializer):
    """A line as a carrier sends it; the figures' rules (not negative, 0 to 12 months, the
    carrier's own position) are the service's."""

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
    months_filled = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, default=Decimal(12)
    )
    remark = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LinesMixin(serializers.Serializer):
    lines = LineWriteSerializer(many=True, required=False)

    def validate_lines(self, lines):
        """Positions the user cannot see answer like unknown ones (their titles stay hidden)."""
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
    def line_inputs(lines) -> list[LineInput]:
        # A partial update (PATCH) does not fill in the defaults: the LineInput's apply.
        return [
            LineInput(
                position_id=line["position"],
                employer_gross=line["employer_gross"],
                **{
                    name: line[name]
                    for name in ("material", "overhead", "months_filled", "remark")
                    if name in line
                },
            )
            for line in lines
        ]


class CostForecastCreateSerializer(LinesMixin):
    """A new draft. A carrier's user writes for its own carrier (``carrier`` may be left out;
    another carrier is outside its scope and refused); without ``lines`` the draft starts with
    one line per position the carrier holds."""

    recipient = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(),
        label=_("Zuwendungsempfänger"),
    )
    carrier = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, label=_("Trägerin")
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, label=_("Jahr"))
    kind = serializers.ChoiceField(
        choices=ForecastKind.choices, default=ForecastKind.FORECAST, label=_("Art")
    )
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        user = self.context["request"].user
        if user.role == Role.CARRIER:
            attrs["carrier"] = user.organisation
        carrier = attrs.get("carrier")
        if carrier is None:
            raise serializers.ValidationError({"carrier": [CARRIER_REQUIRED]})
        if carrier.kind != OrganisationKind.CARRIER:
            raise serializers.ValidationError({"carrier": [NOT_A_CARRIER]})
        # Whether the carrier holds positions there is the service's rule (forecast_create).
        return attrs


class CostForecastUpdateSerializer(LinesMixin):
    """A draft's or returned statement's title, note and lines; lines sent replace all."""

    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class CheckWriteSerializer(serializers.Serializer):
    check = serializers.ChoiceField(
        choices=[(CONTENT, _("sachlich")), (ARITHMETIC, _("rechnerisch"))],
        error_messages={
            "invalid_choice": _("Bitte „content“ (sachlich) oder „arithmetic“ (rechnerisch).")
        },
    )


class ReturnWriteSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, label=_("Begründung"))


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("Datei"), allow_empty_file=True)


class CompareQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(label=_("Ältere Fassung"))
    new = serializers.IntegerField(label=_("Neuere Fassung"))


class CarrierActualsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, label=_("Jahr"))
    carrier = serializers.SlugField(required=False, label=_("Trägerin (Kürzel)"))
    recipient = serializers.SlugField(required=False, label=_("Zuwendungsempfänger (Kürzel)"))


class CarrierPaymentWriteSerializer(ScopedModelSerializer):
    recipient = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(),
        label=_("Zuwendungsempfänger"),
    )

    class Meta:
        model = CarrierPayment
        fields = ["recipient", "carrier", "year", "position", "paid_on", "amount", "purpose"]
        validators = []

    def validate_recipient(self, recipient):
        return own_recipient(self, recipient, OTHER_RECIPIENT)

    def validate_position(self, position):
        return in_change_scope(self, position, OTHER_POSITION)


class YearClosingWriteSerializer(ScopedModelSerializer):
    recipient = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(),
        label=_("Zuwendungsempfänger"),
    )

    class Meta:
        model = YearClosing
        fields = ["recipient", "year", "closed_on", "note"]
        validators = []

    def validate_recipient(self, recipient):
        return own_recipient(self, recipient, OTHER_RECIPIENT)

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from carriers.models import Organisation
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    PayRise,
    Programme,
    ProgrammeCost,
    RevenueAccount,
    Scenario,
)
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    own_recipient,
    related_value,
)
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.roles import Role


class ProgrammeSerializer(KimModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "url", "display", "name", "slug", "legal_basis"]


class BuildingBlockSerializer(KimModelSerializer):
    programme_slug = related_value("programme.slug")

    class Meta:
        model = BuildingBlock
        fields = ["id", "url", "display", "programme", "programme_slug", "number", "name"]


class PayRiseSerializer(KimModelSerializer):
    class Meta:
        model = PayRise
        fields = ["id", "url", "display", "effective_from", "percent", "note"]


class FundingRateSerializer(KimModelSerializer):
    programme_slug = related_value("programme.slug")
    block_number = related_value("block.number")
    kind_label = choice_label("kind")
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")

    class Meta:
        model = FundingRate
        fields = [
            "id",
            "url",
            "display",
            "programme",
            "programme_slug",
            "block",
            "block_number",
            "kind",
            "kind_label",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "source",
        ]


class GrantNoticeBlockSerializer(ScopedModelSerializer):
    block_number = related_value("block.number")
    block_name = related_value("block.name")

    class Meta:
        model = GrantNoticeBlock
        fields = [
            "id",
            "block",
            "block_number",
            "block_name",
            "approved_fte",
            "max_personnel_funding",
        ]


class GrantNoticeSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    programme_slug = related_value("programme.slug")
    kind_label = choice_label("kind")
    blocks = GrantNoticeBlockSerializer(many=True, read_only=True)

    class Meta:
        model = GrantNotice
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "programme",
            "programme_slug",
            "kind",
            "kind_label",
            "amends",
            "reference",
            "issued_on",
            "effective_from",
            "period_start",
            "period_end",
            "proof_due_on",
            "blocks",
            "notes",
        ]


class ScenarioSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")

    class Meta:
        model = Scenario
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "name",
            "slug",
            "description",
            "created_at",
            "copied_at",
        ]
        read_only_fields = ["copied_at"]


class ProgrammeCostSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")
    block_number = related_value("block.number")
    category_label = choice_label("category")
    status_label = choice_label("status")

    class Meta:
        model = ProgrammeCost
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "block",
            "block_number",
            "year",
            "category",
            "category_label",
            "status",
            "status_label",
            "amount",
            "budget_product",
            "ledger_account",
            "description",
        ]


class RevenueAccountSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    category_label = choice_label("category")

    class Meta:
        model = RevenueAccount
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "category",
            "category_label",
            "budget_product",
            "ledger_account",
        ]


# The plan's years: FIRST_YEAR to LAST_YEAR.
YEAR_MESSAGE = _("Bitte ein Jahr zwischen 1990 und 2100 angeben.")
RECIPIENT_MESSAGE = _("Bitte das Kürzel eines Kreises oder einer kreisfreien Stadt angeben.")
SCENARIO_MESSAGE = _("Bitte das Kürzel eines Szenarios angeben (oder „none“ für den echten Plan).")


def _messages(message: str, *codes: str) -> dict[str, str]:
    return dict.fromkeys(codes, message)


class OverviewQuerySerializer(serializers.Serializer):
    """The query of ``GET /api/overview/``: which recipient, year and (optionally) scenario;
    no scenario, an empty one or ``none`` is the real plan, as in the list filters."""

    recipient = serializers.SlugField(
        label=_("Zuwendungsempfänger (Kürzel)"),
        error_messages=_messages(RECIPIENT_MESSAGE, "required", "blank", "invalid", "null"),
    )
    year = serializers.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages=_messages(
            YEAR_MESSAGE,
            "required",
            "invalid",
            "null",
            "min_value",
            "max_value",
            "max_string_length",
        ),
    )
    scenario = serializers.SlugField(
        label=_("Szenario (Kürzel)"),
        required=False,
        allow_blank=True,
        error_messages=_messages(SCENARIO_MESSAGE, "invalid", "null"),
    )


# --- writes -----------------------------------------------------------------------------------
#
# What a client sends to create or change a row of a recipient's plan. These check the shape
# and the scope only; the models' rules run in the viewset (full_clean) with their German
# messages, so ``validators`` is empty (no English duplicates of the unique constraints).

OTHER_RECIPIENT = _("Daten anderer Zuwendungsempfänger können Sie nicht bearbeiten.")
OTHER_SCENARIO = _("Das Szenario gehört zu einem anderen Zuwendungsempfänger.")
PROGRAMME_WIDE = _(
    "Landesweite Fördersätze kann nur die Administration ändern; bitte Ihren "
    "Zuwendungsempfänger oder ein Szenario angeben."
)


def recipient_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.recipients(),
        label=_("Zuwendungsempfänger"),
        **kwargs,
    )


def _value(serializer, attrs, name):
    """A field as it will be saved: sent, else the stored one (partial update)."""
    if name in attrs:
        return attrs[name]
    return getattr(serializer.instance, name, None)


class RecipientRowWriteSerializer(ScopedModelSerializer):
    """A row of one recipient's plan: a non-admin writes only its own; a scenario, where the
    row has one, belongs to the same recipient."""

    recipient = recipient_field()

    def validate_recipient(self, recipient):
        return own_recipient(self, recipient, OTHER_RECIPIENT)

    def validate(self, attrs):
        if "scenario" in self.fields:
            scenario = _value(self, attrs, "scenario")
            recipient = _value(self, attrs, "recipient")
            if (
                scenario is not None
                and recipient is not None
                and scenario.recipient_id != recipient.id
            ):
                raise serializers.ValidationError({"scenario": [OTHER_SCENARIO]})
        return attrs


class FundingRateWriteSerializer(ScopedModelSerializer):
    """A rate: programme-wide (no recipient, no scenario) only for admins; others write the
    rates of their own recipient or of their own scenarios."""

    recipient = recipient_field(required=False, allow_null=True)

    class Meta:
        model = FundingRate
        fields = [
            "programme",
            "block",
            "kind",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "scenario",
            "source",
        ]
        validators = []

    def validate_recipient(self, recipient):
        return own_recipient(self, recipient, OTHER_RECIPIENT)

    def validate(self, attrs):
        user = self.context["request"].user
        if user.role == Role.ADMIN:
            return attrs
        recipient = _value(self, attrs, "recipient")
        scenario = _value(self, attrs, "scenario")
        errors = {}
        if scenario is not None and scenario.recipient_id != user.organisation_id:
            errors["scenario"] = [OTHER_SCENARIO]
        if recipient is None and scenario is None:
            errors["recipient"] = [PROGRAMME_WIDE]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class GrantNoticeBlockWriteSerializer(serializers.Serializer):
    """One block of a notice as a client sends it."""

    block = ScopedPrimaryKeyRelatedField(queryset=BuildingBlock.objects.all(), label=_("Baustein"))
    approved_fte = serializers.DecimalField(
        max_digits=6, decimal_places=3, label=_("Bewilligte Stellen (VZ)")
    )
    max_personnel_funding = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        label=_("Höchstbetrag Personal je Jahr (€)"),
    )


class GrantNoticeWriteSerializer(RecipientRowWriteSerializer):
    """A grant notice version; ``blocks``, when sent, replace the stored ones (an amendment
    lists only the blocks it changes)."""

    blocks = GrantNoticeBlockWriteSerializer(many=True, required=False)

    class Meta:
        model = GrantNotice
        fields = [
            "recipient",
            "programme",
            "kind",
            "amends",
            "reference",
            "issued_on",
            "effective_from",
            "period_start",
            "period_end",
            "proof_due_on",
            "blocks",
            "notes",
        ]
        validators = []


class ProgrammeCostWriteSerializer(RecipientRowWriteSerializer):
    class Meta:
        model = ProgrammeCost
        fields = [
            "recipient",
            "scenario",
            "block",
            "year",
            "category",
            "status",
            "amount",
            "budget_product",
            "ledger_account",
            "description",
        ]
        validators = []


class RevenueAccountWriteSerializer(RecipientRowWriteSerializer):
    class Meta:
        model = RevenueAccount
        fields = ["recipient", "category", "budget_product", "ledger_account"]
        validators = []

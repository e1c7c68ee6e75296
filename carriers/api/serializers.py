from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from funding.api.serializers import RecipientRowWriteSerializer
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    in_change_scope,
    related_value,
)
from staffing.models import Position


class OrganisationSerializer(KimModelSerializer):
    kind_label = choice_label("kind")
    parent_slug = related_value("parent.slug")
    # The recipients a carrier works for (prefetched through the view's ``nested``).
    partner_recipients = ScopedPrimaryKeyRelatedField(
        many=True, read_only=True, label=_("Tätig für (Zuwendungsempfänger)")
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "url",
            "display",
            "slug",
            "name",
            "kind",
            "kind_label",
            "parent",
            "parent_slug",
            "levy_share",
            "four_eyes",
            "partner_recipients",
            "bank_name",
            "iban",
            "bic",
            "payment_term_days",
            "notes",
        ]


class ForwardingAgreementSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")
    carrier_slug = related_value("carrier.slug")
    carrier_name = related_value("carrier.name")
    payer_slug = related_value("payer.slug")
    coverage_policy_label = choice_label("coverage_policy")
    positions = ScopedPrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ForwardingAgreement
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "carrier",
            "carrier_slug",
            "carrier_name",
            "payer",
            "payer_slug",
            "reference",
            "signed_on",
            "valid_from",
            "valid_to",
            "positions",
            "coverage_policy",
            "coverage_policy_label",
            "coverage_percent",
            "coverage_flat_per_fte",
            "notes",
        ]


class CostSplitMemberSerializer(ScopedModelSerializer):
    organisation_slug = related_value("organisation.slug")
    organisation_name = related_value("organisation.name")

    class Meta:
        model = CostSplitMember
        fields = ["id", "organisation", "organisation_slug", "organisation_name", "percent"]


class CostSplitSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    scenario_slug = related_value("scenario.slug")
    employer_town_slug = related_value("employer_town.slug")
    method_label = choice_label("method")
    positions = ScopedPrimaryKeyRelatedField(many=True, read_only=True)
    members = CostSplitMemberSerializer(many=True, read_only=True)

    class Meta:
        model = CostSplit
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "scenario",
            "scenario_slug",
            "name",
            "employer_town",
            "employer_town_slug",
            "method",
            "method_label",
            "valid_from",
            "valid_to",
            "positions",
            "members",
            "notes",
        ]


# --- writes -----------------------------------------------------------------------------------


class OrganisationWriteSerializer(ScopedModelSerializer):
    """A new or changed organisation (administrators only; the rules are
    carriers.services.organisation_save's)."""

    partner_recipients = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        many=True,
        required=False,
        label=_("Tätig für (Zuwendungsempfänger)"),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "slug",
            "kind",
            "parent",
            "levy_share",
            "four_eyes",
            "partner_recipients",
            "bank_name",
            "iban",
            "bic",
            "payment_term_days",
            "notes",
        ]


#
# The rules spanning a record and its positions/towns are carriers.services'; these check the
# shape and the scope only.

OTHER_POSITION = _("Stellen außerhalb Ihres Zuständigkeitsbereichs können Sie nicht bearbeiten.")


class PositionsWriteMixin(serializers.Serializer):
    """``positions``, when sent, replace the stored ones; each one the user may change."""

    positions = ScopedPrimaryKeyRelatedField(
        queryset=Position.objects.all(), many=True, required=False, label=_("Stellen")
    )

    def validate_positions(self, positions):
        for position in positions:
            in_change_scope(self, position, OTHER_POSITION)
        return positions


class ForwardingAgreementWriteSerializer(PositionsWriteMixin, RecipientRowWriteSerializer):
    class Meta:
        model = ForwardingAgreement
        fields = [
            "recipient",
            "scenario",
            "carrier",
            "payer",
            "reference",
            "signed_on",
            "valid_from",
            "valid_to",
            "positions",
            "coverage_policy",
            "coverage_percent",
            "coverage_flat_per_fte",
            "notes",
        ]
        validators = []


class SplitMemberWriteSerializer(serializers.Serializer):
    organisation = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.towns(), label=_("Kommune")
    )
    percent = serializers.DecimalField(
        max_digits=7, decimal_places=4, required=False, allow_null=True, label=_("Anteil (%)")
    )


class CostSplitWriteSerializer(PositionsWriteMixin, RecipientRowWriteSerializer):
    """``members`` (the towns taking part), when sent, replace the stored ones."""

    members = SplitMemberWriteSerializer(many=True, required=False)

    class Meta:
        model = CostSplit
        fields = [
            "recipient",
            "scenario",
            "name",
            "employer_town",
            "method",
            "valid_from",
            "valid_to",
            "positions",
            "members",
            "notes",
        ]
        validators = []

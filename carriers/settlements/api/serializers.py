"""Serializers of the settlement between towns: statements (read only; issued by the action)
and the towns' advance payments."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from carriers.models import AdvancePayment, CostSplit, Organisation, SettlementStatement
from kim_admin.api import (
    KimModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    choice_label,
    in_change_scope,
    related_value,
)

OTHER_SPLIT = _("Diese Kostenaufteilung dürfen Sie nicht bearbeiten.")


class SettlementStatementSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    split_name = related_value("split.name")
    town_slug = related_value("town.slug")
    town_name = related_value("town.name")
    state_label = choice_label("state")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = SettlementStatement
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "split",
            "split_name",
            "town",
            "town_slug",
            "town_name",
            "employer_town",
            "year",
            "number",
            "state",
            "state_label",
            "replaces",
            "is_employer_town",
            "split_method",
            "member_count",
            "position_count",
            "region_employer_gross",
            "region_material",
            "region_one_off",
            "region_overhead",
            "region_total_cost",
            "region_funding",
            "region_own_share",
            "employer_gross",
            "material",
            "one_off",
            "overhead",
            "total_cost",
            "funding_share",
            "own_share",
            "advances",
            "balance",
            "issued_by",
            "issued_at",
            "pdf_sha256",
            "pdf_size",
            "pdf_url",
            "version",
        ]

    def get_pdf_url(self, obj) -> str:
        request = self.context.get("request")
        path = reverse("api:settlementstatement-pdf", args=[obj.pk])
        return request.build_absolute_uri(path) if request else path


class IssueSerializer(serializers.Serializer):
    split = ScopedPrimaryKeyRelatedField(
        queryset=CostSplit.objects.filter(scenario__isnull=True), label=_("Kostenaufteilung")
    )
    town = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.towns(), label=_("Kommune"))
    year = serializers.IntegerField(min_value=1990, max_value=2100, label=_("Jahr"))
    replaces = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, label=_("Ersetzt Fassung")
    )

    def validate_split(self, split):
        user = self.context["request"].user
        if not CostSplit.objects.restrict(user).filter(pk=split.pk).exists():
            raise serializers.ValidationError(_("Diese Kostenaufteilung gibt es nicht."))
        return split


class AdvancePaymentSerializer(KimModelSerializer):
    recipient_slug = related_value("recipient.slug")
    split_name = related_value("split.name")
    town_slug = related_value("town.slug")

    class Meta:
        model = AdvancePayment
        fields = [
            "id",
            "url",
            "display",
            "recipient",
            "recipient_slug",
            "split",
            "split_name",
            "town",
            "town_slug",
            "year",
            "paid_on",
            "amount",
            "note",
            "version",
        ]


class AdvancePaymentWriteSerializer(ScopedModelSerializer):
    class Meta:
        model = AdvancePayment
        fields = ["split", "town", "year", "paid_on", "amount", "note"]
        validators = []

    def validate_split(self, split):
        return in_change_scope(self, split, OTHER_SPLIT)

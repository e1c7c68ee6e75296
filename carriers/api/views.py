from carriers import filtersets
from carriers.api import serializers
from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from carriers.services import SplitShare, agreement_save, organisation_save, split_save
from kim_admin.api import RestrictedModelViewSet
from staffing.models import Position


class OrganisationViewSet(RestrictedModelViewSet):
    """Organisations: everybody reads those of their circle; administrators create and change
    them (a new recipient, its towns, the carriers it forwards to) through
    organisation_save. Nobody deletes one here (the Django admin refuses a referenced one)."""

    queryset = Organisation.objects.select_related("parent")
    nested = {"partner_recipients": Organisation.objects.only("pk").order_by("pk")}
    serializer_class = serializers.OrganisationSerializer
    write_serializer_class = serializers.OrganisationWriteSerializer
    filterset_class = filtersets.OrganisationFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def save_object(self, obj, expected_version, related):
        organisation_save(
            organisation=obj,
            actor=self.request.user,
            partner_recipients=related.get("partner_recipients"),
            expected_version=expected_version,
        )


class ForwardingAgreementViewSet(RestrictedModelViewSet):
    """Agreements with the positions they cover; writes go through agreement_save."""

    queryset = ForwardingAgreement.objects.select_related(
        "recipient", "scenario", "carrier", "payer"
    )
    nested = {"positions": Position.objects.only("pk").order_by("pk")}
    serializer_class = serializers.ForwardingAgreementSerializer
    write_serializer_class = serializers.ForwardingAgreementWriteSerializer
    filterset_class = filtersets.ForwardingAgreementFilterSet

    def save_object(self, obj, expected_version, related):
        agreement_save(
            agreement=obj,
            actor=self.request.user,
            positions=related.get("positions"),
            expected_version=expected_version,
        )


class CostSplitViewSet(RestrictedModelViewSet):
    """Splits with their towns and positions; writes go through split_save."""

    queryset = CostSplit.objects.select_related("recipient", "scenario", "employer_town")
    nested = {
        "positions": Position.objects.only("pk").order_by("pk"),
        "members": CostSplitMember.objects.select_related("organisation"),
    }
    serializer_class = serializers.CostSplitSerializer
    write_serializer_class = serializers.CostSplitWriteSerializer
    filterset_class = filtersets.CostSplitFilterSet
    delete_rows = ("members",)

    def save_object(self, obj, expected_version, related):
        members = related.get("members")
        split_save(
            split=obj,
            actor=self.request.user,
            members=None
            if members is None
            else [SplitShare(m["organisation"].id, m.get("percent")) for m in members],
            positions=related.get("positions"),
            expected_version=expected_version,
        )

from carriers import filtersets
from carriers.api import serializers
from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from kim_admin.api import RestrictedReadOnlyViewSet
from staffing.models import Position


class OrganisationViewSet(RestrictedReadOnlyViewSet):
    queryset = Organisation.objects.select_related("parent")
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filtersets.OrganisationFilterSet


class ForwardingAgreementViewSet(RestrictedReadOnlyViewSet):
    queryset = ForwardingAgreement.objects.select_related(
        "recipient", "scenario", "carrier", "payer"
    )
    nested = {"positions": Position.objects.only("pk").order_by("pk")}
    serializer_class = serializers.ForwardingAgreementSerializer
    filterset_class = filtersets.ForwardingAgreementFilterSet


class CostSplitViewSet(RestrictedReadOnlyViewSet):
    queryset = CostSplit.objects.select_related("recipient", "scenario", "employer_town")
    nested = {
        "positions": Position.objects.only("pk").order_by("pk"),
        "members": CostSplitMember.objects.select_related("organisation"),
    }
    serializer_class = serializers.CostSplitSerializer
    filterset_class = filtersets.CostSplitFilterSet

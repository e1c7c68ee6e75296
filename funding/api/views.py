from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from carriers.models import Organisation
from funding import filtersets
from funding.api import serializers
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
from funding.notices.services import BlockApproval, notice_save
from funding.overview import cost_overview, overview_payload
from kim_admin.api import HasRole, RestrictedModelViewSet, RestrictedReadOnlyViewSet
from kim_admin.filters import REAL_PLAN
from kim_admin.roles import Role
from kim_admin.scoping import VIEW


class ProgrammeViewSet(RestrictedReadOnlyViewSet):
    queryset = Programme.objects.all()
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filtersets.ProgrammeFilterSet


class BuildingBlockViewSet(RestrictedReadOnlyViewSet):
    queryset = BuildingBlock.objects.select_related("programme")
    serializer_class = serializers.BuildingBlockSerializer
    filterset_class = filtersets.BuildingBlockFilterSet


class PayRiseViewSet(RestrictedReadOnlyViewSet):
    """The programme's pay rises (read only; administrators edit them in the admin)."""

    queryset = PayRise.objects.all()
    serializer_class = serializers.PayRiseSerializer
    filterset_class = filtersets.PayRiseFilterSet


class FundingRateViewSet(RestrictedModelViewSet):
    """Rates; a recipient writes its own, programme-wide rates only admins."""

    queryset = FundingRate.objects.select_related("programme", "block", "recipient", "scenario")
    serializer_class = serializers.FundingRateSerializer
    write_serializer_class = serializers.FundingRateWriteSerializer
    filterset_class = filtersets.FundingRateFilterSet


class GrantNoticeViewSet(RestrictedModelViewSet):
    """Grant notices in their versions (original, amendments, follow-up notices) with their
    blocks; ``blocks``, when sent, replace the stored list. Writes go through notice_save."""

    queryset = GrantNotice.objects.select_related("recipient", "programme")
    nested = {"blocks": GrantNoticeBlock.objects.select_related("block")}
    serializer_class = serializers.GrantNoticeSerializer
    write_serializer_class = serializers.GrantNoticeWriteSerializer
    filterset_class = filtersets.GrantNoticeFilterSet
    delete_rows = ("blocks",)

    def save_object(self, obj, expected_version, related):
        blocks = related.get("blocks")
        notice_save(
            notice=obj,
            actor=self.request.user,
            blocks=None if blocks is None else [BlockApproval(**row) for row in blocks],
            expected_version=expected_version,
        )


class ProgrammeCostViewSet(RestrictedModelViewSet):
    queryset = ProgrammeCost.objects.select_related("recipient", "scenario", "block")
    serializer_class = serializers.ProgrammeCostSerializer
    write_serializer_class = serializers.ProgrammeCostWriteSerializer
    filterset_class = filtersets.ProgrammeCostFilterSet


class RevenueAccountViewSet(RestrictedModelViewSet):
    queryset = RevenueAccount.objects.select_related("recipient")
    serializer_class = serializers.RevenueAccountSerializer
    write_serializer_class = serializers.RevenueAccountWriteSerializer
    filterset_class = filtersets.RevenueAccountFilterSet


# Roles that read a recipient's whole plan, each its own organisation's; carriers and towns
# get views of their own later.
OVERVIEW_ROLES = {Role.FINANCE, Role.COORDINATOR, Role.COUNCIL}
NOT_A_RECIPIENT = _("„%(name)s“ ist kein Zuwendungsempfänger (nur Kreise und kreisfreie Städte).")


def overview_recipient(user, slug: str) -> Organisation:
    """The organisation whose overview the user asks for, if it is in the user's scope.

    Organisations are reference data that every role may list, so ``restrict`` alone would let
    anyone read any recipient's figures: admins may read every recipient, finance, coordinators
    and the council only their own organisation. Unknown and out of scope answer the same 404,
    so the answer does not tell whether the slug exists.
    """
    recipient = Organisation.objects.restrict(user, VIEW).filter(slug=slug).first()
    role = user.role
    in_scope = recipient is not None and (
        role == Role.ADMIN or (role in OVERVIEW_ROLES and user.organisation_id == recipient.id)
    )
    if not in_scope:
        raise NotFound(_("Unbekannter Zuwendungsempfänger „%(slug)s“.") % {"slug": slug})
    return recipient


class CostOverviewView(APIView):
    """``GET /api/overview/?recipient=<slug>&year=<YYYY>[&scenario=<slug>]``: the cost overview
    of a recipient's year, in the one shape the command and the reports share
    (``funding.overview.overview_payload``)."""

    description = _(
        "Kostenübersicht eines Zuwendungsempfängers für ein Jahr: Kosten, Landesförderung, "
        "Eigenanteil, Kostenträger und Hinweise des Fördergebers. Parameter: recipient "
        "(Kürzel), year (Jahr), optional scenario (Kürzel eines Szenarios)."
    )

    permission_classes = [HasRole]
    name = _("Kostenübersicht")

    @extend_schema(
        parameters=[serializers.OverviewQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
        summary=_("Kostenübersicht eines Jahres"),
    )
    def get(self, request):
        query = serializers.OverviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        recipient = overview_recipient(request.user, query.validated_data["recipient"])
        if not recipient.is_recipient_kind:
            raise ValidationError({"recipient": [NOT_A_RECIPIENT % {"name": recipient.name}]})
        scenario = None
        scenario_slug = query.validated_data.get("scenario") or REAL_PLAN
        if scenario_slug != REAL_PLAN:
            scenario = (
                Scenario.objects.restrict(request.user, VIEW)
                .filter(recipient=recipient, slug=scenario_slug)
                .first()
            )
            if scenario is None:
                raise NotFound(
                    _("Unbekanntes Szenario „%(slug)s“ bei %(recipient)s.")
                    % {"slug": scenario_slug, "recipient": recipient.name}
                )
        year = query.validated_data["year"]
        return Response(overview_payload(cost_overview(recipient, year, scenario=scenario)))

"""The scenario endpoints: list and detail, copy (POST), rename (PATCH), delete, the quick
changes as actions and the comparison (``GET /api/scenarios/compare/``). Every write calls
its service in one transaction; German messages come back as 400."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from carriers.models import Organisation
from funding import filtersets
from funding.api.serializers import ScenarioSerializer
from funding.api.views import overview_recipient
from funding.choices import OrganisationKind
from funding.models import BuildingBlock, Scenario
from funding.scenarios import services
from funding.scenarios.api import serializers as io
from funding.scenarios.rebase import scenario_rebase
from funding.scenarios.selectors import compare
from kim_admin.api import PreconditionFailed, RestrictedModelViewSet
from kim_admin.scoping import VIEW
from kim_admin.versioning import VersionConflict, bump_version
from staffing.models import Position


def _drf_error(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


class ScenarioViewSet(RestrictedModelViewSet):
    """Scenarios of a recipient: copies of the plan changed freely without touching it."""

    queryset = Scenario.objects.select_related("recipient")
    serializer_class = ScenarioSerializer
    filterset_class = filtersets.ScenarioFilterSet

    def get_serializer_class(self):
        if self.action == "create":
            return io.ScenarioCopySerializer
        if self.action in ("update", "partial_update"):
            return io.ScenarioUpdateSerializer
        return self.serializer_class

    def _run(self, service, **kwargs):
        try:
            with transaction.atomic():
                return service(actor=self.request.user, **kwargs)
        except DjangoValidationError as error:
            raise _drf_error(error) from error

    def create(self, request, *args, **kwargs):
        data = self._valid(io.ScenarioCopySerializer)
        user = request.user
        slug = data.get("recipient") or ""
        if not slug:
            if user.organisation is None:
                raise ValidationError({"recipient": [_("Bitte den Zuwendungsempfänger angeben.")]})
            slug = user.organisation.slug
        recipient = overview_recipient(user, slug)
        if not recipient.is_recipient_kind:
            raise ValidationError({"recipient": [_("Kein Zuwendungsempfänger.")]})
        source = None
        if data["source"]:
            source = Scenario.objects.filter(recipient=recipient, slug=data["source"]).first()
            if source is None:
                raise ValidationError({"source": [_("Unbekanntes Szenario.")]})
        scenario = self._run(
            services.scenario_copy,
            recipient=recipient,
            name=data["name"],
            slug=data["slug"],
            description=data["description"],
            source=source,
        )
        return self.written(scenario, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        try:
            # The row is read under a lock in the rename's own transaction (kim_admin.api);
            # outside the user's scope: 404 before anything of the body is looked at.
            with self.locked():
                scenario = self.get_object()
                serializer = io.ScenarioUpdateSerializer(data=request.data, partial=partial)
                serializer.is_valid(raise_exception=True)
                bump_version(scenario, self.expected_version())
                for name, value in serializer.validated_data.items():
                    setattr(scenario, name, value)
                scenario.full_clean()
                scenario._history_user = request.user
                scenario.save()
        except DjangoValidationError as error:
            raise _drf_error(error) from error
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict
        return self.written(scenario)

    def delete_object(self, obj, expected_version):
        services.scenario_delete(
            scenario=obj, actor=self.request.user, expected_version=expected_version
        )

    def _valid(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _carrier(self, slug):
        if not slug:
            return None
        carrier = Organisation.objects.filter(slug=slug, kind=OrganisationKind.CARRIER).first()
        if carrier is None:
            raise ValidationError(
                {"carrier": [_("Unbekannte Trägerin „%(slug)s“.") % {"slug": slug}]}
            )
        return carrier

    @extend_schema(request=io.MoveSerializer)
    @action(detail=True, methods=["post"], url_path="move-to-recipient")
    def move_to_recipient(self, request, pk=None):
        scenario = self.get_object()
        data = self._valid(io.MoveSerializer)
        moved = self._run(
            services.move_carrier_positions_to_recipient,
            scenario=scenario,
            carrier=self._carrier(data["carrier"]),
        )
        return self.written_change(scenario, {"moved": [p.pk for p in moved]})

    @extend_schema(request=io.CutBlockSerializer)
    @action(detail=True, methods=["post"], url_path="cut-block")
    def cut_block(self, request, pk=None):
        scenario = self.get_object()
        data = self._valid(io.CutBlockSerializer)
        cut = self._run(services.cut_block, scenario=scenario, **data)
        return self.written_change(scenario, {"cut": [p.pk for p in cut]})

    @extend_schema(request=io.LowerExtraCostSerializer)
    @action(detail=True, methods=["post"], url_path="lower-extra-cost")
    def lower_extra_cost(self, request, pk=None):
        scenario = self.get_object()
        data = self._valid(io.LowerExtraCostSerializer)
        carrier = self._carrier(data["carrier"])
        carriers = (
            [carrier]
            if carrier
            else list(Organisation.objects.filter(carrier_agreements__scenario=scenario).distinct())
        )
        if not carriers:
            raise ValidationError(
                {
                    "non_field_errors": [
                        _("In diesem Szenario gibt es keinen Weiterleitungsvertrag.")
                    ]
                }
            )
        for one in carriers:
            self._run(
                services.lower_carrier_extra_cost,
                scenario=scenario,
                carrier=one,
                percent=data.get("percent"),
                amount=data.get("amount"),
            )
        return self.written_change(scenario, {"carriers": [c.slug for c in carriers]})

    @extend_schema(request=io.TownEmploysSerializer)
    @action(detail=True, methods=["post"], url_path="town-employs-own")
    def town_employs_own(self, request, pk=None):
        scenario = self.get_object()
        data = self._valid(io.TownEmploysSerializer)
        position = Position.objects.filter(scenario=scenario, pk=data["position"]).first()
        town = Organisation.objects.filter(slug=data["town"]).first()
        if position is None:
            raise ValidationError({"position": [_("Die Stelle gehört nicht zu diesem Szenario.")]})
        if town is None:
            raise ValidationError({"town": [_("Unbekannte Kommune.")]})
        self._run(services.town_employs_own, scenario=scenario, position=position, town=town)
        return self.written_change(scenario, {"position": position.pk})

    @extend_schema(request=io.ChangeRateSerializer)
    @action(detail=True, methods=["post"], url_path="change-rate")
    def change_rate(self, request, pk=None):
        scenario = self.get_object()
        data = self._valid(io.ChangeRateSerializer)
        block = BuildingBlock.objects.filter(number=data.pop("block")).first()
        if block is None:
            raise ValidationError({"block": [_("Diesen Baustein gibt es nicht.")]})
        rate = self._run(services.change_rate, scenario=scenario, block=block, **data)
        return self.written_change(scenario, {"rate": rate.pk})

    @extend_schema(
        request=None,
        responses=io.RebaseResultSerializer,
        description=(
            "Aus aktuellem Plan neu aufsetzen: frische Kopie des echten Plans unter demselben "
            "Szenario, die Schritte in ihrer Reihenfolge wiederholt. If-Match optional."
        ),
    )
    @action(detail=True, methods=["post"], url_path="rebase")
    def rebase(self, request, pk=None):
        scenario = self.get_object()
        try:
            result = scenario_rebase(
                scenario=scenario, actor=request.user, expected_version=self.expected_version()
            )
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict
        response = Response(io.rebase_payload(result))
        response["ETag"] = result.scenario.etag
        return response

    def written_change(self, scenario, extra):
        scenario.refresh_from_db()
        response = self.written(scenario)
        response.data = {**response.data, **extra}
        return response

    @extend_schema(parameters=[io.CompareQuerySerializer], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="compare")
    def compare(self, request):
        """``?recipient=<slug>&scenarios=a,b&years=2025-2028[&bearer=<slug>]``."""
        query = io.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        recipient = overview_recipient(request.user, data["recipient"])
        slugs = data["scenarios"]
        found = {
            s.slug: s
            for s in Scenario.objects.restrict(request.user, VIEW).filter(
                recipient=recipient, slug__in=slugs
            )
        }
        missing = [s for s in slugs if s not in found]
        if missing:
            raise NotFound(
                _("Unbekanntes Szenario „%(slug)s“ bei %(recipient)s.")
                % {"slug": missing[0], "recipient": recipient.name}
            )
        bearer = None
        if data["bearer"]:
            bearer = Organisation.objects.filter(slug=data["bearer"]).first()
            if bearer is None:
                raise ValidationError({"bearer": [_("Unbekannter Kostenträger.")]})
        try:
            result = compare(recipient, [found[s] for s in slugs], data["years"], bearer)
        except DjangoValidationError as error:
            raise _drf_error(error) from error
        return Response(io.comparison_payload(result))

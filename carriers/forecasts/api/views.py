"""The API of carriers' cost statements (issue 4): forecasts and actual statements with their
workflow, attachments, the recipient's payments to carriers, year closings, forecast against
actual, and what waits for whom.

Views only translate: every rule is in ``carriers.forecasts.services`` (writes) and
``carriers.forecasts.selectors`` (reads). An object outside the user's scope answers 404; a
user who sees it but may not do the step 403 with the service's German message; a rule 400
with the message by field; a stale ``If-Match`` or version 412. Each write is one transaction.
"""

import io
from datetime import date

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from carriers import filtersets
from carriers.forecasts import selectors, services
from carriers.forecasts.api import serializers
from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    Organisation,
)
from carriers.models.forecasts import ATTACHMENT_MAX_BYTES
from funding import filtersets as funding_filtersets
from funding.models import YearClosing
from kim_admin.api import (
    HasRole,
    PreconditionFailed,
    RestrictedModelViewSet,
    RestrictedReadOnlyViewSet,
    django_errors_to_drf,
)
from kim_admin.filters import IntegerFilter
from kim_admin.formatting import de_date
from kim_admin.roles import Role
from kim_admin.scoping import VIEW
from kim_admin.versioning import VersionConflict, parse_etag
from staffing.models import Position

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Filters -------------------------------------------------------------------------------------
# Forecasts, payments and year closings filter with the FilterSets of their pages.


class ForecastAttachmentFilterSet(django_filters.FilterSet):
    forecast = IntegerFilter(field_name="forecast_id", label=gettext_lazy("Prognose (ID)"))

    class Meta:
        model = ForecastAttachment
        fields = ["forecast"]


# --- Calling a service ---------------------------------------------------------------------------


def run_service(service, **kwargs):
    """Call a workflow service in its own transaction and answer its refusals in HTTP: a rule
    400 (German messages by field), a role 403 (the service's message), a stale version 412.
    Nothing of a refused step is saved."""
    try:
        with transaction.atomic():
            return service(**kwargs)
    except ValidationError as error:
        raise django_errors_to_drf(error) from error
    except VersionConflict as conflict:
        raise PreconditionFailed() from conflict
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied) or None) from denied


def expected_version(request):
    """The version the client read (``If-Match``); None if it sent none."""
    return parse_etag(request.headers.get("If-Match"))


def not_found():
    return exceptions.NotFound(_("Nicht gefunden."))


def update_keeping_lines(*, forecast, lines=None, **kwargs):
    """A PATCH without lines changes title or note: the stored lines, read under the row's
    lock (not before it), go back to ``forecast_update`` unchanged."""
    list(CostForecast.objects.select_for_update().filter(pk=forecast.pk).values_list("pk"))
    kept = [
        services.LineInput(
            position_id=line.position_id,
            employer_gross=line.employer_gross,
            material=line.material,
            overhead=line.overhead,
            months_filled=line.months_filled,
            remark=line.remark,
        )
        for line in ForecastLine.objects.filter(forecast_id=forecast.pk).order_by("pk")
    ]
    return services.forecast_update(forecast=forecast, lines=kept, **kwargs)


# --- Forecasts -----------------------------------------------------------------------------------

FORECAST_JOINS = (
    "recipient",
    "carrier",
    "created_by",
    "submitted_by",
    "content_checked_by",
    "arithmetic_checked_by",
    "decided_by",
)


class CostForecastViewSet(RestrictedReadOnlyViewSet):
    """Carriers' cost statements: list, detail (``?effect=1`` adds the figures), create and
    change a draft, and the workflow's steps as POST actions (``If-Match`` honoured)."""

    description = gettext_lazy(
        "Kostenprognosen und Ist-Abrechnungen der Trägerinnen mit ihren Zeilen je Stelle. "
        "Schritte: submit, check (content/arithmetic), return (comment), approve, revise; "
        "Lesen: effect, findings, compare (?old=&new=), attachments."
    )
    # Scope decides: towns and the council see no statement (empty lists, 404); the services
    # decide who may do which step (403).
    permission_classes = [HasRole]
    # The model's order, with the id last: a carrier's versions at two recipients tie.
    queryset = CostForecast.objects.select_related(*FORECAST_JOINS).order_by(
        "-year", "carrier__name", "kind", "-number", "pk"
    )
    nested = {
        "lines": ForecastLine.objects.select_related("position__block"),
        "attachments": ForecastAttachment.objects.defer("content").select_related("uploaded_by"),
    }
    serializer_class = serializers.CostForecastSerializer
    filterset_class = filtersets.CostForecastFilterSet

    def get_queryset(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_queryset()
        # A step works on the stored row; the service locks and re-reads it.
        return CostForecast.objects.restrict(self.request.user, VIEW).select_related(
            "recipient", "carrier"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.CostForecastCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers.CostForecastUpdateSerializer
        return self.serializer_class

    def shown(self, forecast, status_code=status.HTTP_200_OK, effect=False, loaded=False):
        """The answer to a step: the statement as a read shows it, with its ETag. ``loaded``:
        ``forecast`` was read through the list's queryset already (a detail GET)."""
        fresh = forecast
        if not loaded:
            fresh = RestrictedReadOnlyViewSet.get_queryset(self).filter(pk=forecast.pk).first()
        if fresh is None:
            raise not_found()
        context = self.get_serializer_context()
        data = serializers.CostForecastSerializer(fresh, context=context).data
        if effect:
            data["effect"] = serializers.ForecastEffectSerializer(
                selectors.forecast_effect(fresh, list(fresh.lines.all())), context=context
            ).data
        response = Response(data, status=status_code)
        response["ETag"] = fresh.etag
        return response

    def retrieve(self, request, *args, **kwargs):
        forecast = self.get_object()
        with_effect = request.query_params.get("effect") in ("1", "true", "ja")
        return self.shown(forecast, effect=with_effect, loaded=True)

    # --- create and change ---------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        services.require_draft_writer(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = data.get("lines")
        forecast = run_service(
            services.forecast_create,
            recipient=data["recipient"],
            carrier=data["carrier"],
            year=data["year"],
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            note=data["note"],
            lines=None if lines is None else serializer.line_inputs(lines),
        )
        return self.shown(forecast, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        forecast = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "lines" in data:
            service, lines = services.forecast_update, serializer.line_inputs(data["lines"])
        elif partial:
            service, lines = update_keeping_lines, None
        else:
            raise exceptions.ValidationError(
                {"lines": [_("Bitte alle Zeilen senden (oder PATCH für Teiländerungen).")]}
            )
        run_service(
            service,
            forecast=forecast,
            actor=request.user,
            lines=lines,
            title=data.get("title"),
            note=data.get("note"),
            expected_version=expected_version(request),
        )
        return self.shown(forecast)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    # --- the workflow's steps --------------------------------------------------------------

    def step(self, service, forecast=None, **kwargs):
        """A workflow step on the forecast; a step with a body loads the forecast before
        reading it, so that one outside the user's scope answers 404, not a complaint about
        the body."""
        result = run_service(
            service,
            forecast=forecast or self.get_object(),
            actor=self.request.user,
            expected_version=expected_version(self.request),
            **kwargs,
        )
        return result

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.shown(self.step(services.forecast_submit))

    @extend_schema(request=serializers.CheckWriteSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        forecast = self.get_object()
        body = serializers.CheckWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.shown(
            self.step(services.forecast_check, forecast, check=body.validated_data["check"])
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.shown(self.step(services.forecast_approve))

    @extend_schema(request=serializers.ReturnWriteSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        forecast = self.get_object()
        body = serializers.ReturnWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.shown(
            self.step(services.forecast_return, forecast, comment=body.validated_data["comment"])
        )

    @extend_schema(
        request=None,
        responses={
            200: serializers.CostForecastSerializer,
            201: serializers.CostForecastSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """A returned statement becomes editable again (200); an approved one is copied into
        the next version (201)."""
        forecast = self.get_object()
        edited = self.step(services.forecast_revise)
        created = edited.pk != forecast.pk
        return self.shown(edited, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # --- reads ---------------------------------------------------------------------------

    @extend_schema(responses=serializers.ForecastEffectSerializer)
    @action(detail=True, methods=["get"])
    def effect(self, request, pk=None):
        forecast = self.get_object()
        effect = selectors.forecast_effect(forecast, list(forecast.lines.all()))
        return Response(
            serializers.ForecastEffectSerializer(effect, context={"request": request}).data
        )

    @extend_schema(responses=serializers.FindingSerializer(many=True))
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        forecast = self.get_object()
        findings = selectors.forecast_findings(forecast, list(forecast.lines.all()))
        return Response(serializers.FindingSerializer(findings, many=True).data)

    @extend_schema(
        parameters=[serializers.CompareQuerySerializer],
        responses=serializers.ComparisonSerializer,
    )
    @action(detail=False, methods=["get"])
    def compare(self, request):
        query = serializers.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = self.get_queryset()
        old = scope.filter(pk=query.validated_data["old"]).first()
        new = scope.filter(pk=query.validated_data["new"]).first()
        if old is None or new is None:
            raise not_found()
        if (old.recipient_id, old.carrier_id) != (new.recipient_id, new.carrier_id):
            raise exceptions.ValidationError(
                {
                    "new": [
                        _(
                            "Verglichen werden Fassungen derselben Trägerin und desselben Empfängers."
                        )
                    ]
                }
            )
        comparison = selectors.forecast_compare(old, new)
        return Response(serializers.ComparisonSerializer(comparison).data)

    @extend_schema(methods=["GET"], responses=serializers.ForecastAttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": serializers.AttachmentUploadSerializer},
        responses={201: serializers.ForecastAttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        """GET: the statement's attachments; POST (multipart, ``file``): add one."""
        forecast = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = ForecastAttachment.objects.restrict(request.user, VIEW).filter(forecast=forecast)
            rows = rows.defer("content").select_related("uploaded_by")
            return Response(
                serializers.ForecastAttachmentSerializer(rows, many=True, context=context).data
            )
        body = serializers.AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        # One byte more than allowed is enough for the service to refuse it.
        content = upload.read(ATTACHMENT_MAX_BYTES + 1)
        attachment = run_service(
            services.attachment_add,
            forecast=forecast,
            actor=request.user,
            name=upload.name,
            content=content,
            expected_version=expected_version(request),
        )
        shown = ForecastAttachment.objects.defer("content").select_related("uploaded_by")
        data = serializers.ForecastAttachmentSerializer(
            shown.get(pk=attachment.pk), context=context
        ).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["ETag"] = CostForecast.objects.get(pk=forecast.pk).etag
        return response


class ForecastAttachmentViewSet(mixins.DestroyModelMixin, RestrictedReadOnlyViewSet):
    """Attachments: metadata, ``download/`` (the bytes), delete (the carrier, while editable)."""

    description = gettext_lazy("Anhänge der Kostenprognosen (PDF oder Excel).")
    permission_classes = [HasRole]
    queryset = ForecastAttachment.objects.defer("content").select_related("uploaded_by")
    serializer_class = serializers.ForecastAttachmentSerializer
    filterset_class = ForecastAttachmentFilterSet

    def get_queryset(self):
        return self.queryset.restrict(self.request.user, VIEW)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = get_object_or_404(
            ForecastAttachment.objects.restrict(request.user, VIEW), pk=pk
        )
        response = FileResponse(
            io.BytesIO(bytes(attachment.content)),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["Content-Length"] = str(attachment.size)
        response["Cache-Control"] = "private, no-store"
        return response

    def destroy(self, request, *args, **kwargs):
        attachment = self.get_object()
        run_service(
            services.attachment_delete,
            attachment=attachment,
            actor=request.user,
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Payments and year closings ------------------------------------------------------------------


class CarrierPaymentViewSet(RestrictedModelViewSet):
    """The recipient's payments to carriers: finance and coordination write, the carrier reads
    its own."""

    queryset = CarrierPayment.objects.select_related("recipient", "carrier", "position")
    serializer_class = serializers.CarrierPaymentSerializer
    write_serializer_class = serializers.CarrierPaymentWriteSerializer
    filterset_class = filtersets.CarrierPaymentFilterSet

    def save_object(self, obj, expected_version, related):
        services.payment_save(
            payment=obj, actor=self.request.user, expected_version=expected_version
        )

    def delete_object(self, obj, expected_version):
        services.payment_delete(
            payment=obj, actor=self.request.user, expected_version=expected_version
        )


class YearClosingViewSet(RestrictedModelViewSet):
    """Closed years: from then on the cost engine takes actual figures."""

    queryset = YearClosing.objects.select_related("recipient")
    serializer_class = serializers.YearClosingSerializer
    write_serializer_class = serializers.YearClosingWriteSerializer
    filterset_class = funding_filtersets.YearClosingFilterSet


# --- Forecast against actual, and what waits -----------------------------------------------------


class CarrierActualsViewSet(viewsets.GenericViewSet):
    """``GET /api/carrier-actuals/?year=<YYYY>[&carrier=<slug>][&recipient=<slug>]``: per
    carrier and recipient, the approved forecast against the approved actual statement and the
    payments, per position. Finance and coordination see their recipient's carriers, a carrier
    itself; towns and the council nothing."""

    description = gettext_lazy(
        "Prognose und Ist je Trägerin und Stelle mit den Zahlungen. Parameter: year, optional "
        "carrier und recipient (Kürzel)."
    )
    permission_classes = [HasRole]
    queryset = Position.objects.none()
    serializer_class = serializers.CarrierActualsSerializer

    def get_view_name(self):
        return _("Prognose und Ist der Trägerinnen")

    def pairs(self, user, year, carrier_slug, recipient_slug):
        positions = Position.objects.filter(
            scenario__isnull=True,
            employer__kind="carrier",
            planned_start__lte=date(year, 12, 31),
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=date(year, 1, 1)))
        if user.role in (Role.FINANCE, Role.COORDINATOR):
            positions = positions.filter(recipient_id=user.organisation_id)
        elif user.role == Role.CARRIER:
            positions = positions.filter(employer_id=user.organisation_id)
        elif user.role != Role.ADMIN:
            return []
        if carrier_slug:
            positions = positions.filter(employer__slug=carrier_slug)
        if recipient_slug:
            positions = positions.filter(recipient__slug=recipient_slug)
        return list(
            positions.order_by("recipient__name", "employer__name")
            .values_list("recipient_id", "employer_id")
            .distinct()
        )

    @extend_schema(parameters=[serializers.CarrierActualsQuerySerializer])
    def list(self, request):
        query = serializers.CarrierActualsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["year"]
        pairs = self.pairs(
            request.user,
            year,
            query.validated_data.get("carrier"),
            query.validated_data.get("recipient"),
        )
        page = self.paginate_queryset(pairs)
        organisations = Organisation.objects.in_bulk({pk for pair in page for pk in pair})
        rows = []
        for recipient_id, carrier_id in page:
            recipient = organisations[recipient_id]
            rows.append(
                {
                    "recipient_id": recipient_id,
                    "recipient_slug": recipient.slug,
                    "year": year,
                    "actuals": selectors.carrier_actuals(
                        recipient, organisations[carrier_id], year
                    ),
                }
            )
        return self.get_paginated_response(
            serializers.CarrierActualsSerializer(rows, many=True).data
        )


class ForecastInboxViewSet(viewsets.GenericViewSet):
    """``GET /api/forecast-inbox/``: for reviewers the submitted statements waiting, oldest
    first; for a carrier what it has to do (returned, unsent, missing forecasts)."""

    description = gettext_lazy(
        "Was wartet: eingereichte Prognosen für die KI-Koordination, offene Aufgaben für "
        "Trägerinnen."
    )
    permission_classes = [HasRole]
    queryset = CostForecast.objects.none()
    serializer_class = serializers.InboxItemSerializer

    def get_view_name(self):
        return _("Posteingang Kostenprognosen")

    def list(self, request):
        user = request.user
        if user.has_perm("carriers.review_costforecast"):
            page = self.paginate_queryset(selectors.review_inbox(user))
            items = [
                {
                    "text": _("%(label)s von %(carrier)s für %(year)s, eingereicht am %(date)s")
                    % {
                        "label": f.label,
                        "carrier": f.carrier.name,
                        "year": f.year,
                        "date": de_date(f.submitted_at),
                    },
                    "forecast": f.pk,
                    "year": f.year,
                    "state": f.state,
                    "carrier_name": f.carrier.name,
                    "recipient_name": f.recipient.name,
                    "submitted_at": f.submitted_at,
                }
                for f in page
            ]
        else:
            due = selectors.carrier_due(user) if user.role == Role.CARRIER else []
            page = self.paginate_queryset(due)
            items = [
                {
                    "text": item.text,
                    "forecast": item.forecast.pk if item.forecast else None,
                    "year": item.forecast.year if item.forecast else item.year,
                    "state": item.forecast.state if item.forecast else None,
                    "carrier_name": item.forecast.carrier.name if item.forecast else None,
                    "recipient_name": item.forecast.recipient.name if item.forecast else None,
                    "submitted_at": item.forecast.submitted_at if item.forecast else None,
                }
                for item in page
            ]
        return self.get_paginated_response(serializers.InboxItemSerializer(items, many=True).data)

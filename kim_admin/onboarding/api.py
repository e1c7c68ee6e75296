"""``POST /api/recipient-setup/``: the guided setup as one JSON document, for administrators.

The serializers only check the document's shape and turn it into the setup the wizard builds
too (``kim_admin.onboarding.services.RecipientSetup``); every rule is the service's
(:func:`recipient_setup`), so the API and the wizard refuse the same input with the same German
message. A refusal answers 400 with the messages by path in the document
(``{"positions.1.unit": ["…"]}``); nothing is saved then.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from carriers.api.serializers import OrganisationSerializer
from carriers.models import Organisation
from funding.choices import (
    POSITION_KINDS,
    RECIPIENT_KINDS,
    CoveragePolicy,
    FundingKind,
    SplitMethod,
)
from funding.models import BuildingBlock, Programme
from kim_admin.api import ScopedPrimaryKeyRelatedField
from kim_admin.onboarding import services
from kim_admin.roles import Role
from staffing.models import PayGrade, UnitKind


class IsAdministrator(BasePermission):
    """Recipients are set up by the administration (403 for every other role)."""

    message = _("Zuwendungsempfänger richtet die Administration ein.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.ADMIN)


def _choices(kinds) -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in kinds]


class RecipientPart(serializers.Serializer):
    name = serializers.CharField(max_length=200, label=_("Name"))
    slug = serializers.SlugField(max_length=80, label=_("Kürzel"))
    kind = serializers.ChoiceField(choices=_choices(RECIPIENT_KINDS), label=_("Art"))


class UnitPart(serializers.Serializer):
    name = serializers.CharField(max_length=200, label=_("Bezeichnung"))
    kind = serializers.ChoiceField(
        choices=UnitKind.choices, default=UnitKind.INTEGRATION_CENTRE, label=_("Art")
    )


class TownPart(serializers.Serializer):
    name = serializers.CharField(max_length=200, label=_("Name"))
    slug = serializers.SlugField(max_length=80, label=_("Kürzel"))
    levy_share = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        label=_("Anteil an der Kreisumlage (%)"),
    )
    split_percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        label=_("Fester Anteil an der Aufteilung (%)"),
    )


class SplitPart(serializers.Serializer):
    name = serializers.CharField(max_length=200, label=_("Bezeichnung"))
    method = serializers.ChoiceField(choices=SplitMethod.choices, label=_("Aufteilung"))
    valid_from = serializers.DateField(label=_("Gültig ab"))
    employer_town = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        label=_("Anstellungskörperschaft (Nummer der Kommune in „towns“, ab 0)"),
    )


class NoticePart(serializers.Serializer):
    programme = ScopedPrimaryKeyRelatedField(
        queryset=Programme.objects.all(), label=_("Förderprogramm")
    )
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", label=_("Aktenzeichen")
    )
    issued_on = serializers.DateField(label=_("Bescheid vom"))
    period_start = serializers.DateField(label=_("Bewilligungszeitraum von"))
    period_end = serializers.DateField(
        required=False, allow_null=True, label=_("Bewilligungszeitraum bis")
    )


class NoticeBlockPart(serializers.Serializer):
    block = ScopedPrimaryKeyRelatedField(queryset=BuildingBlock.objects.all(), label=_("Baustein"))
    approved_fte = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, label=_("Bewilligte Stellen (VZ)")
    )
    max_personnel_funding = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        label=_("Höchstbetrag Personal je Jahr (€)"),
    )


class RatePart(serializers.Serializer):
    block = ScopedPrimaryKeyRelatedField(queryset=BuildingBlock.objects.all(), label=_("Baustein"))
    kind = serializers.ChoiceField(choices=FundingKind.choices, label=_("Art"))
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, label=_("Betrag (€)")
    )
    valid_from = serializers.DateField(label=_("Gültig ab"))
    capped_at_cost = serializers.BooleanField(
        default=True, label=_("Höchstens die förderfähigen Kosten")
    )
    source = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", label=_("Quelle")
    )


class CarrierPart(serializers.Serializer):
    existing = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.carriers(),
        required=False,
        allow_null=True,
        label=_("Vorhandene Trägerin"),
    )
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", label=_("Name")
    )
    slug = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default="", label=_("Kürzel")
    )
    valid_from = serializers.DateField(label=_("Weiterleitungsvertrag gültig ab"))
    coverage_policy = serializers.ChoiceField(
        choices=CoveragePolicy.choices, label=_("Übernahme der Mehrkosten")
    )
    coverage_percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        label=_("Übernommener Anteil (%)"),
    )
    coverage_flat_per_fte = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        label=_("Pauschale je Vollzeitstelle (€)"),
    )

    def validate(self, data):
        if data.get("existing") is None and not data.get("name"):
            raise serializers.ValidationError(
                {"name": [_("Bitte eine vorhandene Trägerin wählen oder einen Namen angeben.")]}
            )
        return data


class PositionPart(serializers.Serializer):
    title = serializers.CharField(max_length=200, label=_("Bezeichnung"))
    block = ScopedPrimaryKeyRelatedField(queryset=BuildingBlock.objects.all(), label=_("Baustein"))
    funding_kind = serializers.ChoiceField(choices=_choices(POSITION_KINDS), label=_("Förderart"))
    pay_grade = ScopedPrimaryKeyRelatedField(
        queryset=PayGrade.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        label=_("Entgeltgruppe"),
    )
    fte = serializers.DecimalField(max_digits=4, decimal_places=3, label=_("Stellenanteil (VZ)"))
    planned_start = serializers.DateField(label=_("Geplanter Beginn"))
    occupied_from = serializers.DateField(required=False, allow_null=True, label=_("Besetzt ab"))
    carrier = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        label=_("Anstellende Trägerin (Nummer in „carriers“, ab 0)"),
    )
    town = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        label=_("Anstellende Kommune (Nummer in „towns“, ab 0)"),
    )
    unit = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        label=_("Organisationseinheit (Nummer in „units“, ab 0; leer: die erste)"),
    )


class LoginPart(serializers.Serializer):
    role = serializers.ChoiceField(choices=_choices(services.LOGIN_ROLES), label=_("Rolle"))
    username = serializers.CharField(max_length=150, label=_("Benutzername"))
    password = serializers.CharField(write_only=True, trim_whitespace=False, label=_("Passwort"))
    email = serializers.EmailField(
        required=False, allow_blank=True, default="", label=_("E-Mail-Adresse")
    )


class RecipientSetupSerializer(serializers.Serializer):
    """The whole setup of a new recipient, as the wizard's steps collect it."""

    recipient = RecipientPart(label=_("Zuwendungsempfänger"))
    units = UnitPart(many=True, label=_("Organisationseinheiten"))
    towns = TownPart(many=True, required=False, default=list, label=_("Kommunen"))
    split = SplitPart(
        required=False, allow_null=True, default=None, label=_("Aufteilung auf die Kommunen")
    )
    notice = NoticePart(label=_("Bewilligungsbescheid"))
    notice_blocks = NoticeBlockPart(many=True, label=_("Bewilligt je Baustein"))
    rates = RatePart(many=True, required=False, default=list, label=_("Eigene Fördersätze"))
    carriers = CarrierPart(many=True, required=False, default=list, label=_("Trägerinnen"))
    positions = PositionPart(many=True, label=_("Stellen"))
    logins = LoginPart(many=True, required=False, default=list, label=_("Anmeldungen"))

    def to_setup(self) -> services.RecipientSetup:
        data = self.validated_data
        notice = data["notice"]
        split = data.get("split")
        return services.RecipientSetup(
            name=data["recipient"]["name"],
            slug=data["recipient"]["slug"],
            kind=data["recipient"]["kind"],
            programme=notice["programme"],
            notice_reference=notice.get("reference", ""),
            issued_on=notice["issued_on"],
            period_start=notice["period_start"],
            period_end=notice.get("period_end"),
            units=[services.UnitSetup(**u) for u in data["units"]],
            towns=[services.TownSetup(**t) for t in data["towns"]],
            split=services.SplitSetup(**split) if split else None,
            notice_blocks=[services.NoticeBlock(**b) for b in data["notice_blocks"]],
            rates=[services.RateSetup(**r) for r in data["rates"]],
            carriers=[services.CarrierSetup(**{"existing": None, **c}) for c in data["carriers"]],
            positions=[services.PositionSetup(**p) for p in data["positions"]],
            logins=[services.LoginSetup(**login) for login in data["logins"]],
        )


def error_paths(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as German messages by path in the document (``positions.1.fte``);
    a list's or object's own messages under its path, the document's own under
    ``non_field_errors``."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix or key
            else:
                path = f"{prefix}.{key}" if prefix else key
            found.update(error_paths(value, path))
    elif isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        found.setdefault(prefix or "non_field_errors", []).extend(str(d) for d in detail)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                found.update(error_paths(value, f"{prefix}.{index}"))
    else:
        found.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return found


EXAMPLE = {
    "recipient": {"name": "Kreis Musterland", "slug": "kreis-musterland", "kind": "county"},
    "units": [{"name": "Kommunales Integrationszentrum", "kind": "integration_centre"}],
    "towns": [{"name": "Stadt Musterdorf", "slug": "musterdorf"}],
    "split": {"name": "Eigenanteil KIM", "method": "equal", "valid_from": "2026-01-01"},
    "notice": {
        "programme": 1,
        "reference": "51.07-KIM-2026",
        "issued_on": "2026-02-15",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    },
    "notice_blocks": [{"block": 1, "approved_fte": "1.000"}],
    "rates": [],
    "carriers": [],
    "positions": [
        {
            "title": "Koordination KI",
            "block": 1,
            "funding_kind": "coordination",
            "pay_grade": 6,
            "fte": "1.000",
            "planned_start": "2026-01-01",
            "occupied_from": "2026-01-01",
            "unit": 0,
        }
    ],
    "logins": [],
}


class RecipientSetupView(APIView):
    """Set up a new recipient in one request, the same way as the guided setup."""

    permission_classes = [IsAdministrator]
    name = _("Zuwendungsempfänger einrichten")
    description = _(
        "Richtet einen neuen Zuwendungsempfänger mit allem ein, was er für seine Zahlen "
        "braucht: Organisationseinheiten (mindestens das KI), Kommunen und ihre Aufteilung, "
        "Bewilligungsbescheid mit Bausteinen, eigene Fördersätze, Trägerinnen mit "
        "Weiterleitungsverträgen, erste Stellen und Anmeldungen – alles oder nichts. Nur für "
        "die Administration. Fehler: 400 mit deutschen Meldungen je Pfad im Dokument."
    )

    @extend_schema(
        request=RecipientSetupSerializer,
        responses={201: OrganisationSerializer, 400: OpenApiTypes.OBJECT},
        summary=_("Neuen Zuwendungsempfänger einrichten"),
        examples=[OpenApiExample(_("Ein Kreis mit KI und einer Kommune"), value=EXAMPLE)],
    )
    def post(self, request):
        document = RecipientSetupSerializer(data=request.data, context={"request": request})
        if not document.is_valid():
            return Response(error_paths(document.errors), status=status.HTTP_400_BAD_REQUEST)
        try:
            recipient = services.recipient_setup(setup=document.to_setup(), actor=request.user)
        except services.SetupRefused as refused:
            return Response(refused.errors, status=status.HTTP_400_BAD_REQUEST)
        body = OrganisationSerializer(recipient, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

"""Carrier cost forecasts and actual cost statements, their attachments, and the recipient's
payments to carriers.

Seed 000 (Leverkusen): the city carries everything above the state rate for its three carriers
and learns what that is from their forecasts: an April forecast, a revision of 28.11.2024, and
the actual payments after the year. A carrier enters its figures per forwarded position; the KI
coordinator checks the content and the arithmetic and approves; approved figures feed the cost
engine (``funding.selectors``).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from carriers.choices import OPEN_FORECAST_STATES, ForecastKind, ForecastState
from carriers.models.core import MONEY, Organisation, partner_carrier_error
from funding.choices import OrganisationKind
from kim_admin.fields import DateField, YearField
from kim_admin.roles import Role
from kim_admin.scoping import ScopedModel
from kim_admin.validators import NOT_NEGATIVE, validate_non_negative
from kim_admin.versioning import VersionedModel

MONTHS_RANGE = _("Die Monate müssen zwischen 0 und 12 liegen.")


def validate_months(value):
    if value is not None and not (Decimal(0) <= value <= Decimal(12)):
        raise ValidationError(MONTHS_RANGE, code="months_range")


class CarrierScopedModel(ScopedModel):
    """Rows of a carrier's dealings with a recipient: the carrier's users see only their own
    carrier's, the recipient's finance and coordination users their recipient's; towns and the
    council nothing (the council reads published reports). ``carrier_path`` and
    ``recipient_path`` lead from the row to the two organisations."""

    carrier_path = "carrier"
    recipient_path = "recipient"

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return Q(**{f"{cls.carrier_path}_id": organisation_id})
        if role in (Role.FINANCE, Role.COORDINATOR):
            return Q(**{f"{cls.recipient_path}_id": organisation_id})
        return None


class CostForecast(VersionedModel, CarrierScopedModel):
    """One version of a carrier's cost statement for a recipient and a year.

    Versions of the same carrier, year and kind are numbered 1, 2, …; at most one is open
    (draft, submitted or returned) and at most one approved: approving a revision supersedes
    the version it revises. Who submitted, checked (content and arithmetic, as grant offices
    do: "sachlich und rechnerisch richtig") and decided is kept on the row and in the history.
    """

    editing_roles = frozenset({Role.CARRIER, Role.COORDINATOR, Role.ADMIN})

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="received_forecasts",
    )
    carrier = models.ForeignKey(
        Organisation,
        verbose_name=_("Trägerin"),
        on_delete=models.PROTECT,
        related_name="forecasts",
        limit_choices_to={"kind": OrganisationKind.CARRIER},
    )
    year = YearField(_("Jahr"))
    kind = models.CharField(
        _("Art"), max_length=10, choices=ForecastKind.choices, default=ForecastKind.FORECAST
    )
    number = models.PositiveSmallIntegerField(_("Fassung"), default=1, editable=False)
    title = models.CharField(
        _("Bezeichnung"),
        max_length=120,
        blank=True,
        help_text=_("z. B. „Prognose April 2024“; leer: Art und Datum der Einreichung."),
    )
    state = models.CharField(
        _("Status"), max_length=10, choices=ForecastState.choices, default=ForecastState.DRAFT
    )
    revision_of = models.ForeignKey(
        "self",
        verbose_name=_("Überarbeitet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
    )
    note = models.TextField(_("Anmerkung der Trägerin"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Angelegt von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Eingereicht von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("Eingereicht am"), null=True, blank=True)
    content_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Sachlich geprüft von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content_checked_at = models.DateTimeField(_("Sachlich geprüft am"), null=True, blank=True)
    arithmetic_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Rechnerisch geprüft von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    arithmetic_checked_at = models.DateTimeField(_("Rechnerisch geprüft am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Entschieden von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("Entschieden am"), null=True, blank=True)
    return_comment = models.TextField(_("Begründung der Rückgabe"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Kostenprognose")
        verbose_name_plural = _("Kostenprognosen")
        ordering = ["-year", "carrier__name", "kind", "-number"]
        permissions = [("review_costforecast", _("Kostenprognosen prüfen und genehmigen"))]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "carrier", "year", "kind"],
                condition=Q(state__in=OPEN_FORECAST_STATES),
                name="cost_forecast_one_open",
                violation_error_message=_(
                    "Für diese Trägerin und dieses Jahr ist schon eine Fassung in Bearbeitung."
                ),
            ),
            models.UniqueConstraint(
                fields=["recipient", "carrier", "year", "kind"],
                condition=Q(state=ForecastState.APPROVED),
                name="cost_forecast_one_approved",
                violation_error_message=_(
                    "Für diese Trägerin und dieses Jahr ist schon eine Fassung genehmigt."
                ),
            ),
            models.UniqueConstraint(
                fields=["recipient", "carrier", "year", "kind", "number"],
                name="cost_forecast_number_unique",
            ),
        ]

    def __str__(self):
        return f"{self.label} – {self.carrier} {self.year}"

    @property
    def label(self) -> str:
        """How people name a version: "Prognose April 2024" or "Prognose 28.11.2024"."""
        if self.title:
            return self.title
        short = "Ist-Abrechnung" if self.kind == ForecastKind.ACTUAL else "Prognose"
        when = self.submitted_at or self.created_at
        if when is None:
            return f"{short} (Fassung {self.number})"
        return f"{short} {when:%d.%m.%Y}"

    @property
    def label_with_year(self) -> str:
        """The label with the year it concerns, the year said once: "Prognose Dezember 2026"
        (for 2026) stays as it is, "Prognose 28.11.2024" for 2025 reads "Prognose 28.11.2024
        für 2025"."""
        label = self.label
        if str(self.year) in label:
            return label
        return f"{label} für {self.year}"

    def get_absolute_url(self):
        return reverse("carriers:costforecast_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.carrier_id and self.carrier.kind != OrganisationKind.CARRIER:
            errors["carrier"] = _("Kostenprognosen reichen nur Trägerinnen ein.")
        if self.recipient_id and not self.recipient.is_recipient_kind:
            errors["recipient"] = _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        elif (
            self.carrier_id
            and self.recipient_id
            and "carrier" not in errors
            and (message := partner_carrier_error(self.recipient, self.carrier))
        ):
            errors["recipient"] = message
        if self.revision_of_id and (
            self.revision_of.carrier_id != self.carrier_id
            or self.revision_of.year != self.year
            or self.revision_of.kind != self.kind
        ):
            errors["revision_of"] = _(
                "Eine Überarbeitung gehört zur selben Trägerin, zum selben Jahr und zur selben Art."
            )
        if errors:
            raise ValidationError(errors)


class ForecastLine(ScopedModel):
    """A forwarded position's figures in a forecast: the whole year's cost as the carrier
    expects (or, in an actual statement, paid) it, and the months it is filled."""

    scenario_path = "position__scenario"

    forecast = models.ForeignKey(
        CostForecast, verbose_name=_("Prognose"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.ForeignKey(
        "staffing.Position",
        verbose_name=_("Stelle"),
        on_delete=models.PROTECT,
        related_name="forecast_lines",
    )
    employer_gross = models.DecimalField(
        _("Arbeitgeberbrutto (€)"), **MONEY, validators=[validate_non_negative]
    )
    material = models.DecimalField(
        _("Sachkosten (€)"), **MONEY, default=0, validators=[validate_non_negative]
    )
    overhead = models.DecimalField(
        _("Gemeinkosten (€)"), **MONEY, default=0, validators=[validate_non_negative]
    )
    months_filled = models.DecimalField(
        _("Besetzte Monate"),
        max_digits=4,
        decimal_places=2,
        default=12,
        validators=[validate_months],
    )
    remark = models.CharField(_("Bemerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Prognosezeile")
        verbose_name_plural = _("Prognosezeilen")
        ordering = ["forecast", "position__block__number", "position__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["forecast", "position"],
                name="forecast_line_unique",
                violation_error_message=_("Diese Stelle steht schon in der Prognose."),
            ),
            models.CheckConstraint(
                name="forecast_line_not_negative",
                condition=Q(employer_gross__gte=0, material__gte=0, overhead__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
            models.CheckConstraint(
                name="forecast_line_months",
                condition=Q(months_filled__gte=0, months_filled__lte=12),
                violation_error_message=MONTHS_RANGE,
            ),
        ]

    def __str__(self):
        return f"{self.position} – {self.forecast}"

    @property
    def total(self) -> Decimal:
        return self.employer_gross + self.material + self.overhead

    @classmethod
    def scope_q(cls, role, organisation_id):
        inner = CostForecast.scope_q(role, organisation_id)
        return None if inner is None else Q(forecast__in=CostForecast.objects.filter(inner))

    def clean(self):
        if not (self.forecast_id and self.position_id):
            return
        forecast, position = self.forecast, self.position
        if (
            position.employer_id != forecast.carrier_id
            or position.recipient_id != forecast.recipient_id
            or position.scenario_id is not None
        ):
            # Not naming the position: it may be another carrier's.
            raise ValidationError(
                {
                    "position": _(
                        "Diese Stelle ist nicht bei %(carrier)s angestellt (oder gehört zu einem "
                        "anderen Zuwendungsempfänger)."
                    )
                    % {"carrier": forecast.carrier}
                }
            )
        if not position.active_in(forecast.year):
            raise ValidationError(
                {
                    "position": _("Die Stelle „%(position)s“ besteht %(year)s nicht.")
                    % {"position": position, "year": forecast.year}
                }
            )


# Attachments: PDF or Excel, at most this large (a scanned statement, a spreadsheet).
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ForecastAttachment(ScopedModel):
    """A file a carrier adds to a forecast (a payroll statement, its own spreadsheet).

    Kept in the database, not on disk: it is saved or refused in the same transaction as
    everything else, is in every backup, and is only ever served through a scoped view.
    """

    forecast = models.ForeignKey(
        CostForecast,
        verbose_name=_("Prognose"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("Inhalt"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Hochgeladen von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("Hochgeladen am"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")
        ordering = ["forecast", "uploaded_at", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("carriers:forecastattachment_download", args=[self.pk])

    @classmethod
    def scope_q(cls, role, organisation_id):
        return ForecastLine.scope_q(role, organisation_id)


class CarrierPayment(VersionedModel, CarrierScopedModel):
    """A payment of the recipient to a carrier (seed 000: "die tatsächlichen Zahlungen der
    Stadt Leverkusen an die Trägerinnen"), for a year, optionally for one position.

    Entered by the recipient's finance or coordination staff; the carrier sees its own.
    """

    scenario_path = "position__scenario"

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="carrier_payments_made",
    )
    carrier = models.ForeignKey(
        Organisation,
        verbose_name=_("Trägerin"),
        on_delete=models.PROTECT,
        related_name="carrier_payments",
        limit_choices_to={"kind": OrganisationKind.CARRIER},
    )
    year = YearField(_("Für das Jahr"))
    position = models.ForeignKey(
        "staffing.Position",
        verbose_name=_("Stelle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carrier_payments",
        help_text=_("Leer: für die Trägerin insgesamt."),
    )
    paid_on = DateField(_("Gezahlt am"))
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    purpose = models.CharField(_("Zweck"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Zahlung an Trägerin")
        verbose_name_plural = _("Zahlungen an Trägerinnen")
        ordering = ["-year", "carrier__name", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="carrier_payment_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.carrier}: {self.purpose} ({self.paid_on:%d.%m.%Y})"

    def get_absolute_url(self):
        return reverse("carriers:carrierpayment_detail", args=[self.pk])

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        if role in (Role.FINANCE, Role.COORDINATOR):
            return Q(recipient_id=organisation_id)
        return None

    def clean(self):
        errors = {}
        if self.carrier_id and self.carrier.kind != OrganisationKind.CARRIER:
            errors["carrier"] = _("Zahlungen an Trägerinnen gehen nur an Trägerinnen.")
        elif (
            self.carrier_id
            and self.recipient_id
            and (message := partner_carrier_error(self.recipient, self.carrier))
        ):
            errors["carrier"] = message
        if self.position_id and self.carrier_id and self.recipient_id:
            position = self.position
            if (
                position.employer_id != self.carrier_id
                or position.recipient_id != self.recipient_id
                or position.scenario_id is not None
            ):
                errors["position"] = _(
                    "Die Stelle „%(position)s“ ist nicht bei %(carrier)s angestellt."
                ) % {"position": position, "carrier": self.carrier}
        if errors:
            raise ValidationError(errors)

"""Carriers' proofs of use (Verwendungsnachweis der Trägerin) with the recipient's review note.

Forwarding passes the funder's duties on (ANBest-P, forwarded by the recipient): after a year a
carrier proves the use of the forwarded funds under its forwarding agreement with its actual
figures per position, the funds it received and its own contribution; the KI coordination
checks the proof and records a review note (Prüfvermerk: checked by, date, result, findings).
Only checked proofs count (``carriers.proofs.selectors.checked_carrier_proofs``).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from carriers.choices import ProofState, ReviewResult
from carriers.models.core import MONEY, ForwardingAgreement, Organisation
from carriers.models.forecasts import CarrierScopedModel, validate_months
from funding.choices import OrganisationKind
from kim_admin.fields import DateField, YearField
from kim_admin.roles import Role
from kim_admin.scoping import ScopedModel
from kim_admin.validators import NOT_NEGATIVE, validate_non_negative
from kim_admin.versioning import VersionedModel

FTE = {"max_digits": 4, "decimal_places": 3}
PROOF_FTE_RANGE = _("Der Stellenanteil muss zwischen 0 und 1 liegen (z. B. 0,5).")


def validate_proof_fte(value):
    if value is not None and not (Decimal(0) <= value <= Decimal(1)):
        raise ValidationError(PROOF_FTE_RANGE, code="fte_range")


def _user_fk(label):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


class CarrierProof(VersionedModel, CarrierScopedModel):
    """A carrier's proof of use for one closed year under one forwarding agreement.

    One per agreement and year: a returned proof is changed and submitted again. Content and
    arithmetic checks (with the recipient's four-eyes setting by different people) come before
    the review note that makes the proof count.
    """

    editing_roles = frozenset({Role.CARRIER, Role.COORDINATOR, Role.ADMIN})
    # Only real agreements take proofs (clean()); the path keeps scenario rows out all the same.
    scenario_path = "agreement__scenario"

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="received_carrier_proofs",
    )
    carrier = models.ForeignKey(
        Organisation,
        verbose_name=_("Trägerin"),
        on_delete=models.PROTECT,
        related_name="carrier_proofs",
        limit_choices_to={"kind": OrganisationKind.CARRIER},
    )
    agreement = models.ForeignKey(
        ForwardingAgreement,
        verbose_name=_("Weiterleitungsvertrag"),
        on_delete=models.PROTECT,
        related_name="proofs",
    )
    year = YearField(_("Jahr"))
    state = models.CharField(
        _("Status"), max_length=10, choices=ProofState.choices, default=ProofState.DRAFT
    )
    funds_received = models.DecimalField(
        _("Erhaltene Mittel (€)"), **MONEY, default=0, validators=[validate_non_negative]
    )
    own_contribution = models.DecimalField(
        _("Eigenanteil der Trägerin (€)"), **MONEY, default=0, validators=[validate_non_negative]
    )
    note = models.TextField(_("Anmerkung der Trägerin"), blank=True)
    created_by = _user_fk(_("Angelegt von"))
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    submitted_by = _user_fk(_("Eingereicht von"))
    submitted_at = models.DateTimeField(_("Eingereicht am"), null=True, blank=True)
    content_checked_by = _user_fk(_("Sachlich geprüft von"))
    content_checked_at = models.DateTimeField(_("Sachlich geprüft am"), null=True, blank=True)
    arithmetic_checked_by = _user_fk(_("Rechnerisch geprüft von"))
    arithmetic_checked_at = models.DateTimeField(_("Rechnerisch geprüft am"), null=True, blank=True)
    # The review note (Prüfvermerk).
    reviewed_by = _user_fk(_("Prüfvermerk von"))
    reviewed_on = DateField(_("Prüfvermerk vom"), null=True, blank=True)
    review_result = models.CharField(
        _("Ergebnis der Prüfung"), max_length=10, choices=ReviewResult.choices, blank=True
    )
    findings = models.TextField(_("Feststellungen"), blank=True)
    return_comment = models.TextField(_("Begründung der Rückgabe"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Verwendungsnachweis der Trägerin")
        verbose_name_plural = _("Verwendungsnachweise der Trägerinnen")
        ordering = ["-year", "carrier__name", "pk"]
        permissions = [
            ("review_carrierproof", _("Verwendungsnachweise der Trägerinnen prüfen")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year"],
                name="carrier_proof_one_per_agreement_year",
                violation_error_message=_(
                    "Für diesen Weiterleitungsvertrag und dieses Jahr gibt es schon einen "
                    "Verwendungsnachweis."
                ),
            ),
            models.CheckConstraint(
                name="carrier_proof_not_negative",
                condition=Q(funds_received__gte=0, own_contribution__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"Verwendungsnachweis {self.year} – {self.carrier}"

    @property
    def label(self) -> str:
        return f"Verwendungsnachweis {self.year}"

    def get_absolute_url(self):
        return reverse("carriers:carrierproof_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.carrier_id and self.carrier.kind != OrganisationKind.CARRIER:
            errors["carrier"] = _("Verwendungsnachweise reichen nur Trägerinnen ein.")
        if self.agreement_id:
            agreement = self.agreement
            if (
                agreement.carrier_id != self.carrier_id
                or agreement.recipient_id != self.recipient_id
                or agreement.scenario_id is not None
            ):
                errors["agreement"] = _(
                    "Der Weiterleitungsvertrag gehört nicht zu dieser Trägerin und diesem "
                    "Zuwendungsempfänger."
                )
            elif self.year and not agreement_active_in(agreement, self.year):
                errors["year"] = _("Der Weiterleitungsvertrag galt %(year)s nicht.") % {
                    "year": self.year
                }
        if errors:
            raise ValidationError(errors)


def agreement_active_in(agreement: ForwardingAgreement, year: int) -> bool:
    """The agreement was in force at some point of the year."""
    return agreement.valid_from.year <= year and (
        agreement.valid_to is None or agreement.valid_to.year >= year
    )


class ProofLine(ScopedModel):
    """A forwarded position's actual figures in a carrier's proof: employer gross, material
    and overhead as paid in the year, the filled months and the FTE."""

    scenario_path = "position__scenario"

    proof = models.ForeignKey(
        CarrierProof, verbose_name=_("Nachweis"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.ForeignKey(
        "staffing.Position",
        verbose_name=_("Stelle"),
        on_delete=models.PROTECT,
        related_name="proof_lines",
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
    fte = models.DecimalField(
        _("Stellenanteil (VZ)"), **FTE, default=1, validators=[validate_proof_fte]
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
        verbose_name = _("Nachweiszeile")
        verbose_name_plural = _("Nachweiszeilen")
        ordering = ["proof", "position__block__number", "position__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proof", "position"],
                name="proof_line_unique",
                violation_error_message=_("Diese Stelle steht schon im Nachweis."),
            ),
            models.CheckConstraint(
                name="proof_line_not_negative",
                condition=Q(employer_gross__gte=0, material__gte=0, overhead__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
            models.CheckConstraint(
                name="proof_line_ranges",
                condition=Q(months_filled__gte=0, months_filled__lte=12, fte__gte=0, fte__lte=1),
                violation_error_message=_("Monate 0 bis 12, Stellenanteil 0 bis 1."),
            ),
        ]

    def __str__(self):
        return f"{self.position} – {self.proof}"

    @property
    def total(self) -> Decimal:
        return self.employer_gross + self.material + self.overhead

    @classmethod
    def scope_q(cls, role, organisation_id):
        inner = CarrierProof.scope_q(role, organisation_id)
        return None if inner is None else Q(proof__in=CarrierProof.objects.filter(inner))

    def clean(self):
        if not (self.proof_id and self.position_id):
            return
        proof, position = self.proof, self.position
        if (
            position.employer_id != proof.carrier_id
            or position.recipient_id != proof.recipient_id
            or position.scenario_id is not None
            or not proof.agreement.positions.filter(pk=position.pk).exists()
        ):
            # Not naming the position: it may be another carrier's.
            raise ValidationError(
                {
                    "position": _(
                        "Diese Stelle hält %(carrier)s nicht unter diesem Weiterleitungsvertrag."
                    )
                    % {"carrier": proof.carrier}
                }
            )
        if not position.active_in(proof.year):
            raise ValidationError(
                {
                    "position": _("Die Stelle „%(position)s“ besteht %(year)s nicht.")
                    % {"position": position, "year": proof.year}
                }
            )


class ProofAttachment(ScopedModel):
    """A file a carrier adds to its proof (payroll journal, receipts list), kept in the
    database like the forecasts' attachments and served only through a scoped view."""

    proof = models.ForeignKey(
        CarrierProof,
        verbose_name=_("Nachweis"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("Inhalt"))
    uploaded_by = _user_fk(_("Hochgeladen von"))
    uploaded_at = models.DateTimeField(_("Hochgeladen am"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        verbose_name = _("Anhang zum Nachweis")
        verbose_name_plural = _("Anhänge zum Nachweis")
        ordering = ["proof", "uploaded_at", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("carriers:proofattachment_download", args=[self.pk])

    @classmethod
    def scope_q(cls, role, organisation_id):
        return ProofLine.scope_q(role, organisation_id)

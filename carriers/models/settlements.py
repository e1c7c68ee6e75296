"""The yearly settlement between the towns of a cost split (seed 003, Kreis Coesfeld).

"Die Eigenanteile sollen jährlich durch die Anstellungskörperschaften gegenüber den übrigen
Kommunen in den jeweiligen Regionen abgerechnet werden." The employer town receives the state
funding; once a year it settles the cost above it with the region's towns: each town's share of
the cost items, of the funding, its own share, what it paid in advance, and the balance.

An issued statement is frozen: every figure is a column of its own and the PDF is stored with
it, so later changes of the plan never alter it. A correction is the next version (Fassung);
the previous one is marked superseded and stays readable.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from carriers.choices import StatementState
from carriers.models.core import MONEY, CostSplit, Organisation
from carriers.settlements.rules import payment_direction
from kim_admin.fields import DateField, YearField
from kim_admin.roles import Role
from kim_admin.scoping import RestrictedQuerySet, ScopedModel
from kim_admin.validators import NOT_NEGATIVE, validate_non_negative
from kim_admin.versioning import VersionedModel

FROZEN = _("Eine ausgestellte Abrechnung kann nicht geändert oder gelöscht werden.")
# What may change on an issued statement: that a correction superseded it (and the row version).
SUPERSEDE_FIELDS = frozenset({"state", "version"})
# Written once right after the row: the PDF is rendered from the stored statement.
PDF_FIELDS = ("pdf", "pdf_sha256", "pdf_size")


class SettlementScopedModel(ScopedModel):
    """Rows of a split's settlement: the recipient's finance, coordination and council users see
    all of them; a town's users see their own town's and, as employer town, those of its split;
    carriers see none. Only finance and coordination of the recipient (and admins) write."""

    scenario_path = "split__scenario"

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return None
        if role == Role.TOWN:
            return Q(town_id=organisation_id) | Q(split__employer_town_id=organisation_id)
        return Q(recipient_id=organisation_id)

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        if role in (Role.FINANCE, Role.COORDINATOR):
            return Q(recipient_id=organisation_id)
        return None


class AdvancePayment(VersionedModel, SettlementScopedModel):
    """A payment a member town made in advance to the employer town for a split and year
    (Abschlag); the settlement deducts it from the town's own share."""

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="settlement_advances",
        editable=False,
    )
    split = models.ForeignKey(
        CostSplit,
        verbose_name=_("Kostenaufteilung"),
        on_delete=models.PROTECT,
        related_name="advance_payments",
    )
    town = models.ForeignKey(
        Organisation,
        verbose_name=_("Kommune"),
        on_delete=models.PROTECT,
        related_name="advance_payments",
    )
    year = YearField(_("Für das Jahr"))
    paid_on = DateField(_("Gezahlt am"))
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Abschlagszahlung")
        verbose_name_plural = _("Abschlagszahlungen")
        ordering = ["-year", "split__name", "town__name", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="advance_payment_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.town}: {self.split} {self.year} ({self.paid_on:%d.%m.%Y})"

    def get_absolute_url(self):
        return reverse("carriers:advancepayment_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.split_id:
            split = self.split
            self.recipient_id = split.recipient_id
            if split.scenario_id is not None:
                errors["split"] = _(
                    "Abschläge gibt es nur für den echten Plan, nicht für Szenarien."
                )
            elif self.town_id:
                if self.town_id == split.employer_town_id:
                    errors["town"] = _(
                        "Die Anstellungskörperschaft leistet keinen Abschlag an sich selbst."
                    )
                elif not split.members.filter(organisation_id=self.town_id).exists():
                    errors["town"] = _("%(town)s ist an „%(split)s“ nicht beteiligt.") % {
                        "town": self.town,
                        "split": split,
                    }
        if errors:
            raise ValidationError(errors)


class StatementQuerySet(RestrictedQuerySet):
    """Refuses bulk changes: ``update()`` and ``delete()`` would bypass the model's refusal."""

    def update(self, **kwargs):
        raise ValidationError(FROZEN)

    def delete(self):
        raise ValidationError(FROZEN)

    def without_pdf(self):
        return self.defer("pdf")


@dataclass(frozen=True)
class Payment:
    """A statement's payment instruction: ``payer`` pays ``payee`` ``amount`` by ``due_on``
    to the payee's account, naming ``reference``."""

    payer: Organisation
    payee: Organisation
    amount: Decimal
    due_on: date | None
    reference: str
    is_refund: bool


class SettlementStatement(VersionedModel, SettlementScopedModel):
    """One town's settlement statement for a split and year, as issued (one version).

    Every figure is stored: the region's cost items, funding and own share, and the town's
    share of each. ``own_share`` is the engine's share of the town (the by-bearer figure);
    ``funding_share`` = the town's items − its own share; ``balance`` = own share − advances,
    what the town still pays the employer town (negative: the employer town refunds). The
    employer town's own statement has no balance: it carries its share in its own budget and
    pays nothing to itself (advances 0, balance 0).
    """

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="received_settlements",
    )
    split = models.ForeignKey(
        CostSplit,
        verbose_name=_("Kostenaufteilung"),
        on_delete=models.PROTECT,
        related_name="settlement_statements",
    )
    town = models.ForeignKey(
        Organisation,
        verbose_name=_("Kommune"),
        on_delete=models.PROTECT,
        related_name="settlement_statements",
    )
    employer_town = models.ForeignKey(
        Organisation,
        verbose_name=_("Anstellungskörperschaft"),
        on_delete=models.PROTECT,
        related_name="issued_settlements",
        null=True,
        blank=True,
    )
    year = YearField(_("Jahr"))
    number = models.PositiveSmallIntegerField(_("Fassung"), default=1)
    state = models.CharField(
        _("Status"), max_length=12, choices=StatementState.choices, default=StatementState.ISSUED
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("Ersetzt Fassung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    is_employer_town = models.BooleanField(_("Ist Anstellungskörperschaft"), default=False)
    split_method = models.CharField(_("Aufteilung"), max_length=20)
    member_count = models.PositiveSmallIntegerField(_("Beteiligte Kommunen"))
    position_count = models.PositiveSmallIntegerField(_("Stellen"))
    # The region's (split's) figures.
    region_employer_gross = models.DecimalField(_("Region: Personalkosten (€)"), **MONEY)
    region_material = models.DecimalField(_("Region: Sachkosten (€)"), **MONEY)
    region_one_off = models.DecimalField(_("Region: Stellenbesetzung (€)"), **MONEY)
    region_overhead = models.DecimalField(_("Region: Personalverwaltung (€)"), **MONEY)
    region_total_cost = models.DecimalField(_("Region: Kosten gesamt (€)"), **MONEY)
    region_funding = models.DecimalField(_("Region: Förderung (€)"), **MONEY)
    region_own_share = models.DecimalField(_("Region: Eigenanteil (€)"), **MONEY)
    # The town's shares.
    employer_gross = models.DecimalField(_("Personalkosten inkl. Arbeitgeberanteil (€)"), **MONEY)
    material = models.DecimalField(_("Technische Ausstattung (€)"), **MONEY)
    one_off = models.DecimalField(_("Stellenbesetzung und Ausschreibung (€)"), **MONEY)
    overhead = models.DecimalField(_("Personalverwaltungspauschale (€)"), **MONEY)
    total_cost = models.DecimalField(_("Kosten gesamt (€)"), **MONEY)
    funding_share = models.DecimalField(_("Anteil an der Förderung (€)"), **MONEY)
    own_share = models.DecimalField(_("Eigenanteil (€)"), **MONEY)
    advances = models.DecimalField(_("Geleistete Abschläge (€)"), **MONEY)
    balance = models.DecimalField(_("Ausgleichsbetrag (€)"), **MONEY)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Ausgestellt von"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("Ausgestellt am"))
    # The balance is due then (the employer town's payment term from the day of issue);
    # empty where nothing is to be paid and for statements issued before the term existed.
    due_on = DateField(_("Zahlbar bis"), null=True, blank=True)
    pdf = models.BinaryField(_("PDF"), editable=False)
    pdf_sha256 = models.CharField(_("SHA-256 des PDF"), max_length=64, editable=False)
    pdf_size = models.PositiveIntegerField(_("Größe des PDF (Bytes)"), editable=False)
    # The bytes stay out of the history: they never change, their hash is in the history.
    history = HistoricalRecords(excluded_fields=["pdf"])

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("Abrechnung")
        verbose_name_plural = _("Abrechnungen")
        ordering = ["-year", "split__name", "town__name", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["split", "town", "year", "number"],
                name="settlement_statement_number_unique",
            ),
            models.UniqueConstraint(
                fields=["split", "town", "year"],
                condition=Q(state=StatementState.ISSUED),
                name="settlement_statement_one_issued",
                violation_error_message=_(
                    "Für diese Kommune und dieses Jahr ist schon eine Abrechnung ausgestellt."
                ),
            ),
            models.CheckConstraint(
                name="settlement_statement_number_positive", condition=Q(number__gte=1)
            ),
        ]

    def __str__(self):
        return _("Abrechnung %(split)s %(year)s – %(town)s (Fassung %(number)s)") % {
            "split": self.split.name if self.split_id else "",
            "year": self.year,
            "town": self.town.name if self.town_id else "",
            "number": self.number,
        }

    def get_absolute_url(self):
        return reverse("carriers:settlementstatement_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """The statement's file reference: "ABR-2023-3001-billerbeck-1"."""
        return f"ABR-{self.year}-{self.split_id}-{self.town.slug}-{self.number}"

    def payment(self) -> Payment | None:
        """Who pays whom how much by when, to which account (the payee's), with the
        statement's reference as the Kassenzeichen; None where nothing is to be paid."""
        direction = payment_direction(self.balance, self.is_employer_town)
        if direction is None or self.employer_town is None:
            return None
        town, employer = self.town, self.employer_town
        payer, payee = (town, employer) if direction.payer_is_town else (employer, town)
        return Payment(
            payer=payer,
            payee=payee,
            amount=direction.amount,
            due_on=self.due_on,
            reference=self.reference,
            is_refund=not direction.payer_is_town,
        )

    def item_rows(self) -> list[tuple[str, object, object]]:
        """Seed 003's cost items as the statement shows them: (label, the region's amount,
        the town's share), on its page and in its PDF."""
        return [
            (
                _("Personalkosten inkl. Arbeitgeberanteil"),
                self.region_employer_gross,
                self.employer_gross,
            ),
            (_("Technische Ausstattung (inkl. Endgeräte)"), self.region_material, self.material),
            (_("Stellenbesetzung und Ausschreibung"), self.region_one_off, self.one_off),
            (_("Pauschale Kosten der Personalverwaltung"), self.region_overhead, self.overhead),
        ]

    @property
    def download_name(self) -> str:
        from django.utils.text import slugify

        return (
            f"abrechnung-{slugify(self.split.name)}-{self.year}-{self.town.slug}-f{self.number}.pdf"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = set(kwargs.get("update_fields") or ())
            attaching_pdf = fields == set(PDF_FIELDS) and (
                type(self).objects.filter(pk=self.pk, pdf_sha256="").exists()
            )
            if not fields or not (fields <= SUPERSEDE_FIELDS or attaching_pdf):
                raise ValidationError(FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(FROZEN)

"""The programme and what the state decides: building blocks, funding rates, grant notices
with their blocks, programme costs, revenue accounts, closed years, pay rises and the
application's due dates."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import (
    CostStatus,
    FundingKind,
    NoticeKind,
    ProgrammeCostCategory,
    RevenueCategory,
)
from funding.models.base import FTE, MONEY
from funding.models.scenarios import Scenario
from kim_admin.fields import DateField, YearField
from kim_admin.formatting import de_fte, de_money
from kim_admin.roles import Role
from kim_admin.scoping import RecipientScopedModel, ScopedModel
from kim_admin.validators import (
    NOT_NEGATIVE,
    period_constraint,
    period_error,
    validate_non_negative,
)
from kim_admin.versioning import VersionedModel


class Programme(ScopedModel):
    """A funding programme, e.g. KIM NRW (§ 9 Teilhabe- und Integrationsgesetz NRW)."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=80, unique=True)
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BuildingBlock(ScopedModel):
    """A building block (Förderbaustein): 1 coordination, 2 case management, 3 immigration offices."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("Förderprogramm"), on_delete=models.PROTECT, related_name="blocks"
    )
    number = models.PositiveSmallIntegerField(_("Nummer"))
    name = models.CharField(_("Bezeichnung"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Förderbaustein")
        verbose_name_plural = _("Förderbausteine")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"],
                name="building_block_number_unique",
                violation_error_message=_("Diese Bausteinnummer gibt es im Programm schon."),
            )
        ]

    def __str__(self):
        return f"Baustein {self.number}: {self.name}"


class FundingRate(VersionedModel, ScopedModel):
    """A flat amount the state pays, valid from a date until the next rate of the same kind.

    The amount is per FTE and year (prorated by filled FTE-months) or, for the events budget, a
    yearly budget; the kind decides which, and on which revenue account it lands (choices.py). Where ``capped_at_cost`` is set, the funding never exceeds the eligible cost
    actually incurred (seed 000: "bis zu 57.000 € des Arbeitgeberbruttos"). A rate may be limited
    to one recipient (its grant notice granted another amount) or to one scenario; the most
    specific rate in force wins.
    """

    scenario_path = "scenario"

    programme = models.ForeignKey(
        Programme, verbose_name=_("Förderprogramm"), on_delete=models.PROTECT, related_name="rates"
    )
    block = models.ForeignKey(
        BuildingBlock, verbose_name=_("Baustein"), on_delete=models.PROTECT, related_name="rates"
    )
    kind = models.CharField(_("Art"), max_length=30, choices=FundingKind.choices)
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    valid_from = DateField(_("Gültig ab"))
    capped_at_cost = models.BooleanField(
        _("Höchstens die förderfähigen Kosten"),
        default=True,
        help_text=_("„bis zu“: die Förderung übersteigt nie die tatsächlichen Kosten."),
    )
    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Nur für Empfänger"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_rates",
    )
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funding_rates",
    )
    source = models.CharField(_("Quelle"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Fördersatz")
        verbose_name_plural = _("Fördersätze")
        ordering = ["programme", "block", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind", "block", "valid_from"],
                condition=Q(recipient__isnull=True, scenario__isnull=True),
                name="funding_rate_valid_from_unique",
                violation_error_message=_(
                    "Für diese Art und diesen Baustein gibt es ab diesem Datum schon einen Fördersatz."
                ),
            ),
            models.UniqueConstraint(
                fields=["programme", "kind", "block", "valid_from", "recipient"],
                condition=Q(recipient__isnull=False, scenario__isnull=True),
                name="funding_rate_recipient_valid_from_unique",
                violation_error_message=_(
                    "Für diesen Empfänger gibt es ab diesem Datum schon einen Fördersatz dieser Art."
                ),
            ),
            models.UniqueConstraint(
                fields=["programme", "kind", "block", "valid_from", "scenario"],
                condition=Q(scenario__isnull=False),
                name="funding_rate_scenario_valid_from_unique",
                violation_error_message=_(
                    "In diesem Szenario gibt es ab diesem Datum schon einen Fördersatz dieser Art."
                ),
            ),
            models.CheckConstraint(
                name="funding_rate_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ab {self.valid_from:%d.%m.%Y}: {de_money(self.amount)}"

    def get_absolute_url(self):
        return reverse("funding:fundingrate_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, role, organisation_id):
        """Programme-wide rates are public; a recipient's own and its scenarios' are not."""
        return (
            Q(recipient__isnull=True, scenario__isnull=True)
            | Q(recipient_id=organisation_id)
            | Q(scenario__recipient_id=organisation_id)
        )

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        """Only admins change programme-wide rates; a recipient changes its own."""
        if role in (Role.CARRIER, Role.TOWN, Role.COUNCIL):
            return None
        return Q(recipient_id=organisation_id) | Q(scenario__recipient_id=organisation_id)

    def clean(self):
        errors = {}
        if self.block_id and self.programme_id and self.block.programme_id != self.programme_id:
            errors["block"] = _("Der Baustein gehört zu einem anderen Förderprogramm.")
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            errors["scenario"] = _("Das Szenario gehört zu einem anderen Empfänger.")
        if errors:
            raise ValidationError(errors)


class GrantNotice(VersionedModel, RecipientScopedModel):
    """A grant notice (Zuwendungs- or Bewilligungsbescheid): FTE per block approved for a
    period, in dated versions (issue 15).

    The original notice and a follow-up notice (Anschlussbescheid) stand on their own; an
    amendment (Änderungsbescheid) names the notice it amends (``amends``), takes effect on
    ``effective_from`` and lists only the blocks it changes: it replaces them, it is never
    added to them (``funding.rules.notice_in_force``).

    Seed 001: Leverkusen's notice of 15.02.2021, first until 31.12.2022 (later made permanent:
    a notice without an end).
    """

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="grant_notices",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("Förderprogramm"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(
        _("Art"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.ORIGINAL
    )
    amends = models.ForeignKey(
        "self",
        verbose_name=_("Bezieht sich auf Bescheid"),
        help_text=_(
            "Beim Änderungsbescheid der geänderte Bescheid, beim Anschlussbescheid der "
            "vorangehende."
        ),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
    )
    reference = models.CharField(_("Aktenzeichen"), max_length=100, blank=True)
    issued_on = DateField(_("Bescheid vom"))
    effective_from = DateField(
        _("Wirksam ab"),
        null=True,
        blank=True,
        help_text=_("Leer: ab Beginn des Bewilligungszeitraums."),
    )
    period_start = DateField(_("Bewilligungszeitraum von"))
    period_end = DateField(_("Bewilligungszeitraum bis"), null=True, blank=True)
    proof_due_on = DateField(
        _("Verwendungsnachweis fällig am"),
        null=True,
        blank=True,
        help_text=_(
            "Nur wenn der Bescheid eine andere Frist setzt; sie gilt für den Nachweis des "
            "Vorjahres (leer: 30.06. des Folgejahres, ANBest-G Nr. 7.1)."
        ),
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bewilligungsbescheid")
        verbose_name_plural = _("Bewilligungsbescheide")
        ordering = ["recipient", "period_start", "effective_from", "issued_on", "pk"]
        constraints = [
            period_constraint("grant_notice_period", "period_start", "period_end"),
            models.CheckConstraint(
                name="grant_notice_amendment_names_notice",
                condition=~Q(kind=NoticeKind.AMENDMENT) | Q(amends__isnull=False),
                violation_error_message=_(
                    "Ein Änderungsbescheid muss den Bescheid nennen, den er ändert."
                ),
            ),
        ]

    def __str__(self):
        # The original keeps its short name (pages, API and reports show it so).
        label = _("Bescheid") if self.kind == NoticeKind.ORIGINAL else NoticeKind(self.kind).label
        return f"{label} vom {self.issued_on:%d.%m.%Y} ({self.recipient})"

    def get_absolute_url(self):
        return reverse("funding:grantnotice_detail", args=[self.pk])

    @property
    def takes_effect(self):
        """The day this version takes effect: its own date, else the start of its period."""
        return self.effective_from or self.period_start

    def clean(self):
        errors = period_error(self.period_start, self.period_end, "period_end")
        errors.update(self._amends_errors())
        if errors:
            raise ValidationError(errors)
        if self.effective_from is None and self.kind != NoticeKind.AMENDMENT:
            self.effective_from = self.period_start

    def _amends_errors(self) -> dict:
        """The rules of the link between versions (issue 15), each at its field."""
        amended = self.amends if self.amends_id else None
        if self.kind == NoticeKind.ORIGINAL:
            if amended is not None:
                return {"amends": _("Ein Zuwendungsbescheid bezieht sich auf keinen anderen.")}
            return {}
        if self.kind == NoticeKind.AMENDMENT and amended is None:
            return {"amends": _("Ein Änderungsbescheid muss den Bescheid nennen, den er ändert.")}
        if amended is None:
            return {}
        if self.pk and amended.pk == self.pk:
            return {"amends": _("Ein Bescheid kann sich nicht auf sich selbst beziehen.")}
        if amended.recipient_id != self.recipient_id or amended.programme_id != self.programme_id:
            return {
                "amends": _(
                    "Der Bescheid gehört zu einem anderen Zuwendungsempfänger oder Förderprogramm."
                )
            }
        if self.kind != NoticeKind.AMENDMENT:
            return {}
        if amended.kind == NoticeKind.AMENDMENT:
            return {
                "amends": _(
                    "Ein Änderungsbescheid ändert den ursprünglichen Bescheid oder den "
                    "Anschlussbescheid, nicht eine andere Änderung."
                )
            }
        if self.effective_from is None:
            return {"effective_from": _("Bitte angeben, ab wann die Änderung wirkt.")}
        if self.effective_from < amended.period_start or (
            amended.period_end is not None and self.effective_from > amended.period_end
        ):
            return {
                "effective_from": _(
                    "Die Änderung muss im Bewilligungszeitraum des geänderten Bescheids "
                    "wirksam werden (%(period)s)."
                )
                % {"period": amended.period_label}
            }
        if self.period_start and self.effective_from < self.period_start:
            # The engine finds an amendment by its period; one in force before it would be lost.
            return {
                "effective_from": _(
                    "Die Änderung kann nicht vor Beginn ihres eigenen Bewilligungszeitraums "
                    "wirksam werden."
                )
            }
        return {}

    @property
    def period_label(self) -> str:
        end = f"{self.period_end:%d.%m.%Y}" if self.period_end else _("unbefristet")
        return f"{self.period_start:%d.%m.%Y} – {end}"


class GrantNoticeBlock(RecipientScopedModel):
    """What a notice approves for one block: FTE and, where set, a yearly maximum.

    Seed 001: block 1 at most 160,000 EUR a year for coordination and assistance.
    """

    notice = models.ForeignKey(
        GrantNotice, verbose_name=_("Bescheid"), on_delete=models.CASCADE, related_name="blocks"
    )
    block = models.ForeignKey(
        BuildingBlock, verbose_name=_("Baustein"), on_delete=models.PROTECT, related_name="+"
    )
    approved_fte = models.DecimalField(_("Bewilligte Stellen (VZ)"), **FTE)
    max_personnel_funding = models.DecimalField(
        _("Höchstbetrag Personal je Jahr (€)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[validate_non_negative],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bewilligung je Baustein")
        verbose_name_plural = _("Bewilligungen je Baustein")
        ordering = ["notice", "block__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "block"],
                name="grant_notice_block_unique",
                violation_error_message=_("Dieser Baustein ist im Bescheid schon aufgeführt."),
            ),
            models.CheckConstraint(
                name="grant_notice_block_fte_not_negative",
                condition=Q(approved_fte__gte=0),
                violation_error_message=_("Die Stellenzahl darf nicht negativ sein."),
            ),
        ]

    def __str__(self):
        return f"{self.block}: {de_fte(self.approved_fte)} VZ"

    recipient_path = "notice__recipient"


class ProgrammeCost(VersionedModel, RecipientScopedModel):
    """A cost of the programme not bound to a position: events, measures, external support.

    Seed 001: 49,000 EUR a year for events, measures and external process support (block 1).
    """

    scenario_path = "scenario"

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="programme_costs",
    )
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="programme_costs",
    )
    block = models.ForeignKey(
        BuildingBlock, verbose_name=_("Baustein"), on_delete=models.PROTECT, related_name="+"
    )
    year = YearField(_("Jahr"))
    category = models.CharField(_("Art"), max_length=30, choices=ProgrammeCostCategory.choices)
    status = models.CharField(_("Stand"), max_length=10, choices=CostStatus.choices)
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    budget_product = models.CharField(_("Produkt"), max_length=50, blank=True)
    ledger_account = models.CharField(_("Sachkonto"), max_length=50, blank=True)
    description = models.CharField(_("Beschreibung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Programmkosten")
        verbose_name_plural = _("Programmkosten")
        ordering = ["recipient", "year", "block"]
        constraints = [
            models.CheckConstraint(
                name="programme_cost_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.year}: {de_money(self.amount)}"

    def get_absolute_url(self):
        return reverse("funding:programmecost_detail", args=[self.pk])

    def clean(self):
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            raise ValidationError(
                {"scenario": _("Das Szenario gehört zu einem anderen Empfänger.")}
            )


class RevenueAccount(VersionedModel, RecipientScopedModel):
    """Where a recipient books the grant revenue (seed 001: 414101 personnel, 414100 material)."""

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="revenue_accounts",
    )
    category = models.CharField(_("Ertragsart"), max_length=20, choices=RevenueCategory.choices)
    budget_product = models.CharField(_("Produkt"), max_length=50, blank=True)
    ledger_account = models.CharField(_("Sachkonto"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Ertragskonto")
        verbose_name_plural = _("Ertragskonten")
        ordering = ["recipient", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "category"],
                name="revenue_account_unique",
                violation_error_message=_("Für diese Ertragsart ist schon ein Konto hinterlegt."),
            )
        ]

    def __str__(self):
        return f"{self.ledger_account} ({self.get_category_display()})"

    def get_absolute_url(self):
        return reverse("funding:revenueaccount_detail", args=[self.pk])


class YearClosing(VersionedModel, RecipientScopedModel):
    """A recipient's year is closed (Jahresabschluss): its actual costs are final.

    The cost engine takes actual figures only for closed years; an open year is computed from
    the latest approved forecast, else the plan (a half-year's actual payments would understate
    the year). The settlement between towns is made for closed years only.
    """

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="year_closings",
    )
    year = YearField(_("Jahr"))
    closed_on = DateField(_("Abgeschlossen am"))
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Jahresabschluss")
        verbose_name_plural = _("Jahresabschlüsse")
        ordering = ["recipient", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "year"],
                name="year_closing_unique",
                violation_error_message=_("Dieses Jahr ist schon abgeschlossen."),
            )
        ]

    def __str__(self):
        return f"{self.recipient} {self.year}"

    def get_absolute_url(self):
        return reverse("funding:yearclosing_detail", args=[self.pk])

    def clean(self):
        if self.recipient_id and not self.recipient.is_recipient_kind:
            raise ValidationError(
                {"recipient": _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")}
            )


# --- Pay rises -------------------------------------------------------------------------------

PERCENT_CHANGE = {"max_digits": 7, "decimal_places": 3}


def validate_pay_change(value):
    if value is not None and value < -100:
        raise ValidationError(
            _("Eine Tarifänderung unter −100 %% ist nicht möglich (eingegeben: %(value)s %%).")
            % {"value": str(value).replace(".", ",")}
        )


class PayRise(VersionedModel, ScopedModel):
    """A rise of the public pay scales (TVöD) from a date, for the whole programme.

    DOMAIN (public sources): +3.0 % from 01.04.2025, +2.8 % from 01.05.2026; a rise takes
    effect on a date, not only on 1 January. A year without entered cost figures carries the
    position's last known cost forward with these rises (``funding.projections.rules``); a
    projection may replace them with its own. Reference data: everybody reads it, only
    administrators change it (in the Django admin).
    """

    effective_from = DateField(_("Wirksam ab"), unique=True)
    percent = models.DecimalField(
        _("Änderung (%)"), **PERCENT_CHANGE, validators=[validate_pay_change]
    )
    note = models.CharField(_("Anmerkung"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Tariferhöhung")
        verbose_name_plural = _("Tariferhöhungen")
        ordering = ["effective_from"]

    def __str__(self):
        return f"{str(self.percent).replace('.', ',')} % ab {self.effective_from:%d.%m.%Y}"

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        """Programme-wide: only administrators change the pay rises (they see every row)."""
        return None


class ApplicationDueDate(VersionedModel, ScopedModel):
    """The day the application (Förderantrag) for a funding year is due at the district
    government (Bezirksregierung Arnsberg). Issue 15 / DOMAIN: due by a date set per year;
    30 October of the year before has been used, and applies where no date is stored
    (``funding.rules.application_due_date``). Reference data: everybody reads it, only
    administrators change it (in the Django admin)."""

    year = YearField(_("Förderjahr"), unique=True)
    due_on = DateField(_("Antrag fällig am"))
    note = models.CharField(_("Anmerkung"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Antragsfrist")
        verbose_name_plural = _("Antragsfristen")
        ordering = ["year"]

    def __str__(self):
        return f"Förderantrag {self.year}: fällig am {self.due_on:%d.%m.%Y}"

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        """Programme-wide: only administrators change the due dates (they see every row)."""
        return None

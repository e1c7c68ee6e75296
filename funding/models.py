import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import (
    SUBMITTED_BY_RECIPIENT,
    CostStatus,
    DeadlineKind,
    FundingKind,
    NoticeKind,
    ProgrammeCostCategory,
    RevenueCategory,
    ScenarioStepKind,
)
from kim_admin.fields import DateField, YearField
from kim_admin.formatting import de_fte, de_money
from kim_admin.roles import PLANNING_ROLES, Role
from kim_admin.scoping import RecipientScopedModel, ScopedModel
from kim_admin.validators import (
    NOT_NEGATIVE,
    period_constraint,
    period_error,
    validate_fte,
    validate_non_negative,
)
from kim_admin.versioning import VersionedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
FTE = {"max_digits": 6, "decimal_places": 3}


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


class Scenario(VersionedModel, RecipientScopedModel):
    """A named copy of a recipient's plan; rows with ``scenario=None`` are the real plan.

    Positions, programme costs, forwarding agreements, cost splits and rate overrides carry a
    ``scenario`` key, so a scenario holds its own version of all of them and the cost engine
    computes either the same way (the scenarios issue adds the editing tools).
    """

    @classmethod
    def scope_q(cls, role, organisation_id):
        """A recipient's scenarios are its confidential planning: its finance and
        coordination users see them, carriers, towns and the council do not."""
        if role not in PLANNING_ROLES:
            return None
        return super().scope_q(role, organisation_id)

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=80)
    description = models.TextField(_("Beschreibung"), blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    copied_at = models.DateTimeField(
        _("Stand des Plans"),
        null=True,
        blank=True,
        help_text=_(
            "Wann der echte Plan zuletzt kopiert wurde (beim Anlegen oder beim Neuaufsetzen)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Szenario")
        verbose_name_plural = _("Szenarien")
        ordering = ["recipient", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "slug"],
                name="scenario_slug_unique",
                violation_error_message=_("Dieses Kürzel ist beim Empfänger schon vergeben."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def plan_state_at(self):
        """When the real plan was copied into this scenario: its changes since then make the
        scenario stale (``funding.scenarios.selectors.plan_changes_since_copy``)."""
        return self.copied_at or self.created_at


# --- the steps of a scenario ------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_decimal(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_ref(value) -> bool:
    """A position of the scenario, named by its real position (``origin``, None for one made
    in the scenario) and its title (for the messages)."""
    return (
        isinstance(value, dict)
        and set(value) == {"origin", "title"}
        and (value["origin"] is None or _is_int(value["origin"]))
        and isinstance(value["title"], str)
    )


def _is_refs(value) -> bool:
    return isinstance(value, list) and all(_is_ref(v) for v in value)


def _optional(check):
    return lambda value: value is None or check(value)


# Per kind: each parameter with its check (a required key) ; names of organisations are kept
# for the messages only.
STEP_PARAMETERS = {
    ScenarioStepKind.MOVE_TO_RECIPIENT: {
        "carrier": _optional(_is_int),
        "positions": _optional(_is_refs),
        "department": _optional(lambda v: isinstance(v, str)),
    },
    ScenarioStepKind.CUT_BLOCK: {
        "block": _is_int,
        "n_positions": lambda v: _is_int(v) and v >= 0,
        "effective": _is_date,
        "keep": _optional(_is_refs),
    },
    ScenarioStepKind.LOWER_EXTRA_COST: {
        "carrier": _is_int,
        "percent": _optional(_is_decimal),
        "amount": _optional(_is_decimal),
    },
    ScenarioStepKind.TOWN_EMPLOYS_OWN: {"position": _is_ref, "town": _is_int},
    ScenarioStepKind.CHANGE_RATE: {
        "block": _is_int,
        "kind": lambda v: v in FundingKind.values,
        "amount": _is_decimal,
        "valid_from": _is_date,
    },
}
STEP_NAMES = ("carrier_name", "town_name")


def validate_step_parameters(kind: str, parameters) -> None:
    """The parameters of a step as its kind needs them to be replayed: every key of the
    kind, each of its type (ids as numbers, amounts as decimal strings, dates as ISO
    strings), nothing else but the names kept for the messages."""
    checks = STEP_PARAMETERS.get(kind)
    if checks is None:
        raise ValidationError({"kind": _("Unbekannte Art von Schritt.")})
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": _("Die Angaben des Schritts fehlen.")})
    missing = [name for name in checks if name not in parameters]
    unknown = [name for name in parameters if name not in checks and name not in STEP_NAMES]
    wrong = [
        name for name, check in checks.items() if name in parameters and not check(parameters[name])
    ]
    if missing or unknown or wrong:
        raise ValidationError(
            {
                "parameters": _("Ungültige Angaben für „%(kind)s“: %(names)s.")
                % {
                    "kind": ScenarioStepKind(kind).label,
                    "names": ", ".join(missing + unknown + wrong),
                }
            }
        )


class ScenarioStep(RecipientScopedModel):
    """A quick change made to a scenario, recorded by its service in the same transaction so
    that "Aus aktuellem Plan neu aufsetzen" can replay it on a fresh copy of the plan (issue
    14). Hand edits of a scenario's rows are no steps: their history names them."""

    recipient_path = "scenario__recipient"
    scenario_path = "scenario"

    @classmethod
    def scope_q(cls, role, organisation_id):
        """Like their scenario: the planning roles of its recipient only."""
        if role not in PLANNING_ROLES:
            return None
        return super().scope_q(role, organisation_id)

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("Szenario"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField(_("Reihenfolge"))
    kind = models.CharField(_("Art"), max_length=30, choices=ScenarioStepKind.choices)
    parameters = models.JSONField(_("Angaben"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Angelegt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Szenario-Schritt")
        verbose_name_plural = _("Szenario-Schritte")
        ordering = ["scenario", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "order"],
                name="scenario_step_order_unique",
                violation_error_message=_("Diesen Schritt gibt es im Szenario schon."),
            )
        ]

    def __str__(self):
        return f"{self.scenario} – {self.order}. {self.get_kind_display()}"

    def clean(self):
        super().clean()
        validate_step_parameters(self.kind, self.parameters)


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


# --- Projections ------------------------------------------------------------------------------

PROJECTION_MAX_YEARS = 20


class Projection(VersionedModel, RecipientScopedModel):
    """Assumptions that carry the real plan or a scenario forward over several years: pay rises
    from a date, rate changes, positions ending or added, the programme's end. The figures
    are computed on demand (``funding.projections.rules``); nothing of the plan is changed."""

    scenario_path = "scenario"

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="projections",
    )
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="projections",
        help_text=_("Leer: der echte Plan wird fortgeschrieben."),
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    base_year = YearField(
        _("Ausgangsjahr"),
        help_text=_("Seine Kosten je Stelle sind die Grundlage; es selbst bleibt wie geplant."),
    )
    last_year = YearField(_("Fortschreiben bis"))
    programme_end_year = YearField(
        _("Landesförderung endet ab"),
        null=True,
        blank=True,
        help_text=_("Ab diesem Jahr zahlt das Land nichts mehr: alles wird Eigenanteil."),
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Fortschreibung")
        verbose_name_plural = _("Fortschreibungen")
        ordering = ["recipient", "name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("funding:projection_detail", args=[self.pk])

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.last_year + 1))

    def clean(self):
        errors = {}
        if self.recipient_id and not self.recipient.is_recipient_kind:
            errors["recipient"] = _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            errors["scenario"] = _("Das Szenario gehört zu einem anderen Empfänger.")
        if self.base_year and self.last_year:
            if self.last_year <= self.base_year:
                errors["last_year"] = _(
                    "Das letzte Jahr (%(last)s) muss nach dem Ausgangsjahr (%(base)s) liegen."
                ) % {"last": self.last_year, "base": self.base_year}
            elif self.last_year - self.base_year > PROJECTION_MAX_YEARS:
                errors["last_year"] = _(
                    "Bitte höchstens %(n)s Jahre über das Ausgangsjahr hinaus fortschreiben."
                ) % {"n": PROJECTION_MAX_YEARS}
            end = self.programme_end_year
            if end is not None and not self.base_year < end <= self.last_year:
                errors["programme_end_year"] = _(
                    "Das Ende der Förderung muss nach dem Ausgangsjahr und spätestens im Jahr "
                    "%(last)s liegen."
                ) % {"last": self.last_year}
        if errors:
            raise ValidationError(errors)

    def after_base_year(self, on, field: str) -> dict:
        """The error for a date of an assumption that is not after the base year."""
        if on is not None and self.base_year and on.year <= self.base_year:
            return {
                field: _("Das Datum muss nach dem Ausgangsjahr %(year)s liegen.")
                % {"year": self.base_year}
            }
        return {}


class ProjectionRow(RecipientScopedModel):
    """A row of a projection's assumptions; the projection's version guards it."""

    scenario_path = "projection__scenario"

    recipient_path = "projection__recipient"

    class Meta:
        abstract = True

    def parent(self) -> Projection | None:
        """The projection, also while both are validated before the first save."""
        try:
            return self.projection
        except Projection.DoesNotExist:
            return None


class ProjectionPayRise(ProjectionRow):
    projection = models.ForeignKey(
        Projection,
        on_delete=models.CASCADE,
        related_name="pay_rises",
        verbose_name=_("Fortschreibung"),
    )
    effective_from = DateField(_("Wirksam ab"))
    percent = models.DecimalField(
        _("Änderung (%)"), **PERCENT_CHANGE, validators=[validate_pay_change]
    )
    note = models.CharField(_("Anmerkung"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Tarifänderung")
        verbose_name_plural = _("Tarifänderungen")
        ordering = ["effective_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["projection", "effective_from"],
                name="projection_pay_rise_unique_date",
                violation_error_message=_(
                    "An diesem Tag ist schon eine Tarifänderung eingetragen."
                ),
            )
        ]

    def __str__(self):
        return f"{str(self.percent).replace('.', ',')} % ab {self.effective_from:%d.%m.%Y}"


class ProjectionRateChange(ProjectionRow):
    projection = models.ForeignKey(
        Projection,
        on_delete=models.CASCADE,
        related_name="rate_changes",
        verbose_name=_("Fortschreibung"),
    )
    block = models.ForeignKey(
        BuildingBlock, verbose_name=_("Baustein"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("Art"), max_length=30, choices=FundingKind.choices)
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    valid_from = DateField(_("Gültig ab"))
    capped_at_cost = models.BooleanField(_("Höchstens die Kosten"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Änderung eines Fördersatzes")
        verbose_name_plural = _("Änderungen der Fördersätze")
        ordering = ["valid_from", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {de_money(self.amount)} ab {self.valid_from:%d.%m.%Y}"

    def clean(self):
        if projection := self.parent():
            errors = projection.after_base_year(self.valid_from, "valid_from")
            if errors:
                raise ValidationError(errors)


class PositionChangeAction(models.TextChoices):
    END = "end", _("Stelle endet")
    ADD = "add", _("Neue Stelle wie")


class ProjectionPositionChange(ProjectionRow):
    projection = models.ForeignKey(
        Projection,
        on_delete=models.CASCADE,
        related_name="position_changes",
        verbose_name=_("Fortschreibung"),
    )
    action = models.CharField(_("Änderung"), max_length=10, choices=PositionChangeAction.choices)
    position = models.ForeignKey(
        "staffing.Position",
        verbose_name=_("Stelle"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Die endende Stelle bzw. die Vorlage der neuen Stelle."),
    )
    on = DateField(
        _("Datum"), help_text=_("Letzter Tag der endenden Stelle bzw. Beginn der neuen.")
    )
    fte = models.DecimalField(
        _("Stellenanteil (VZ)"),
        **FTE,
        null=True,
        blank=True,
        validators=[validate_fte],
        help_text=_("Nur für neue Stellen; leer: wie die Vorlage."),
    )
    title = models.CharField(_("Bezeichnung der neuen Stelle"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Stellenänderung")
        verbose_name_plural = _("Stellenänderungen")
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.position} ({self.on:%d.%m.%Y})"

    def clean(self):
        errors = {}
        if projection := self.parent():
            errors |= projection.after_base_year(self.on, "on")
            if self.position_id and (
                self.position.recipient_id != projection.recipient_id
                or self.position.scenario_id != projection.scenario_id
            ):
                errors["position"] = _(
                    "Die Stelle gehört nicht zum fortgeschriebenen Plan bzw. Szenario."
                )
        if self.action == PositionChangeAction.END and self.fte is not None:
            errors["fte"] = _("Eine endende Stelle hat keinen neuen Stellenanteil.")
        if errors:
            raise ValidationError(errors)


# --- Funds calls and the proof of use (issue 15) ----------------------------------------------


class BaseRate(VersionedModel, ScopedModel):
    """The base rate (Basiszinssatz, § 247 BGB) from a date, as the Deutsche Bundesbank
    publishes it every 1 January and 1 July. Interest on funds left idle or refunded is
    5 percentage points above it a year (§ 49a (3), (4) VwVfG NRW; ``funding.rules``).
    Reference data: everybody reads it, only administrators change it (in the Django admin).
    """

    valid_from = DateField(_("Gültig ab"), unique=True)
    percent = models.DecimalField(_("Basiszinssatz (%)"), max_digits=6, decimal_places=2)
    source = models.CharField(_("Quelle"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Basiszinssatz")
        verbose_name_plural = _("Basiszinssätze")
        ordering = ["valid_from"]

    def __str__(self):
        return f"{str(self.percent).replace('.', ',')} % ab {self.valid_from:%d.%m.%Y}"

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        """Programme-wide: only administrators change the base rates (they see every row)."""
        return None


class FundsScopedModel(VersionedModel, RecipientScopedModel):
    """The recipient's dealings with the funder (funds calls, payments, the proof of use): its
    finance and coordination users see and write them; carriers, towns and the council not."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role not in PLANNING_ROLES:
            return None
        return super().scope_q(role, organisation_id)


class FundsCall(FundsScopedModel):
    """A funds call (Mittelabruf) under a grant notice: the amount the recipient asks the
    funder to pay for a period (DOMAIN: the need of the next two months). What is called must
    be spent within about two months; the call may not exceed the amount the notice approves
    for the year (``funding.funds.services.save_funds_call``)."""

    recipient_path = "notice__recipient"

    notice = models.ForeignKey(
        GrantNotice,
        verbose_name=_("Bescheid"),
        on_delete=models.PROTECT,
        related_name="funds_calls",
    )
    called_on = DateField(_("Abgerufen am"))
    period_start = DateField(_("Bedarfszeitraum von"))
    period_end = DateField(_("Bedarfszeitraum bis"))
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    reference = models.CharField(_("Aktenzeichen / Zeichen"), max_length=100, blank=True)
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mittelabruf")
        verbose_name_plural = _("Mittelabrufe")
        ordering = ["notice", "called_on", "pk"]
        constraints = [
            period_constraint("funds_call_period", "period_start", "period_end"),
            models.CheckConstraint(
                name="funds_call_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("Der abgerufene Betrag muss größer als 0 sein."),
            ),
        ]

    def __str__(self):
        return f"Mittelabruf vom {self.called_on:%d.%m.%Y}: {de_money(self.amount)}"

    def get_absolute_url(self):
        return reverse("funding:fundscall_detail", args=[self.pk])

    def clean(self):
        errors = period_error(self.period_start, self.period_end, "period_end")
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("Der abgerufene Betrag muss größer als 0 sein.")
        start, end = self.period_start, self.period_end
        if start and end and not errors and start.year != end.year:
            errors["period_end"] = _(
                "Ein Mittelabruf gilt für Monate eines Jahres (Bewilligungszeitraum: das "
                "Kalenderjahr); bitte je Jahr einen Abruf anlegen."
            )
        if self.notice_id and start and end and not errors:
            notice = self.notice
            if start < notice.period_start or (
                notice.period_end is not None and end > notice.period_end
            ):
                errors["period_start"] = _(
                    "Der Bedarfszeitraum liegt außerhalb des Bewilligungszeitraums des "
                    "Bescheids (%(period)s)."
                ) % {"period": notice_period_text(notice)}
        if errors:
            raise ValidationError(errors)


def notice_period_text(notice: GrantNotice) -> str:
    end = f"{notice.period_end:%d.%m.%Y}" if notice.period_end else "unbefristet"
    return f"{notice.period_start:%d.%m.%Y} – {end}"


class FundsPayment(FundsScopedModel):
    """A payment received from the funder on a funds call (Zahlungseingang)."""

    recipient_path = "call__notice__recipient"

    call = models.ForeignKey(
        FundsCall,
        verbose_name=_("Mittelabruf"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    received_on = DateField(_("Eingegangen am"))
    amount = models.DecimalField(_("Betrag (€)"), **MONEY, validators=[validate_non_negative])
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Zahlungseingang")
        verbose_name_plural = _("Zahlungseingänge")
        ordering = ["call", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="funds_payment_amount_positive",
                condition=Q(amount__gt=0),
                violation_error_message=_("Der eingegangene Betrag muss größer als 0 sein."),
            ),
        ]

    def __str__(self):
        return f"Zahlung vom {self.received_on:%d.%m.%Y}: {de_money(self.amount)}"

    def get_absolute_url(self):
        return reverse("funding:fundspayment_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("Der eingegangene Betrag muss größer als 0 sein.")
        if self.call_id and self.received_on and self.received_on < self.call.called_on:
            errors["received_on"] = _(
                "Die Zahlung kann nicht vor dem Mittelabruf eingegangen sein (Abruf vom %(date)s)."
            ) % {"date": f"{self.call.called_on:%d.%m.%Y}"}
        if self.call_id and self.amount is not None and "amount" not in errors:
            others = (
                FundsPayment.objects.filter(call_id=self.call_id)
                .exclude(pk=self.pk)
                .aggregate(total=models.Sum("amount"))["total"]
                or 0
            )
            if others + self.amount > self.call.amount:
                errors["amount"] = _(
                    "Die Zahlungen wären höher als der Abruf: abgerufen %(called)s, schon "
                    "eingegangen %(received)s, höchstens noch %(left)s."
                ) % {
                    "called": de_money(self.call.amount),
                    "received": de_money(others),
                    "left": de_money(max(self.call.amount - others, 0)),
                }
        if errors:
            raise ValidationError(errors)


class ProofOfUse(FundsScopedModel):
    """The proof of use (Verwendungsnachweis) of a recipient's closed year: the numeric proof
    is computed from the engine and the payments (``funding.proofs.selectors``); what is
    stored is the factual report (Sachbericht), drafted from the data and edited by the
    coordinator."""

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="proofs_of_use",
    )
    year = YearField(_("Jahr"))
    factual_report = models.TextField(_("Sachbericht"), blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Verwendungsnachweis")
        verbose_name_plural = _("Verwendungsnachweise")
        ordering = ["recipient", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "year"],
                name="proof_of_use_unique",
                violation_error_message=_(
                    "Für dieses Jahr gibt es schon einen Verwendungsnachweis."
                ),
            )
        ]

    def __str__(self):
        return f"Verwendungsnachweis {self.year} ({self.recipient})"

    def get_absolute_url(self):
        return reverse("funding:proofofuse_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.recipient_id and not self.recipient.is_recipient_kind:
            errors["recipient"] = _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        elif self.recipient_id and self.year and not year_is_closed(self.recipient_id, self.year):
            errors["year"] = open_year_message(self.year)
        if errors:
            raise ValidationError(errors)


def year_is_closed(recipient_id: int, year: int) -> bool:
    return YearClosing.objects.filter(recipient_id=recipient_id, year=year).exists()


def open_year_message(year: int) -> str:
    return _(
        "Das Jahr %(year)s ist noch nicht abgeschlossen: ein Verwendungsnachweis wird erst "
        "nach dem Jahresabschluss erstellt (Förderung → Jahresabschlüsse)."
    ) % {"year": year}


# --- Deadlines (issue 15) ---------------------------------------------------------------------


class DeadlineSubmission(FundsScopedModel):
    """The recipient's note that it has submitted its application or its proof of use of a
    year to the funder (eingereicht am): this ends the deadline
    (``funding.deadlines.selectors``). Finance and coordination record it; the audit history
    says who and when."""

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="deadline_submissions",
    )
    kind = models.CharField(_("Art"), max_length=20, choices=DeadlineKind.choices)
    year = YearField(_("Jahr"))
    submitted_on = DateField(_("Eingereicht am"))
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Einreichung")
        verbose_name_plural = _("Einreichungen")
        ordering = ["recipient", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "year"],
                name="deadline_submission_unique",
                violation_error_message=_("Diese Einreichung ist schon vermerkt."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year}: eingereicht am {self.submitted_on:%d.%m.%Y}"

    def clean(self):
        errors = {}
        if self.kind and self.kind not in SUBMITTED_BY_RECIPIENT:
            errors["kind"] = _(
                "Als eingereicht vermerkt werden nur der Förderantrag und der Verwendungsnachweis."
            )
        if self.recipient_id and not self.recipient.is_recipient_kind:
            errors["recipient"] = _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        if self.submitted_on and self.submitted_on > timezone.localdate():
            errors["submitted_on"] = _(
                "Das Datum der Einreichung darf nicht in der Zukunft liegen."
            )
        if (
            not errors
            and self.kind == DeadlineKind.PROOF_OF_USE
            and self.recipient_id
            and self.year
            and not ProofOfUse.objects.filter(
                recipient_id=self.recipient_id, year=self.year
            ).exists()
        ):
            errors["year"] = _(
                "Für %(year)s gibt es noch keinen Verwendungsnachweis: bitte ihn zuerst anlegen "
                "(Förderung → Verwendungsnachweise)."
            ) % {"year": self.year}
        if errors:
            raise ValidationError(errors)


class DeadlineReminder(FundsScopedModel):
    """A reminder mail sent for a deadline at one threshold (14 days before, on the day,
    overdue): recorded so that every run of ``send_deadline_reminders`` sends each at most
    once."""

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="deadline_reminders",
    )
    key = models.CharField(_("Frist"), max_length=100)
    threshold = models.CharField(_("Anlass"), max_length=10)
    due_on = DateField(_("Fällig am"))
    sent_on = DateField(_("Gesendet am"))
    sent_to = models.TextField(_("Empfänger"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Fristerinnerung")
        verbose_name_plural = _("Fristerinnerungen")
        ordering = ["-sent_on", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "threshold"], name="deadline_reminder_once_per_threshold"
            )
        ]

    def __str__(self):
        return f"{self.key} ({self.threshold}) am {self.sent_on:%d.%m.%Y}"

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Left, Length, Replace, StrIndex
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from carriers.models.core import circle_error, town_of_recipient_error
from funding.choices import POSITION_KINDS, CostStatus, FundingKind, OrganisationKind
from kim_admin.fields import DateField, YearField
from kim_admin.formatting import de_fte
from kim_admin.roles import Role
from kim_admin.scoping import RecipientScopedModel, ScopedModel
from kim_admin.validators import (
    FTE_RANGE,
    NOT_NEGATIVE,
    PERCENT_RANGE,
    period_constraint,
    period_error,
    validate_fte,
    validate_non_negative,
    validate_percent,
)
from kim_admin.versioning import VersionedModel
from staffing import rules

MONEY = {"max_digits": 14, "decimal_places": 2}
FTE = {"max_digits": 4, "decimal_places": 3}
PERCENT = {"max_digits": 7, "decimal_places": 4}


def pay_grade_order(code: str = "code", descending: bool = False) -> list:
    """Natural order of pay grade codes (E 8, E 9a, E 9b, E 11, E 12, S 8b, S 12) as database
    expressions: by the scale's letters before the space, then by the length of the code
    without its lower-case suffix (one digit before two), then by the code itself. Text order
    would put E 11 before E 8."""
    number_length = Length(Replace(Replace(Replace(F(code), Value("a")), Value("b")), Value("c")))
    scale = Left(F(code), StrIndex(F(code), Value(" ")))
    keys = [scale, number_length, F(code)]
    return [key.desc() if descending else key.asc() for key in keys]


class PayGrade(ScopedModel):
    """A pay grade of the public pay scales, e.g. S 12 (SuE), E 9b, E 11 (TVöD)."""

    code = models.CharField(_("Entgeltgruppe"), max_length=20, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Entgeltgruppe")
        verbose_name_plural = _("Entgeltgruppen")
        ordering = pay_grade_order()

    def __str__(self):
        return self.code


class PayGradeCost(VersionedModel, ScopedModel):
    """Average employer gross cost of one full-time post in a pay grade and year.

    As position-budgeting suites cost a vacancy with a reference person: where no cost is
    entered for a position, its plan cost is this × FTE × filled months / 12.
    """

    pay_grade = models.ForeignKey(
        PayGrade, verbose_name=_("Entgeltgruppe"), on_delete=models.CASCADE, related_name="costs"
    )
    year = YearField(_("Jahr"))
    employer_gross_per_fte = models.DecimalField(
        _("Arbeitgeberbrutto je Vollzeitstelle (€)"), **MONEY, validators=[validate_non_negative]
    )
    source = models.CharField(_("Quelle"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Personalkostensatz")
        verbose_name_plural = _("Personalkostensätze")
        ordering = ["pay_grade", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["pay_grade", "year"],
                name="pay_grade_cost_unique",
                violation_error_message=_(
                    "Für diese Entgeltgruppe und dieses Jahr gibt es schon einen Satz."
                ),
            ),
            models.CheckConstraint(
                name="pay_grade_cost_not_negative",
                condition=Q(employer_gross_per_fte__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.pay_grade} {self.year}"


class UnitKind(models.TextChoices):
    """What an organisational unit of a recipient is (the KI carries the programme; the
    others take part in its case management)."""

    INTEGRATION_CENTRE = "integration_centre", _("Kommunales Integrationszentrum")
    FOREIGNERS_AUTHORITY = "foreigners_authority", _("Ausländerbehörde")
    JOBCENTRE = "jobcentre", _("Jobcenter/Sozialamt")
    OTHER = "other", _("Sonstige Organisationseinheit")


class OrganisationalUnit(VersionedModel, RecipientScopedModel):
    """A unit of a recipient's own administration, e.g. its Kommunales Integrationszentrum,
    where the recipient's own positions sit (``Position.unit``)."""

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    kind = models.CharField(
        _("Art"), max_length=30, choices=UnitKind.choices, default=UnitKind.INTEGRATION_CENTRE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        ordering = ["recipient", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "name"],
                name="organisational_unit_unique",
                violation_error_message=_(
                    "Eine Organisationseinheit mit diesem Namen gibt es beim Empfänger schon."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("staffing:organisationalunit_detail", args=[self.pk])

    def clean(self):
        if self.recipient_id and self.recipient.kind not in (
            OrganisationKind.COUNTY,
            OrganisationKind.COUNTY_FREE_CITY,
        ):
            raise ValidationError(
                {"recipient": _("Organisationseinheiten haben Kreise und kreisfreie Städte.")}
            )


class Position(VersionedModel, ScopedModel):
    """A funded position (Stelle) of a recipient's plan, in one building block.

    The employer is the recipient itself (``unit`` names its organisational unit, e.g. the
    KI; ``department`` is the free text of the Excel import and of older records), a partner
    town or a welfare carrier. ``scenario`` is empty for the real plan.
    """

    scenario_path = "scenario"

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="funded_positions",
    )
    scenario = models.ForeignKey(
        "funding.Scenario",
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="positions",
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("Ursprüngliche Stelle"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scenario_copies",
        help_text=_("Bei Szenarien: die Stelle des echten Plans, aus der diese kopiert wurde."),
    )
    block = models.ForeignKey(
        "funding.BuildingBlock",
        verbose_name=_("Baustein"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    funding_kind = models.CharField(
        _("Förderart"),
        max_length=30,
        choices=[(k.value, k.label) for k in POSITION_KINDS],
    )
    title = models.CharField(_("Bezeichnung"), max_length=200)
    fte = models.DecimalField(_("Stellenanteil (VZ)"), **FTE, validators=[validate_fte])
    employer = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Anstellungsträger"),
        on_delete=models.PROTECT,
        related_name="employed_positions",
    )
    unit = models.ForeignKey(
        OrganisationalUnit,
        verbose_name=_("Organisationseinheit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        help_text=_("Bei eigenen Stellen des Empfängers: die Einheit, z. B. das KI."),
    )
    department = models.CharField(
        _("Abteilung (Freitext)"),
        max_length=200,
        blank=True,
        help_text=_("Freitext, z. B. der Fachbereich einer Kommune oder aus dem Excel-Import."),
    )
    pay_grade = models.ForeignKey(
        PayGrade,
        verbose_name=_("Entgeltgruppe"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
    )
    budget_product = models.CharField(_("Produkt"), max_length=50, blank=True)
    ledger_account = models.CharField(_("Sachkonto"), max_length=50, blank=True)
    cost_centre = models.CharField(_("Kostenstelle"), max_length=50, blank=True)
    planned_start = DateField(_("Geplanter Beginn"))
    end_date = DateField(_("Ende der Stelle"), null=True, blank=True)
    notes = models.TextField(_("Anmerkungen"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Stelle")
        verbose_name_plural = _("Stellen")
        ordering = ["recipient", "block__number", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                name="position_fte_range",
                condition=Q(fte__gt=0, fte__lte=1),
                violation_error_message=FTE_RANGE,
            ),
            period_constraint("position_period", "planned_start", "end_date"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("staffing:position_detail", args=[self.pk])

    def active_in(self, year: int) -> bool:
        """The position exists at some point of the year."""
        return self.planned_start <= date(year, 12, 31) and (
            self.end_date is None or self.end_date >= date(year, 1, 1)
        )

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return Q(employer_id=organisation_id)
        if role == Role.TOWN:
            served = Exists(
                PositionTown.objects.filter(position=OuterRef("pk"), town_id=organisation_id)
            )
            in_split = Exists(
                Position.cost_splits.through.objects.filter(
                    position_id=OuterRef("pk"),
                    costsplit__members__organisation_id=organisation_id,
                )
            )
            return Q(employer_id=organisation_id) | Q(served) | Q(in_split)
        return Q(recipient_id=organisation_id)

    def clean_fields(self, exclude=None):
        """The fields' own rules, and the employer: the recipient itself, one of its towns or
        a carrier that works for it (checked as a field, so the Excel import, which resolves
        employers within that circle itself, skips the query per row by excluding it)."""
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if (
            "employer" not in (exclude or ())
            and "employer" not in errors
            and self.employer_id
            and self.recipient_id
            and (message := circle_error(self.recipient, self.employer))
        ):
            errors["employer"] = [message]
        if errors:
            raise ValidationError(errors)

    def clean(self):
        errors = period_error(self.planned_start, self.end_date, "end_date")
        if self.funding_kind and self.funding_kind not in POSITION_KINDS:
            errors["funding_kind"] = _("Diese Förderart gilt nicht für Stellen.")
        if self.recipient_id and self.recipient.kind not in (
            OrganisationKind.COUNTY,
            OrganisationKind.COUNTY_FREE_CITY,
        ):
            errors["recipient"] = _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            errors["scenario"] = _("Das Szenario gehört zu einem anderen Empfänger.")
        if self.unit_id and self.recipient_id:
            if self.unit.recipient_id != self.recipient_id:
                errors["unit"] = _("Die Organisationseinheit gehört zu einem anderen Empfänger.")
            elif self.employer_id and self.employer_id != self.recipient_id:
                errors["unit"] = _(
                    "Eine Organisationseinheit haben nur die eigenen Stellen des Empfängers."
                )
        # Compare the occupancy only with a valid FTE (clean_fields reports an invalid one).
        if self.pk and self.fte is not None and 0 < self.fte <= 1:
            periods = self.occupancies.values_list("start", "end", "fte")
            message = rules.occupancy_above_fte_error(self.fte, periods)
            if message:
                errors["fte"] = message
        if errors:
            raise ValidationError(errors)

    @property
    def unit_label(self) -> str:
        """Where the position sits: its organisational unit, else the free-text department."""
        return self.unit.name if self.unit_id else self.department

    @property
    def is_forwarded_kind(self) -> bool:
        return self.funding_kind == FundingKind.CASE_MANAGEMENT


class PositionTown(ScopedModel):
    """A town the position serves, with its share (seed 002: 50 % Hückeswagen, 50 % Wipperfürth)."""

    scenario_path = "position__scenario"

    position = models.ForeignKey(
        Position, verbose_name=_("Stelle"), on_delete=models.CASCADE, related_name="served_towns"
    )
    town = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Kommune"),
        on_delete=models.PROTECT,
        related_name="served_by",
    )
    share = models.DecimalField(_("Anteil (%)"), **PERCENT, validators=[validate_percent])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Betreute Kommune")
        verbose_name_plural = _("Betreute Kommunen")
        ordering = ["position", "town__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "town"],
                name="position_town_unique",
                violation_error_message=_("Diese Kommune ist der Stelle schon zugeordnet."),
            ),
            models.CheckConstraint(
                name="position_town_share_percent",
                condition=Q(share__gt=0, share__lte=100),
                violation_error_message=PERCENT_RANGE,
            ),
        ]

    def __str__(self):
        return f"{self.town}: {de_fte(self.share)} %"

    @classmethod
    def scope_q(cls, role, organisation_id):
        return Q(position__in=Position.objects.filter(Position.scope_q(role, organisation_id)))

    def clean(self):
        if not (self.town_id and self.position_id):
            return
        recipient = self.position.recipient
        # A county-free city has no towns: its positions may name the city itself.
        if self.town_id != recipient.pk and (
            message := town_of_recipient_error(recipient, self.town)
        ):
            raise ValidationError({"town": message})


class Occupancy(VersionedModel, ScopedModel):
    """A period in which (part of) a position is filled. No personal data: no holder's name.

    A position is vacant on every day no occupancy covers.
    """

    scenario_path = "position__scenario"

    position = models.ForeignKey(
        Position, verbose_name=_("Stelle"), on_delete=models.CASCADE, related_name="occupancies"
    )
    start = DateField(_("Besetzt ab"))
    end = DateField(_("Besetzt bis"), null=True, blank=True)
    fte = models.DecimalField(_("Besetzter Anteil (VZ)"), **FTE, validators=[validate_fte])
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Besetzung")
        verbose_name_plural = _("Besetzungen")
        ordering = ["position", "start"]
        constraints = [
            models.CheckConstraint(
                name="occupancy_fte_range",
                condition=Q(fte__gt=0, fte__lte=1),
                violation_error_message=FTE_RANGE,
            ),
            period_constraint("occupancy_period", "start", "end"),
        ]

    def __str__(self):
        end = f"{self.end:%d.%m.%Y}" if self.end else "offen"
        return f"{self.start:%d.%m.%Y} – {end}: {de_fte(self.fte)} VZ"

    def get_absolute_url(self):
        return reverse("staffing:position_detail", args=[self.position_id]) + "#besetzungen"

    @classmethod
    def scope_q(cls, role, organisation_id):
        return Q(position__in=Position.objects.filter(Position.scope_q(role, organisation_id)))

    def clean(self):
        errors = period_error(self.start, self.end, "end")
        if errors or self.fte is None or self.start is None or not self.position_id:
            if errors:
                raise ValidationError(errors)
            return
        position = self.position
        errors.update(
            rules.occupancy_outside_position_errors(
                position.planned_start, position.end_date, self.start, self.end
            )
        )
        others = position.occupancies.exclude(pk=self.pk).values_list("start", "end", "fte")
        message = rules.occupancy_above_fte_error(
            position.fte, [*others, (self.start, self.end, self.fte)]
        )
        if message:
            errors["fte"] = message
        if errors:
            raise ValidationError(errors)


class PositionCost(VersionedModel, ScopedModel):
    """The cost of a position in one year, as incurred in that year (a half-year vacancy halves it).

    ``status`` says whether the figures are planned, a carrier's forecast or actual payments.
    Overhead is either a rate of the employer gross (KGSt: 20 % for office workplaces) or an
    amount, never both.
    """

    scenario_path = "position__scenario"

    position = models.ForeignKey(
        Position, verbose_name=_("Stelle"), on_delete=models.CASCADE, related_name="costs"
    )
    year = YearField(_("Jahr"))
    status = models.CharField(_("Stand"), max_length=10, choices=CostStatus.choices)
    employer_gross = models.DecimalField(
        _("Arbeitgeberbrutto (€)"), **MONEY, validators=[validate_non_negative]
    )
    material = models.DecimalField(
        _("Sachkosten (€)"), **MONEY, default=0, validators=[validate_non_negative]
    )
    overhead_rate = models.DecimalField(
        _("Gemeinkosten (% des Arbeitgeberbruttos)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[validate_percent],
    )
    overhead_amount = models.DecimalField(
        _("Gemeinkosten (€)"), **MONEY, null=True, blank=True, validators=[validate_non_negative]
    )
    one_off = models.DecimalField(
        _("Einmalkosten, z. B. Stellenbesetzung (€)"),
        **MONEY,
        default=0,
        validators=[validate_non_negative],
    )
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Personalkosten je Jahr")
        verbose_name_plural = _("Personalkosten je Jahr")
        ordering = ["position", "year", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "year", "status"],
                name="position_cost_unique",
                violation_error_message=_(
                    "Für diese Stelle, dieses Jahr und diesen Stand gibt es schon Kosten."
                ),
            ),
            models.CheckConstraint(
                name="position_cost_not_negative",
                condition=Q(employer_gross__gte=0, material__gte=0, one_off__gte=0)
                & (Q(overhead_amount__isnull=True) | Q(overhead_amount__gte=0)),
                violation_error_message=NOT_NEGATIVE,
            ),
            models.CheckConstraint(
                name="position_cost_overhead_rate_percent",
                condition=Q(overhead_rate__isnull=True)
                | Q(overhead_rate__gte=0, overhead_rate__lte=100),
                violation_error_message=PERCENT_RANGE,
            ),
            models.CheckConstraint(
                name="position_cost_overhead_rate_or_amount",
                condition=Q(overhead_rate__isnull=True) | Q(overhead_amount__isnull=True),
                violation_error_message=_(
                    "Gemeinkosten bitte entweder als Prozentsatz oder als Betrag angeben, nicht beides."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.position} {self.year} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("staffing:position_detail", args=[self.position_id]) + "#kosten"

    @classmethod
    def scope_q(cls, role, organisation_id):
        return Q(position__in=Position.objects.filter(Position.scope_q(role, organisation_id)))

    def clean(self):
        if self.overhead_rate is not None and self.overhead_amount is not None:
            raise ValidationError(
                {
                    "overhead_amount": _(
                        "Gemeinkosten bitte entweder als Prozentsatz oder als Betrag angeben, "
                        "nicht beides."
                    )
                }
            )

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import RECIPIENT_KINDS, CoveragePolicy, OrganisationKind, SplitMethod
from kim_admin.fields import DateField
from kim_admin.roles import Role
from kim_admin.scoping import RestrictedQuerySet, ScopedModel
from kim_admin.validators import (
    NOT_NEGATIVE,
    PERCENT_RANGE,
    period_constraint,
    period_error,
    validate_iban,
    validate_non_negative,
    validate_percent,
)
from kim_admin.versioning import VersionedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 4}


class OrganisationQuerySet(RestrictedQuerySet):
    """Organisations by what they are in the programme."""

    def recipients(self):
        """Counties and county-free cities: the bodies the state funds (DOMAIN)."""
        return self.filter(kind__in=RECIPIENT_KINDS)

    def towns(self):
        return self.filter(kind=OrganisationKind.TOWN)

    def carriers(self):
        return self.filter(kind=OrganisationKind.CARRIER)

    def of_recipient(self, recipient_id: int):
        """The organisations a recipient's plan may refer to: the recipient itself, its towns
        and the carriers it works with (``partner_recipients``)."""
        return self.filter(recipient_circle_q(recipient_id))


def recipient_circle_q(recipient_id: int) -> Q:
    """Organisations of a recipient's circle: itself, its towns, its partner carriers."""
    partners = Organisation.partner_recipients.through.objects.filter(
        to_organisation_id=recipient_id
    ).values("from_organisation_id")
    return Q(pk=recipient_id) | Q(parent_id=recipient_id) | Q(pk__in=partners)


class Organisation(VersionedModel, ScopedModel):
    """A body that receives, employs or pays: county, county-free city, town, welfare carrier.

    Towns belong to their county (``parent``) and pay the county levy by ``levy_share``.
    """

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=80, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Gehört zu (Kreis)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    levy_share = models.DecimalField(
        _("Anteil an der Kreisumlage (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[validate_percent],
        help_text=_("Nur für kreisangehörige Kommunen."),
    )
    partner_recipients = models.ManyToManyField(
        "self",
        verbose_name=_("Tätig für (Zuwendungsempfänger)"),
        symmetrical=False,
        blank=True,
        related_name="partner_carriers",
        help_text=_(
            "Nur für Trägerinnen: die Kreise und kreisfreien Städte, für die sie Stellen "
            "übernimmt. Nur diese dürfen sie in ihrem Plan als Anstellungsträgerin nennen."
        ),
    )
    four_eyes = models.BooleanField(
        _("Vier-Augen-Prinzip bei Prognosen"),
        default=False,
        help_text=_(
            "Nur für Zuwendungsempfänger: sachliche Prüfung, rechnerische Prüfung und "
            "Genehmigung einer Kostenprognose erledigen drei verschiedene Personen."
        ),
    )
    public_pay_tolerance = models.DecimalField(
        _("Toleranz Besserstellungsverbot (%)"),
        **PERCENT,
        default=5,
        validators=[validate_percent],
        help_text=_(
            "Nur für Zuwendungsempfänger: um wie viel Prozent das Arbeitgeberbrutto je "
            "Vollzeitstelle einer Trägerin über dem öffentlichen Vergleichssatz der "
            "Entgeltgruppe liegen darf, bevor der Verwendungsnachweis es anzeigt."
        ),
    )
    # Where a town is paid (settlement statements name the payee's account) and how long
    # a payer has.
    bank_name = models.CharField(_("Kreditinstitut"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(
        _("Zahlungsfrist (Tage)"),
        default=30,
        help_text=_("Frist für Zahlungen aus ihren Abrechnungen, ab dem Tag der Ausstellung."),
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    history = HistoricalRecords(m2m_fields=["partner_recipients"])

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_levy_share_percent",
                condition=Q(levy_share__isnull=True) | Q(levy_share__gte=0, levy_share__lte=100),
                violation_error_message=PERCENT_RANGE,
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_recipient_kind(self) -> bool:
        return self.kind in RECIPIENT_KINDS

    @property
    def is_carrier(self) -> bool:
        return self.kind == OrganisationKind.CARRIER

    @classmethod
    def scope_q(cls, role, organisation_id):
        """Whom a user's organisation deals with. A recipient's users see the recipient, its
        towns and its partner carriers; a carrier's users see the carrier and the recipients it
        works for; a town's users see the town, its county and the county's towns."""
        if role == Role.CARRIER:
            recipients = Organisation.partner_recipients.through.objects.filter(
                from_organisation_id=organisation_id
            ).values("to_organisation_id")
            return Q(pk=organisation_id) | Q(pk__in=recipients)
        if role == Role.TOWN:
            county = Organisation.objects.filter(pk=organisation_id).values("parent_id")
            return Q(pk=organisation_id) | Q(pk__in=county) | Q(parent_id__in=county)
        return recipient_circle_q(organisation_id)

    @classmethod
    def change_scope_q(cls, role, organisation_id):
        """Organisations are the administration's to change (reference data)."""
        return None

    def in_circle_of(self, recipient_id: int) -> bool:
        """Whether a recipient's plan may name this organisation (``recipient_circle_q``)."""
        return Organisation.objects.of_recipient(recipient_id).filter(pk=self.pk).exists()

    def clean(self):
        errors = {}
        if self.kind == OrganisationKind.TOWN and self.parent_id is None:
            errors["parent"] = _("Eine kreisangehörige Kommune gehört zu einem Kreis.")
        if self.parent_id is not None and self.parent and self.parent.kind != "county":
            errors["parent"] = _("Übergeordnet kann nur ein Kreis sein.")
        if self.levy_share is not None and self.kind != OrganisationKind.TOWN:
            errors["levy_share"] = _("Einen Kreisumlage-Anteil haben nur kreisangehörige Kommunen.")
        if self.four_eyes and not self.is_recipient_kind:
            errors["four_eyes"] = _(
                "Das Vier-Augen-Prinzip ist eine Einstellung der Zuwendungsempfänger (Kreise und "
                "kreisfreie Städte)."
            )
        if errors:
            raise ValidationError(errors)


# --- what a recipient's records may refer to --------------------------------------------------
# A recipient's records name only organisations of its circle: a write that names another
# county's town or carrier would let that organisation read the recipient's plan.


def town_of_recipient_error(recipient, town) -> str | None:
    """Towns in a recipient's records are towns of the recipient's county."""
    if town.kind != OrganisationKind.TOWN or town.parent_id != recipient.pk:
        return _("„%(town)s“ ist keine Kommune des Kreises %(recipient)s.") % {
            "town": town,
            "recipient": recipient,
        }
    return None


def partner_carrier_error(recipient, carrier) -> str | None:
    """A recipient forwards only to carriers that work for it (``partner_recipients``)."""
    if (
        carrier.kind != OrganisationKind.CARRIER
        or not carrier.partner_recipients.filter(pk=recipient.pk).exists()
    ):
        return _(
            "„%(carrier)s“ ist keine Trägerin, die für %(recipient)s tätig ist "
            "(einzutragen bei der Trägerin unter „Tätig für“)."
        ) % {"carrier": carrier, "recipient": recipient}
    return None


def circle_error(recipient, organisation) -> str | None:
    """An employer or payer of a recipient's plan is the recipient itself, one of its towns
    or a carrier that works for it."""
    if not organisation.in_circle_of(recipient.pk):
        return _(
            "„%(organisation)s“ gehört nicht zu %(recipient)s: möglich sind der "
            "Zuwendungsempfänger selbst, seine Kommunen und die für ihn tätigen Trägerinnen."
        ) % {"organisation": organisation, "recipient": recipient}
    return None


class ForwardingAgreement(VersionedModel, ScopedModel):
    """A forwarding agreement (Weiterleitungsvertrag): funded positions passed to a carrier.

    The funding passes through to the carrier; ``coverage_policy`` says how much of the carrier's
    cost above the funding the ``payer`` (normally the recipient) carries: all (Leverkusen, seed
    000), none, a percentage, or a flat amount per FTE (Kreis Heinsberg: 5,000 EUR).
    """

    scenario_path = "scenario"

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="forwarding_agreements",
    )
    scenario = models.ForeignKey(
        "funding.Scenario",
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="forwarding_agreements",
    )
    carrier = models.ForeignKey(
        Organisation,
        verbose_name=_("Trägerin"),
        on_delete=models.PROTECT,
        related_name="carrier_agreements",
        limit_choices_to={"kind": OrganisationKind.CARRIER},
    )
    payer = models.ForeignKey(
        Organisation,
        verbose_name=_("Trägt die übernommenen Mehrkosten"),
        on_delete=models.PROTECT,
        related_name="paid_agreements",
        null=True,
        blank=True,
        help_text=_("Leer: der Zuwendungsempfänger."),
    )
    reference = models.CharField(_("Aktenzeichen"), max_length=100, blank=True)
    signed_on = DateField(_("Unterzeichnet am"), null=True, blank=True)
    valid_from = DateField(_("Gültig ab"))
    valid_to = DateField(_("Gültig bis"), null=True, blank=True)
    positions = models.ManyToManyField(
        "staffing.Position",
        verbose_name=_("Stellen"),
        related_name="forwarding_agreements",
        blank=True,
    )
    coverage_policy = models.CharField(
        _("Übernahme der Mehrkosten"), max_length=20, choices=CoveragePolicy.choices
    )
    coverage_percent = models.DecimalField(
        _("Übernommener Anteil (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[validate_percent],
    )
    coverage_flat_per_fte = models.DecimalField(
        _("Pauschale je Vollzeitstelle und Jahr (€)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[validate_non_negative],
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Weiterleitungsvertrag")
        verbose_name_plural = _("Weiterleitungsverträge")
        ordering = ["recipient", "carrier", "valid_from"]
        constraints = [
            period_constraint("forwarding_agreement_period", "valid_from", "valid_to"),
            models.CheckConstraint(
                name="forwarding_agreement_coverage_percent",
                condition=Q(coverage_percent__isnull=True)
                | Q(coverage_percent__gte=0, coverage_percent__lte=100),
                violation_error_message=PERCENT_RANGE,
            ),
            models.CheckConstraint(
                name="forwarding_agreement_flat_not_negative",
                condition=Q(coverage_flat_per_fte__isnull=True) | Q(coverage_flat_per_fte__gte=0),
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.carrier} ({self.recipient}, ab {self.valid_from:%d.%m.%Y})"

    def get_absolute_url(self):
        return reverse("carriers:forwardingagreement_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return Q(carrier_id=organisation_id)
        if role == Role.TOWN:
            return Q(payer_id=organisation_id)
        return Q(recipient_id=organisation_id)

    def clean(self):
        errors = period_error(self.valid_from, self.valid_to, "valid_to")
        if self.carrier_id and self.carrier.kind != OrganisationKind.CARRIER:
            errors["carrier"] = _("Weiterleiten kann man nur an eine Trägerin.")
        elif (
            self.carrier_id
            and self.recipient_id
            and (message := partner_carrier_error(self.recipient, self.carrier))
        ):
            errors["carrier"] = message
        if self.payer_id and self.recipient_id:
            if self.payer.kind == OrganisationKind.CARRIER:
                errors["payer"] = _(
                    "Die Mehrkosten übernimmt keine Trägerin, sondern eine Kommune."
                )
            elif message := circle_error(self.recipient, self.payer):
                errors["payer"] = message
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            errors["scenario"] = _("Das Szenario gehört zu einem anderen Empfänger.")
        if self.coverage_policy == CoveragePolicy.PERCENT and self.coverage_percent is None:
            errors["coverage_percent"] = _("Bitte den übernommenen Anteil in Prozent angeben.")
        if (
            self.coverage_policy == CoveragePolicy.FLAT_PER_FTE
            and self.coverage_flat_per_fte is None
        ):
            errors["coverage_flat_per_fte"] = _("Bitte die Pauschale je Vollzeitstelle angeben.")
        # The figure of another policy would be stored but never count: refuse it.
        if self.coverage_policy != CoveragePolicy.PERCENT and self.coverage_percent is not None:
            errors["coverage_percent"] = _(
                "Einen Anteil in Prozent gibt es nur bei „Übernahme eines Prozentsatzes“."
            )
        if (
            self.coverage_policy != CoveragePolicy.FLAT_PER_FTE
            and self.coverage_flat_per_fte is not None
        ):
            errors["coverage_flat_per_fte"] = _(
                "Eine Pauschale je Vollzeitstelle gibt es nur bei „Pauschale je Vollzeitstelle“."
            )
        if errors:
            raise ValidationError(errors)


class CostSplit(VersionedModel, ScopedModel):
    """How the own share of some positions is shared between towns.

    Seed 003 (Kreis Coesfeld): a region with an employer town (Anstellungskörperschaft) that
    receives the funding and settles the cost above it with the region's towns once a year,
    in equal measure. Seed 004 (Kreis Wesel): the county's deficit is refinanced through the
    county levy, i.e. split by levy shares.
    """

    scenario_path = "scenario"

    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="cost_splits",
    )
    scenario = models.ForeignKey(
        "funding.Scenario",
        verbose_name=_("Szenario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cost_splits",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    employer_town = models.ForeignKey(
        Organisation,
        verbose_name=_("Anstellungskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employer_splits",
    )
    method = models.CharField(_("Aufteilung"), max_length=20, choices=SplitMethod.choices)
    valid_from = DateField(_("Gültig ab"))
    valid_to = DateField(_("Gültig bis"), null=True, blank=True)
    positions = models.ManyToManyField(
        "staffing.Position",
        verbose_name=_("Stellen"),
        related_name="cost_splits",
        blank=True,
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Kostenaufteilung")
        verbose_name_plural = _("Kostenaufteilungen")
        ordering = ["recipient", "name"]
        constraints = [
            period_constraint("cost_split_period", "valid_from", "valid_to"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("carriers:costsplit_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return None
        if role == Role.TOWN:
            is_member = models.Exists(
                CostSplitMember.objects.filter(
                    split=models.OuterRef("pk"), organisation_id=organisation_id
                )
            )
            return Q(is_member) | Q(employer_town_id=organisation_id)
        return Q(recipient_id=organisation_id)

    def clean(self):
        errors = period_error(self.valid_from, self.valid_to, "valid_to")
        if (
            self.employer_town_id
            and self.recipient_id
            and (message := town_of_recipient_error(self.recipient, self.employer_town))
        ):
            errors["employer_town"] = message
        if (
            self.scenario_id
            and self.recipient_id
            and self.scenario.recipient_id != self.recipient_id
        ):
            errors["scenario"] = _("Das Szenario gehört zu einem anderen Empfänger.")
        if errors:
            raise ValidationError(errors)


class CostSplitMember(ScopedModel):
    """A town taking part in a cost split; ``percent`` only for the fixed-percentage method."""

    scenario_path = "split__scenario"

    split = models.ForeignKey(
        CostSplit,
        verbose_name=_("Kostenaufteilung"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Kommune"),
        on_delete=models.PROTECT,
        related_name="split_memberships",
    )
    percent = models.DecimalField(
        _("Fester Anteil (%)"), **PERCENT, null=True, blank=True, validators=[validate_percent]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Beteiligte Kommune")
        verbose_name_plural = _("Beteiligte Kommunen")
        ordering = ["split", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["split", "organisation"],
                name="cost_split_member_unique",
                violation_error_message=_("Diese Kommune ist an der Aufteilung bereits beteiligt."),
            ),
            models.CheckConstraint(
                name="cost_split_member_percent",
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                violation_error_message=PERCENT_RANGE,
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.split}"

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role == Role.CARRIER:
            return None
        if role == Role.TOWN:
            return Q(organisation_id=organisation_id)
        return Q(split__recipient_id=organisation_id)

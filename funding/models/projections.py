"""Projections: the plan carried into later years under assumed pay rises, rate changes and
position changes."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import FundingKind
from funding.models.base import FTE, MONEY
from funding.models.programme import PERCENT_CHANGE, BuildingBlock, validate_pay_change
from funding.models.scenarios import Scenario
from kim_admin.fields import DateField, YearField
from kim_admin.formatting import de_money
from kim_admin.scoping import RecipientScopedModel
from kim_admin.validators import validate_fte, validate_non_negative
from kim_admin.versioning import VersionedModel

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

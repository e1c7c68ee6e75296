"""Funds calls, payments, the proof of use and the deadlines of the state's yearly cycle
(issue 15)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import SUBMITTED_BY_RECIPIENT, DeadlineKind
from funding.models.base import MONEY
from funding.models.programme import GrantNotice, YearClosing
from kim_admin.fields import DateField, YearField
from kim_admin.formatting import de_money
from kim_admin.roles import PLANNING_ROLES
from kim_admin.scoping import RecipientScopedModel, ScopedModel
from kim_admin.validators import period_constraint, period_error, validate_non_negative
from kim_admin.versioning import VersionedModel

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

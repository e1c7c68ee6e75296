"""Published council reports: stored once, never changed.

The PDF lives in the database (``BinaryField``), not in MEDIA storage: the row and its bytes
are written in one transaction, so a failed publish leaves neither a row without a file nor a
file without a row; the database backup holds the archive; there is no second place whose
permissions could drift from ``restrict``. A report is some 40–400 KB; lists never load the
bytes (``defer("pdf")``), and the history table leaves them out (the row never changes).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kim_admin.fields import DateField
from kim_admin.scoping import RecipientScopedModel, RestrictedQuerySet
from reports.registry import kind_choices

IMMUTABLE = _("Ein veröffentlichter Bericht kann nicht geändert oder gelöscht werden.")


class ImmutableReportError(ValidationError):
    pass


class PublishedReportQuerySet(RestrictedQuerySet):
    """Refuses bulk changes: ``update()`` and ``delete()`` would bypass the model's refusal."""

    def update(self, **kwargs):
        raise ImmutableReportError(IMMUTABLE)

    def delete(self):
        raise ImmutableReportError(IMMUTABLE)

    def without_pdf(self):
        return self.defer("pdf")


class PublishedReport(RecipientScopedModel):
    """One published version of a council report: the PDF as published, its SHA-256, who
    published it and when, the parameters and the council header it was made from.

    A report series is one report of one recipient, kind, year, scenario and file number
    (Vorlage Nr.); publishing it again (a correction) adds the next version, the earlier one
    stays. Finance, coordinators and the council see their recipient's reports; carriers and
    towns none (RecipientScopedModel).
    """

    kind = models.CharField(_("Berichtsart"), max_length=40, choices=kind_choices)
    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="published_reports",
    )
    year = models.PositiveSmallIntegerField(_("Jahr"))
    scenario = models.ForeignKey(
        "funding.Scenario",
        verbose_name=_("Szenario"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_reports",
    )
    series_key = models.CharField(_("Berichtsreihe"), max_length=300, editable=False)
    version = models.PositiveIntegerField(_("Version"), editable=False)
    title = models.CharField(_("Titel"), max_length=300)
    file_number = models.CharField(_("Vorlage Nr."), max_length=60)
    paper_date = DateField(_("Datum der Vorlage"))
    subject = models.CharField(_("Betreff"), max_length=500)
    header = models.JSONField(_("Kopf der Vorlage"))
    parameters = models.JSONField(_("Parameter"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    page_count = models.PositiveIntegerField(_("Seiten"))
    data_as_of = models.DateTimeField(_("Stand der Daten"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Veröffentlicht von"),
        on_delete=models.PROTECT,
        related_name="published_reports",
    )
    published_at = models.DateTimeField(_("Veröffentlicht am"))
    # The bytes stay out of the history: the row never changes, its hash is in the history.
    history = HistoricalRecords(excluded_fields=["pdf"])

    objects = PublishedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("Veröffentlichter Bericht")
        verbose_name_plural = _("Veröffentlichte Berichte")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series_key", "version"],
                name="publishedreport_series_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="publishedreport_version_positive"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "-published_at"], name="report_recipient_idx")]

    def __str__(self):
        return f"{self.title} (Version {self.version})"

    def get_absolute_url(self):
        return reverse("reports:publishedreport_detail", args=[self.pk])

    @property
    def download_name(self) -> str:
        from django.utils.text import slugify

        return f"{slugify(self.title)}-v{self.version}.pdf"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableReportError(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableReportError(IMMUTABLE)


def series_key(
    kind: str, recipient_id: int, year: int, scenario_id, file_number: str, options=None
) -> str:
    """The key of a report series: kind, recipient, year, scenario, file number, and the
    kind's options where it has any (a comparison of other scenarios is another series)."""
    key = f"{kind}|{recipient_id}|{year}|{scenario_id or '-'}|{file_number.strip()}"
    if options:
        canonical = json.dumps(options, sort_keys=True, separators=(",", ":"))
        key += "|" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return key

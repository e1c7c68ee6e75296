"""Jobs that run in the background worker instead of the web request.

A :class:`Job` is what the user asked for and what came of it: its kind, parameters, state,
progress, result (bytes to download or a link to what it made) and, when it failed, a German
message. The queue underneath is django-tasks' database backend (``django_tasks_db``): a
``DBTaskResult`` row per attempt, whose id the job keeps. The job row is the user's view of
the work; the task row is the worker's.

A job is seen by the user who started it (and administrators); its handler checks the
permission again when it runs, since the user's role may have changed in between.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


FINISHED = (JobState.DONE, JobState.FAILED)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)

    def without_result(self):
        return self.defer("result")


class Job(models.Model):
    kind = models.CharField(_("Art"), max_length=40)
    title = models.CharField(_("Auftrag"), max_length=300)
    state = models.CharField(
        _("Status"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    params = models.JSONField(_("Parameter"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Erstellt von"),
        on_delete=models.PROTECT,
        related_name="jobs",
    )
    created_at = models.DateTimeField(_("Erstellt am"), auto_now_add=True)
    started_at = models.DateTimeField(_("Begonnen am"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Beendet am"), null=True, blank=True)
    # The request that started the job: its log lines and history entries carry the same id.
    request_id = models.CharField(_("Anfrage-ID"), max_length=64, blank=True)
    task_id = models.CharField(_("Task-ID"), max_length=64, blank=True)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    progress_done = models.PositiveIntegerField(_("Erledigt"), default=0)
    progress_total = models.PositiveIntegerField(_("Schritte"), default=0)
    progress_label = models.CharField(_("Schritt"), max_length=200, blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    # A file to download (draft PDF, ZIP, export) ...
    result = models.BinaryField(_("Ergebnis"), null=True, blank=True)
    result_name = models.CharField(_("Dateiname"), max_length=200, blank=True)
    result_type = models.CharField(_("Dateityp"), max_length=100, blank=True)
    # ... or a page that shows what the job made.
    result_url = models.CharField(_("Ergebnis-Seite"), max_length=300, blank=True)
    result_label = models.CharField(_("Ergebnis"), max_length=300, blank=True)
    # Publishing is idempotent: the report a publishing job stored (at most one).
    published_report = models.OneToOneField(
        "reports.PublishedReport",
        verbose_name=_("Veröffentlichter Bericht"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job",
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("Auftrag")
        verbose_name_plural = _("Aufträge")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_user_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def has_file(self) -> bool:
        return bool(self.result_name)


class HistoryRequest(models.Model):
    """Which request wrote an audit-history entry: its id is in the log line of the request
    (``kim_admin.requestlog``), so an entry of any model's history leads to the request and
    back. A job writes under the id of the request that started it. One row per history
    entry, written by the ``post_create_historical_record`` signal in the entry's own
    transaction (a side table: no model's history table changes)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name=_("Verlauf")
    )
    history_id = models.PositiveBigIntegerField(_("Eintrag"))
    request_id = models.CharField(_("Anfrage-ID"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("Anfrage eines Verlaufseintrags")
        verbose_name_plural = _("Anfragen der Verlaufseinträge")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "history_id"], name="historyrequest_entry_unique"
            )
        ]

    def __str__(self):
        return f"{self.content_type_id}/{self.history_id}: {self.request_id}"


def record_history_request(sender, history_instance, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    from kim_admin.requestlog import NO_REQUEST, current_request_id

    rid = current_request_id()
    if rid == NO_REQUEST:
        return
    HistoryRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(history_instance)),
        history_id=history_instance.pk,
        request_id=rid,
    )


def history_request_id(history_instance) -> str | None:
    from django.contrib.contenttypes.models import ContentType

    row = HistoryRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(type(history_instance)),
        history_id=history_instance.pk,
    ).first()
    return row.request_id if row else None

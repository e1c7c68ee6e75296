"""Starting, running and retrying jobs (see ``kim_admin.jobqueue.models``).

A kind of job is a handler registered with :func:`handler` in an app's ``jobs`` module (found
at start by ``autodiscover_modules("jobs")``): a function of the job that does the work by
calling the app's own services, reports progress with :func:`progress` and puts its result on
the job (``result``/``result_name``/``result_type`` for a file, ``result_url``/``result_label``
for a page). It raises :class:`JobError` with a German message for what the user can fix;
anything else is logged with its traceback and shown as a general German failure.

Every handler must be safe to run twice: a worker that is stopped or dies mid-job leaves its
task "running", and the restarted worker runs it again (``run_worker``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kim_admin.jobqueue.models import Job, JobState
from kim_admin.requestlog import current_request_id, request_id

logger = logging.getLogger("jobs")

HANDLERS: dict[str, Callable[[Job], None]] = {}


class JobError(Exception):
    """A failure the user can act on; the message (German) is shown on the job's page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def handler(kind: str):
    def register(fn: Callable[[Job], None]):
        if kind in HANDLERS and HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        HANDLERS[kind] = fn
        return fn

    return register


def start(*, kind: str, title: str, params: dict, user) -> Job:
    """Store the job and put it in the queue. With the database backend both rows are written
    in the caller's transaction, so the worker sees the job exactly when it is committed."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        title=title[:300],
        params=params,
        created_by=user,
        request_id=current_request_id()[:64] if current_request_id() != "-" else "",
    )
    _enqueue(job)
    return job


def retry(job: Job, user) -> Job:
    """Run a failed job again (its owner or an administrator)."""
    if not (user.is_superuser or job.created_by_id == user.pk):
        raise PermissionDenied
    if job.state != JobState.FAILED:
        raise ValidationError(_("Nur ein fehlgeschlagener Auftrag kann wiederholt werden."))
    Job.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED, error="", progress_done=0, progress_label="", finished_at=None
    )
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    from kim_admin.jobqueue.tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    # An immediate backend (tests) has run the job already: read what it wrote.
    job.refresh_from_db()


def progress(job: Job, done: int, total: int, label: str = "") -> None:
    """Record how far the job is (one UPDATE; the page polls it)."""
    job.progress_done, job.progress_total, job.progress_label = done, total, label[:200]
    Job.objects.filter(pk=job.pk).update(
        progress_done=done, progress_total=total, progress_label=label[:200]
    )


RESULT_FIELDS = [
    "result",
    "result_name",
    "result_type",
    "result_url",
    "result_label",
    "published_report",
]


def run(job_id: int) -> str:
    """Run the job's handler (called by the task in the worker). Returns the final state."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s is gone", job_id)
        return "missing"
    if job.state == JobState.DONE:
        return job.state
    with request_id(job.request_id or None):
        now = timezone.now()
        Job.objects.filter(pk=job.pk).update(
            state=JobState.RUNNING, started_at=now, attempts=F("attempts") + 1, error=""
        )
        job.refresh_from_db()
        logger.info("job %s (%s) started, attempt %s", job.pk, job.kind, job.attempts)
        try:
            HANDLERS[job.kind](job)
        except JobError as error:
            return _fail(job, error.message)
        except PermissionDenied:
            return _fail(job, _("Sie dürfen diesen Auftrag nicht mehr ausführen."))
        except (KeyboardInterrupt, SystemExit):
            # The worker was stopped hard (a second Ctrl-C): django-tasks marks the task
            # failed, so the user retries it. A killed worker leaves it running instead,
            # and run_worker runs it again after the restart.
            _fail(
                job,
                _(
                    "Der Hintergrunddienst wurde beendet, während der Auftrag lief. Bitte "
                    "erneut versuchen."
                ),
            )
            raise
        except BaseException:  # WeasyPrint's FatalURLFetchingError is a BaseException
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _fail(
                job,
                _(
                    "Der Auftrag ist unerwartet fehlgeschlagen. Der Fehler wurde protokolliert "
                    "(Anfrage-ID %(rid)s); es wurde nichts gespeichert."
                )
                % {"rid": job.request_id or job.pk},
            )
            raise
        job.state = JobState.DONE
        job.finished_at = timezone.now()
        if job.progress_total:
            job.progress_done = job.progress_total
        job.save(
            update_fields=[
                "state",
                "finished_at",
                "progress_done",
                *RESULT_FIELDS,
            ]
        )
        logger.info("job %s (%s) done", job.pk, job.kind)
        return job.state


def _fail(job: Job, message: str) -> str:
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error=message, finished_at=timezone.now()
    )
    job.state, job.error = JobState.FAILED, message
    logger.info("job %s (%s) failed: %s", job.pk, job.kind, message)
    return JobState.FAILED

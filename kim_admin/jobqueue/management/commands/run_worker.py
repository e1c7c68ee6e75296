"""``manage.py run_worker``: the job worker (django-tasks' ``db_worker``) with a stable id.

A worker that is killed mid-job (a restart, an out-of-memory kill, a power cut) leaves its
task "running" for ever: django-tasks' database worker claims a task once and has no lease.
This command gives each worker an id that stays the same across restarts (the machine's name
and ``--name``, e.g. the systemd instance) and, before it takes new work, puts the tasks that
its previous run left running back in the queue, so they run again. Jobs are written to be
run twice (``kim_admin.jobqueue.services``). Two workers on one machine need two names.
"""

from __future__ import annotations

import logging
import socket

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("jobs")

try:
    from django.tasks.base import TaskResultStatus  # Django 6
except ImportError:  # pragma: no cover - the backport on Django 5.2
    from django_tasks.base import TaskResultStatus


def stable_worker_id(name: str) -> str:
    return f"{socket.gethostname()}-{name}"[:64]


def requeue_abandoned(worker: str) -> int:
    """Put the tasks this worker left running back in the queue; how many."""
    abandoned = [
        row.pk
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
            "pk", "worker_ids"
        )
        if row.worker_ids and row.worker_ids[-1] == worker
    ]
    if abandoned:
        DBTaskResult.objects.filter(pk__in=abandoned).update(
            status=TaskResultStatus.READY, started_at=None
        )
        logger.warning("worker %s: %s task(s) of its last run queued again", worker, len(abandoned))
    return len(abandoned)


class Command(db_worker.Command):
    help = "Run the job worker (django-tasks' db_worker with a stable worker id)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--name",
            default="1",
            help="This worker's name on the machine, unique and the same after a restart "
            "(default: %(default)s). The worker id is <hostname>-<name>.",
        )
        # db_worker's own default is a random id per start: ours must survive the restart.
        parser.set_defaults(worker_id=None)

    def handle(self, *args, name: str, worker_id: str | None = None, **options):
        worker_id = worker_id or stable_worker_id(name)
        requeue_abandoned(worker_id)
        return super().handle(*args, worker_id=worker_id, **options)

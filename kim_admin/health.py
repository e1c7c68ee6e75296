"""``GET /healthz``: 200 when the database and the job queue answer, 503 otherwise.

For the IT provider's monitoring and the load balancer; no login, no session, no details a
stranger could use (the failing part by name only; the cause is in the log with the request
id). The job queue "answers" when its table can be read and no job has waited longer than
``JOBS_MAX_WAIT_SECONDS`` for the worker: a stopped worker shows here as soon as somebody
waits for it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0] == 1


def _queue() -> bool:
    from django_tasks_db.models import DBTaskResult, get_date_max

    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    if oldest is None:
        return True
    since = oldest.enqueued_at if oldest.run_after == get_date_max() else oldest.run_after
    waited = (timezone.now() - since).total_seconds()
    if waited > settings.JOBS_MAX_WAIT_SECONDS:
        logger.error("job %s has waited %.0f s for the worker", oldest.pk, waited)
        return False
    return True


CHECKS = {"database": _database, "queue": _queue}


@never_cache
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "fehler"
        except Exception:
            logger.exception("health check %s failed", name)
            results[name] = "fehler"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fehler", "checks": results},
        status=200 if healthy else 503,
    )

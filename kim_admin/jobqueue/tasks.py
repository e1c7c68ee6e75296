"""The tasks the worker runs (django-tasks): a job, and a mail."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("jobs")

# A mail the mail server refused is tried again after these waits, then given up (logged).
MAIL_RETRY_MINUTES = (1, 5, 30, 120)


@task()
def run_job(job_id: int) -> str:
    from kim_admin.jobqueue.services import run

    return run(job_id)


@task()
def send_mail(message: dict, attempt: int = 0) -> int:
    """Deliver one mail through ``EMAIL_DELIVERY_BACKEND`` (``kim_admin.jobqueue.mail``)."""
    from kim_admin.jobqueue.mail import deliver

    try:
        return deliver(message)
    except Exception:
        if attempt >= len(MAIL_RETRY_MINUTES):
            logger.exception("mail to %s given up", ", ".join(message.get("to", [])))
            raise
        wait = timedelta(minutes=MAIL_RETRY_MINUTES[attempt])
        logger.warning(
            "mail to %s failed, again in %s", ", ".join(message.get("to", [])), wait, exc_info=True
        )
        send_mail.using(run_after=timezone.now() + wait).enqueue(message, attempt + 1)
        return 0

"""Writes for the deadlines (issue 15): the recipient's note that it submitted its
application or proof of use, and the reminder mails, each sent once per item and threshold."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction

from carriers.models import Organisation
from funding.deadlines import rules
from funding.deadlines.selectors import CARRIER, COORDINATION, Deadline, deadline_list
from funding.models import DeadlineReminder, DeadlineSubmission
from kim_admin.roles import PLANNING_ROLES, Role
from kim_admin.versioning import bump_version


def may_record_submission(actor, recipient: Organisation) -> bool:
    """Finance and coordination of the recipient, and administrators."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role in PLANNING_ROLES and actor.organisation_id == recipient.pk


@transaction.atomic
def deadline_submission_record(
    *, recipient: Organisation, kind: str, year: int, submitted_on: date, actor, note: str = ""
) -> DeadlineSubmission:
    """Note that the recipient submitted its application or proof of use of ``year`` on
    ``submitted_on`` (refused outside the actor's recipient; a second note for the same item is
    refused at the field by the unique constraint)."""
    if not may_record_submission(actor, recipient):
        raise PermissionDenied
    submission = DeadlineSubmission(
        recipient=recipient, kind=kind, year=year, submitted_on=submitted_on, note=note
    )
    bump_version(submission, None)
    submission.full_clean()
    submission._history_user = actor
    submission.save()
    return submission


# --- Reminder mails ------------------------------------------------------------------------------

SUBJECTS = {
    rules.BEFORE: "Frist: %(title)s – %(wording)s",
    rules.ON_THE_DAY: "Frist heute: %(title)s",
    rules.AFTER: "Frist überschritten: %(title)s – %(wording)s",
}


def _addresses(recipient_ids) -> dict[tuple[int, str], list[str]]:
    """Active users with a mail address by (organisation, role), one query."""
    User = get_user_model()
    found = defaultdict(set)
    for organisation_id, role, email in (
        User.objects.filter(is_active=True, organisation_id__in=recipient_ids)
        .exclude(email="")
        .values_list("organisation_id", "groups__name", "email")
    ):
        if role:
            found[(organisation_id, role)].add(email)
    return {key: sorted(value) for key, value in found.items()}


def _who_must_act(item: Deadline, addresses) -> list[str]:
    if item.actor == CARRIER:
        return addresses.get((item.carrier_id, Role.CARRIER.value), [])
    coordination = addresses.get((item.recipient_id, Role.COORDINATOR.value), [])
    if item.actor == COORDINATION:
        return coordination
    finance = addresses.get((item.recipient_id, Role.FINANCE.value), [])
    return sorted({*coordination, *finance})


def reminder_mail(item: Deadline, threshold: str) -> tuple[str, str]:
    """The German subject and text of a reminder, with the link (``SITE_URL``)."""
    subject = SUBJECTS[threshold] % {"title": item.title, "wording": item.wording}
    link = settings.SITE_URL.rstrip("/") + item.url
    lines = [
        "Guten Tag,",
        "",
        f"{item.title} ({item.party_name}, Zuwendungsempfänger {item.recipient_name}) ist "
        f"fällig am {item.due_on:%d.%m.%Y}: {item.wording}.",
        f"Stand: {item.state_text}.",
        f"Zuständig: {item.actor_label}.",
        "",
        f"Zur Bearbeitung: {link}",
        "",
        "Diese Erinnerung sendet die KIM-Verwaltung einmal 14 Tage vor der Frist, am Tag der "
        "Frist und nach ihrem Ablauf.",
    ]
    return subject, "\n".join(lines)


@transaction.atomic
def send_deadline_reminders(*, today: date, dry_run: bool = False) -> list[DeadlineReminder]:
    """Mail the people who must act on every open deadline that reached a threshold today
    (``rules.reminder_threshold``), once per item and threshold: what was sent is recorded
    (``DeadlineReminder``) and never sent again. The mails leave after the commit (through the
    job queue's mail backend)."""
    recipients = list(Organisation.objects.recipients().order_by("name"))
    items = [d for d in deadline_list(recipients, today) if not d.done]
    wanted = {}
    for item in items:
        threshold = rules.reminder_threshold(item.due_on, today)
        if threshold is not None:
            wanted[(item.key, threshold)] = item
    if not wanted:
        return []
    sent = set(
        DeadlineReminder.objects.filter(key__in={key for key, _t in wanted}).values_list(
            "key", "threshold"
        )
    )
    organisation_ids = {i.recipient_id for i in items} | {
        i.carrier_id for i in items if i.carrier_id
    }
    addresses = _addresses(organisation_ids)
    created = []
    for (key, threshold), item in wanted.items():
        if (key, threshold) in sent:
            continue
        to = _who_must_act(item, addresses)
        if not to:
            continue
        reminder = DeadlineReminder(
            recipient_id=item.recipient_id,
            key=key,
            threshold=threshold,
            due_on=item.due_on,
            sent_on=today,
            sent_to=", ".join(to),
        )
        created.append(reminder)
        if dry_run:
            continue
        reminder.save()
        subject, body = reminder_mail(item, threshold)
        transaction.on_commit(
            lambda s=subject, b=body, t=to: send_mail(s, b, None, t, fail_silently=True)
        )
    return created

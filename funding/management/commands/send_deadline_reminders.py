"""``python manage.py send_deadline_reminders [--today TT.MM.JJJJ|JJJJ-MM-TT] [--dry-run]``:
mail the people who must act on the deadlines that reached a reminder today (14 days before,
on the day, overdue), each once (``funding.deadlines.services.send_deadline_reminders``).
Run daily (cron or a systemd timer, docs/operations.md); a second run the same day sends
nothing."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding.deadlines.services import send_deadline_reminders


def parse_day(raw: str) -> date:
    text = raw.strip()
    try:
        if "." in text:
            day, month, year = (int(part) for part in text.split("."))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(f"Unbekanntes Datum „{raw}“: bitte TT.MM.JJJJ oder JJJJ-MM-TT angeben.")


class Command(BaseCommand):
    help = "Erinnert per E-Mail an Fristen (14 Tage vorher, am Tag, nach Ablauf), je einmal."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Stichtag statt heute (TT.MM.JJJJ oder JJJJ-MM-TT)")
        parser.add_argument(
            "--dry-run", action="store_true", help="Nur anzeigen, nichts senden oder vermerken"
        )

    def handle(self, *args, today=None, dry_run=False, **options):
        day = parse_day(today) if today else timezone.localdate()
        reminders = send_deadline_reminders(today=day, dry_run=dry_run)
        for reminder in reminders:
            self.stdout.write(
                f"{reminder.key} ({reminder.threshold}, fällig am {reminder.due_on:%d.%m.%Y}): "
                f"{reminder.sent_to}"
            )
        verb = "würden gesendet" if dry_run else "gesendet"
        self.stdout.write(f"{len(reminders)} Erinnerung(en) {verb} ({day:%d.%m.%Y}).")

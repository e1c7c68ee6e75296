from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kim_admin.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Spielt eine Sicherung in die Datenbank von DATABASE_URL zurück (nur in eine leere, "
        "außer mit --replace). Danach: manage.py migrate, falls die Sicherung älter ist."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="die Sicherung (.dump oder .sqlite3)")
        parser.add_argument(
            "--replace", action="store_true", help="die vorhandenen Daten überschreiben"
        )

    def handle(self, *args, file, replace, **options):
        from django.db import connections

        connections.close_all()
        try:
            restore(Path(file), settings.DATABASES["default"], replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Zurückgespielt: {file}")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kim_admin.backup import BackupError, create


class Command(BaseCommand):
    help = "Sichert die Datenbank (PostgreSQL: pg_dump, Custom-Format; SQLite: Online-Backup)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="Ordner der Sicherung")

    def handle(self, *args, output, **options):
        try:
            path = create(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Gesichert: {path} ({path.stat().st_size:,} Bytes)".replace(",", "."))

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, transaction
from simple_history.models import registered_models

from carriers.models import Organisation
from funding.scenarios.demo import build_leverkusen_scenarios
from kim_admin.demo import DEMO_PASSWORD, ensure_demo_users
from kim_admin.validation import constraint_message, plan_problems

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"


def first_history_records():
    """A first history record for every row of a historied model that has none.

    ``populate_history --auto`` skips a whole model once any of its rows has history, and
    loaddata's many-to-many writes (an organisation's partner recipients) already give some
    organisations one: the others stayed without a first record."""
    for model in registered_models.values():
        if not hasattr(model, "history"):
            continue  # a many-to-many through table; its rows are recorded with their owner
        recorded = model.history.values(model._meta.pk.attname)
        missing = list(model._default_manager.exclude(pk__in=recorded))
        if missing:
            model.history.bulk_history_create(missing, default_change_reason="Demodaten")


class Command(BaseCommand):
    help = (
        "Lädt die Demodaten der fünf Ratsvorlagen (fixtures/*.json) – ganz oder gar nicht – "
        "und legt je Rolle eine Demo-Anmeldung an."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Nur diese Fixture-Dateien (Standard: alle)")
        parser.add_argument("--no-users", action="store_true", help="Keine Demo-Anmeldungen")
        # The test suite loads the demo data once per module; one test of its own loads it
        # with the rule check (tests/test_kim_admin_commands.py), the others need not repeat it.
        parser.add_argument(
            "--skip-rule-check",
            action="store_true",
            help="Die Regelprüfung der Demodaten auslassen (nur für die Testsuite)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Nur in eine leere Datenbank laden (make run: Änderungen bleiben erhalten)",
        )

    def handle(self, *args, files, no_users, if_empty, skip_rule_check, verbosity, **options):
        if if_empty and Organisation.objects.exists():
            logins = [] if no_users else ensure_demo_users()
            if verbosity:
                self.stdout.write("Datenbank enthält bereits Daten: Demodaten nicht neu geladen.")
                self._print_logins(logins)
            return
        paths = [Path(f) for f in files] or sorted(FIXTURE_DIR.glob("*.json"))
        if not paths:
            raise CommandError(f"Keine Fixture-Dateien in {FIXTURE_DIR}.")
        try:
            with transaction.atomic():
                for path in paths:
                    try:
                        with transaction.atomic():
                            call_command("loaddata", str(path), verbosity=0)
                    except (IntegrityError, DeserializationError) as error:
                        raise _Refused([f"{path.name}: {constraint_message(error)}"]) from error
                problems = [] if skip_rule_check else plan_problems()
                if problems:
                    raise _Refused(problems)
                # loaddata saves raw, which writes no history: give each row its first record,
                # so the first change shows what it changed from.
                first_history_records()
                # Scenario copies are derived data: built through the services (seed 000).
                build_leverkusen_scenarios()
                logins = [] if no_users else ensure_demo_users()
        except _Refused as refused:
            lines = "\n".join(f"  - {p}" for p in refused.problems)
            raise CommandError(
                f"Die Demodaten verletzen {len(refused.problems)} Regel(n); nichts wurde "
                f"gespeichert:\n{lines}"
            ) from None
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"{len(paths)} Fixture-Dateien geladen."))
            self._print_logins(logins)

    def _print_logins(self, logins):
        if logins:
            self.stdout.write(f"\nDemo-Anmeldungen (Passwort für alle: {DEMO_PASSWORD}):")
            for login in logins:
                self.stdout.write(f"  {login.username:<18} {login.description}")
            self.stdout.write("")


class _Refused(Exception):
    def __init__(self, problems):
        super().__init__("refused")
        self.problems = problems

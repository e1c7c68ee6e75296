import json

from django.core.management.base import BaseCommand, CommandError

from carriers.models import Organisation
from funding.models import Scenario
from funding.overview import cost_overview, overview_payload


class Command(BaseCommand):
    help = "Kostenübersicht eines Zuwendungsempfängers für ein Jahr (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--recipient", required=True, help="Kürzel, z. B. leverkusen")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--scenario", help="Kürzel eines Szenarios (sonst der echte Plan)")
        parser.add_argument("--format", default="json", choices=["json"])

    def handle(self, *args, recipient, year, scenario, format, **options):
        org = Organisation.objects.filter(slug=recipient).first()
        if org is None:
            raise CommandError(f"Unbekannter Zuwendungsempfänger „{recipient}“.")
        if not org.is_recipient_kind:
            raise CommandError(
                f"„{org.name}“ ist kein Zuwendungsempfänger (nur Kreise und kreisfreie Städte)."
            )
        if not 1990 <= year <= 2100:
            raise CommandError(f"Unplausibles Jahr {year}.")
        scenario_obj = None
        if scenario:
            scenario_obj = Scenario.objects.filter(recipient=org, slug=scenario).first()
            if scenario_obj is None:
                raise CommandError(f"Unbekanntes Szenario „{scenario}“ bei {org.name}.")
        payload = overview_payload(cost_overview(org, year, scenario=scenario_obj))
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

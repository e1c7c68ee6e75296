import json

from django.core.management.base import BaseCommand, CommandError

from carriers.models import Organisation
from funding.applications.selectors import application_payload, funding_application


class Command(BaseCommand):
    help = (
        "Förderantrag eines Zuwendungsempfängers für ein Jahr aus dem Plan des Jahres: je "
        "Baustein Stellen, Sätze und beantragte Beträge (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipient", required=True, help="Kürzel, z. B. leverkusen")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="json", choices=["json"])

    def handle(self, *args, recipient, year, format, **options):
        org = Organisation.objects.filter(slug=recipient).first()
        if org is None:
            raise CommandError(f"Unbekannter Zuwendungsempfänger „{recipient}“.")
        if not org.is_recipient_kind:
            raise CommandError(
                f"„{org.name}“ ist kein Zuwendungsempfänger (nur Kreise und kreisfreie Städte)."
            )
        if not 1990 <= year <= 2100:
            raise CommandError(f"Unplausibles Jahr {year}.")
        payload = application_payload(funding_application(org, year))
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

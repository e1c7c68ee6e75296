import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from carriers.models import Organisation
from funding.models import Scenario
from funding.overview import cost_overview, overview_payload


class Command(BaseCommand):
    help = (
        "Kostenübersicht eines Zuwendungsempfängers für ein Jahr: als JSON (Standard) oder als "
        "PDF/A-Bericht für den Rat (--format pdf --output DATEI)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipient", required=True, help="Kürzel, z. B. leverkusen")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--scenario", help="Kürzel eines Szenarios (sonst der echte Plan)")
        parser.add_argument("--format", default="json", choices=["json", "pdf"])
        parser.add_argument("--output", help="Datei für das PDF (nur mit --format pdf)")
        parser.add_argument("--file-number", default="", help="Vorlage Nr. im Kopf des PDF")
        parser.add_argument("--subject", default="", help="Betreff im Kopf des PDF")
        parser.add_argument("--body", default="", help="Absender im Kopf (sonst der Name)")

    def handle(self, *args, recipient, year, scenario, format, output, **options):
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
        if format == "pdf":
            self.write_pdf(org, year, scenario_obj, output, options)
            return
        payload = overview_payload(cost_overview(org, year, scenario=scenario_obj))
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def write_pdf(self, org, year, scenario, output, options):
        """Report 1 (reports.kinds.cost_overview) as PDF/A, a draft: nothing is published."""
        from reports.registry import CouncilHeader, ReportInputError, ReportRequest
        from reports.rendering import ReportRenderError, render_pdf

        if not output:
            raise CommandError("Für --format pdf bitte --output DATEI angeben.")
        header = CouncilHeader(
            body=options["body"] or org.name,
            file_number=options["file_number"],
            paper_date=timezone.localdate(),
            subject=options["subject"]
            or f"Kommunales Integrationsmanagement NRW: Kostenübersicht {year}",
        )
        request = ReportRequest(
            kind="cost_overview", recipient=org, year=year, scenario=scenario, header=header
        )
        try:
            report = render_pdf(request, draft=True)
        except ReportInputError as error:
            raise CommandError(error.message) from error
        except ReportRenderError as error:
            raise CommandError(f"Das PDF konnte nicht erstellt werden: {error}") from error
        path = Path(output)
        try:
            path.write_bytes(report.pdf)
        except OSError as error:
            raise CommandError(f"„{output}“ kann nicht geschrieben werden: {error}") from error
        self.stdout.write(
            f"{path}: {report.page_count} Seiten, {len(report.pdf)} Bytes, SHA-256 {report.sha256}"
        )

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from carriers.models import Organisation
from funding.models import open_year_message, year_is_closed
from funding.proofs.selectors import XLSX_HEADER, proof_of_use, proof_payload, proof_rows


class Command(BaseCommand):
    help = (
        "Verwendungsnachweis (zahlenmäßiger Nachweis) eines Zuwendungsempfängers für ein "
        "abgeschlossenes Jahr: als JSON (Standard), als XLSX oder als PDF/A "
        "(--format xlsx|pdf --output DATEI)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipient", required=True, help="Kürzel, z. B. leverkusen")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="json", choices=["json", "xlsx", "pdf"])
        parser.add_argument("--output", help="Datei für XLSX oder PDF")
        parser.add_argument(
            "--as-of",
            help="Zinsen auf eine Rückforderung bis zu diesem Tag (JJJJ-MM-TT; sonst heute)",
        )

    def handle(self, *args, recipient, year, format, output, as_of, **options):
        org = Organisation.objects.filter(slug=recipient).first()
        if org is None:
            raise CommandError(f"Unbekannter Zuwendungsempfänger „{recipient}“.")
        if not org.is_recipient_kind:
            raise CommandError(
                f"„{org.name}“ ist kein Zuwendungsempfänger (nur Kreise und kreisfreie Städte)."
            )
        if not 1990 <= year <= 2100:
            raise CommandError(f"Unplausibles Jahr {year}.")
        if not year_is_closed(org.id, year):
            raise CommandError(str(open_year_message(year)))
        try:
            on = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"Unlesbares Datum „{as_of}“ (bitte JJJJ-MM-TT).") from error
        if format == "pdf":
            self.write_pdf(org, year, output)
            return
        proof = proof_of_use(org, year, on)
        if format == "xlsx":
            from kim_admin.exports import xlsx_bytes

            if not output:
                raise CommandError("Für --format xlsx bitte --output DATEI angeben.")
            Path(output).write_bytes(
                xlsx_bytes(XLSX_HEADER, proof_rows(proof), title=f"Nachweis {year}")
            )
            self.stdout.write(f"{output}: Verwendungsnachweis {org.name} {year}")
            return
        self.stdout.write(json.dumps(proof_payload(proof), ensure_ascii=False, indent=2))

    def write_pdf(self, org, year, output):
        """The proof as PDF/A (reports.kinds.proof_of_use), a draft: nothing is published;
        the interest is counted to the day of rendering."""
        from reports.registry import CouncilHeader, ReportInputError, ReportRequest
        from reports.rendering import ReportRenderError, render_pdf

        if not output:
            raise CommandError("Für --format pdf bitte --output DATEI angeben.")
        header = CouncilHeader(
            body=org.name,
            file_number="",
            paper_date=timezone.localdate(),
            subject=f"Kommunales Integrationsmanagement NRW: Verwendungsnachweis {year}",
        )
        request = ReportRequest(kind="proof_of_use", recipient=org, year=year, header=header)
        try:
            report = render_pdf(request, draft=True)
        except ReportInputError as error:
            raise CommandError(error.message) from error
        except ReportRenderError as error:
            raise CommandError(f"Das PDF konnte nicht erstellt werden: {error}") from error
        Path(output).write_bytes(report.pdf)
        self.stdout.write(f"{output}: {report.page_count} Seiten, SHA-256 {report.sha256}")

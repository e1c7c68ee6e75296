"""Turning a report into HTML (preview) and PDF/A (download, publishing).

One template serves both: ``reports/_paper.html`` holds the council header, the kind's
template and the footnote; the preview page shows it inside the app's layout, the PDF wraps
it in ``reports/pdf.html``. WeasyPrint fetches nothing from outside the app: the
:class:`StaticOnlyFetcher` serves the app's own static files and refuses every other URL, and a
refused URL stops the rendering (a report must never silently lose its stylesheet).

The PDF is PDF/A-3a (WeasyPrint's ``pdf/a-3a``: archival, tagged for accessibility, with
attachments allowed): title, language (de), StructTreeRoot and MarkInfo, and the report's
figures embedded as a CSV file ("Data" relationship).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from kim_admin.exports import inert_text
from reports.registry import ReportContent, ReportInputError, ReportKind, ReportRequest, get_kind

logger = logging.getLogger(__name__)

# The document's base URL: relative and root-relative URLs (``{% static %}``) resolve to it.
# ``.invalid`` is reserved (RFC 2606): even a bug in the fetcher could not reach a host.
BASE_URL = "https://kim-admin.invalid/"
PDF_VARIANT = "pdf/a-3a"


def max_pages() -> int:
    return getattr(settings, "REPORTS_MAX_PAGES", 300)


class ReportRenderError(Exception):
    """Rendering failed (logged); nothing was stored."""


class RefusedURL(ValueError):
    """A URL outside the app's own static files."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``<BASE_URL><STATIC_URL>…`` from the app's static files; refuses the rest
        (http, https, file, data, ftp …) without opening any connection or file."""

        def __init__(self):
            super().__init__(fail_on_errors=True)

        def fetch(self, url, headers=None):
            path = static_path(url)
            if path is None:
                logger.warning("report rendering refused the URL %s", url)
                raise RefusedURL(f"refused: {url}")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = "text/css" if path.endswith(".css") else None
            headers = {"Content-Type": content_type} if content_type else {}
            return URLFetcherResponse(url, body, headers)

    return StaticOnlyFetcher


def static_path(url: str) -> str | None:
    """The file of a static asset of the app, or None for anything else."""
    static_prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
    if not url.startswith(static_prefix):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    relative = url[len(static_prefix) :]
    if not relative or ".." in relative.split("/"):
        return None
    try:
        found = finders.find(relative)
        if found is None:
            # Production: {% static %} names the collected file with its hash
            # (whitenoise's manifest storage); it lives in STATIC_ROOT only.
            from django.contrib.staticfiles.storage import staticfiles_storage

            collected = staticfiles_storage.path(relative)
            found = collected if os.path.isfile(collected) else None
        return found
    except SuspiciousFileOperation:
        return None


def url_fetcher():
    return _fetcher_class()()


@dataclass
class RenderedReport:
    request: ReportRequest
    kind: ReportKind
    content: ReportContent
    rendered_at: datetime
    html: str = ""
    pdf: bytes = b""
    page_count: int = 0
    # A draft (downloaded, never published): "ENTWURF" in the top margin of every page.
    draft: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def attachment_name(self) -> str:
        return f"{self.file_stem()}.csv"

    @property
    def pdf_name(self) -> str:
        return f"{self.file_stem()}.pdf"

    def file_stem(self) -> str:
        parts = [self.kind.file_stem, self.request.recipient.slug, str(self.request.year)]
        if self.request.scenario:
            parts.append(self.request.scenario.slug)
        parts.extend(self.kind.file_suffix(self.request))
        return slugify("-".join(parts))


def build(request: ReportRequest, rendered_at: datetime | None = None) -> RenderedReport:
    """Load the figures and build the kind's content (no HTML yet). Raises
    ReportInputError for input the report cannot be made from."""
    try:
        kind = get_kind(request.kind)
    except KeyError:
        raise ReportInputError("kind", f"Unbekannte Berichtsart „{request.kind}“.") from None
    rendered_at = rendered_at or timezone.now()
    content = kind.build(request, rendered_at)
    content.data_state_notes = [*content.data_state_notes, *kind.data_state_notes(request)]
    return RenderedReport(request=request, kind=kind, content=content, rendered_at=rendered_at)


def paper_context(report: RenderedReport) -> dict:
    local = timezone.localtime(report.rendered_at).replace(microsecond=0)
    return {
        **report.content.context,
        "kind": report.kind,
        "title": report.content.title,
        "request": report.request,
        "header": report.request.header,
        "recipient": report.request.recipient,
        "year": report.request.year,
        "scenario": report.request.scenario,
        "rendered_at": local,
        "data_state_notes": report.content.data_state_notes,
        "attachment_name": report.attachment_name,
        "draft": report.draft,
    }


def render_paper(report: RenderedReport) -> str:
    """The paper's HTML as the preview shows it (no <html> around it)."""
    return render_to_string("reports/_paper.html", paper_context(report))


def render_document(report: RenderedReport) -> str:
    """The whole HTML document the PDF is made from."""
    return render_to_string("reports/pdf.html", paper_context(report))


def table_csv(table: list[list[str]]) -> str:
    """The report's figures as the CSV attached to its PDF; texts written inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[inert_text(str(cell)) for cell in row] for row in table])
    return out.getvalue()


def write_pdf(html: str, report: RenderedReport) -> tuple[bytes, int]:
    """WeasyPrint: the finished HTML as PDF/A-3a with the CSV attached; (bytes, pages)."""
    from weasyprint import HTML, Attachment

    fetcher = url_fetcher()
    # Naive datetimes in UTC: WeasyPrint writes them with a "Z".
    stamp = report.rendered_at.astimezone(UTC).replace(tzinfo=None)
    attachment = Attachment(
        string=table_csv(report.content.table),
        name=report.attachment_name,
        description="Zahlen des Berichts (CSV, UTF-8, Dezimalpunkt)",
        relationship="Data",
        created=stamp,
        modified=stamp,
        url_fetcher=fetcher,
    )
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT
    )
    pages = len(document.pages)
    if pages > max_pages():
        raise ReportInputError(
            None,
            f"Der Bericht hätte {pages} Seiten; höchstens {max_pages()} Seiten sind erlaubt. "
            "Bitte einen kleineren Ausschnitt wählen.",
        )
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[attachment])
    return pdf, pages


def render_pdf(
    request: ReportRequest, rendered_at: datetime | None = None, *, draft: bool = False
) -> RenderedReport:
    """Build and render a report to PDF (``draft``: marked "ENTWURF" on every page). Input
    problems raise ReportInputError (shown next to the field); any other failure is logged
    and raised as ReportRenderError."""
    report = build(request, rendered_at)
    report.draft = draft
    try:
        report.html = render_document(report)
        report.pdf, report.page_count = write_pdf(report.html, report)
    except ReportInputError:
        raise
    except BaseException as error:  # WeasyPrint's FatalURLFetchingError is a BaseException
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        logger.exception(
            "rendering the report %s for %s %s failed",
            request.kind,
            request.recipient.slug,
            request.year,
        )
        raise ReportRenderError(str(error)) from error
    return report

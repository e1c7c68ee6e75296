"""The application page (Förderantrag) of the user's recipient for a chosen year, with its
XLSX; the PDF is the reports app's kind ``funding_application`` (linked, not imported)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from carriers.models import Organisation
from funding.applications.selectors import Application, funding_application
from kim_admin import navigation
from kim_admin.exports import XLSX_TYPE, xlsx_bytes
from kim_admin.roles import Role

APPLICANT_ROLES = (Role.FINANCE, Role.COORDINATOR)


def application_rows(application: Application) -> tuple[list[str], list[list]]:
    """The application as spreadsheet rows: per block its positions' kinds, then workplace
    set-up and events, then the block's and the whole application's amount requested."""
    header = ["Baustein", "Position", "Stellen (VZ)", "Fördersatz je VZ (€)", "Beantragt (€)"]
    rows: list[list] = []
    for b in application.blocks:
        name = f"{b.block} – {b.name}" if b.name else str(b.block)
        for line in b.lines:
            rows.append([name, line.label, line.fte, line.rate, line.requested])
        rows.append([name, _("Einrichtung der Arbeitsplätze"), None, None, b.workplace_setup])
        rows.append(
            [
                name,
                _("Veranstaltungen, Maßnahmen und Sachausgaben"),
                None,
                None,
                b.events_and_material,
            ]
        )
        rows.append([name, _("Baustein beantragt"), b.fte, None, b.requested])
    rows.append([_("Gesamt"), _("Beantragt"), application.fte, None, application.requested])
    return header, rows


class ApplicationView(LoginRequiredMixin, View):
    """Finance and coordination of a recipient: the application for a year (default: next
    year), its due date, the XLSX (``?export=xlsx``) and a link to the PDF."""

    template_name = "funding/application.html"

    def get(self, request):
        user = request.user
        organisation = user.organisation
        if user.role == Role.ADMIN:
            # Administrators see every recipient's: ?recipient=slug, else the first.
            recipients = Organisation.objects.recipients().order_by("name")
            organisation = (
                recipients.filter(slug=request.GET.get("recipient", "")).first()
                or recipients.first()
            )
        elif user.role not in APPLICANT_ROLES:
            raise PermissionDenied
        if organisation is None or not organisation.is_recipient_kind:
            raise PermissionDenied
        raw = request.GET.get("year", "").strip()
        year = int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None
        error = _("Bitte ein Jahr zwischen 1990 und 2100 angeben.") if raw and year is None else ""
        year = year or timezone.localdate().year + 1
        application = funding_application(organisation, year)
        if request.GET.get("export") == "xlsx":
            header, rows = application_rows(application)
            title = _("Förderantrag %(year)s") % {"year": year}
            response = HttpResponse(xlsx_bytes(header, rows, title), content_type=XLSX_TYPE)
            filename = f"foerderantrag-{organisation.slug}-{year}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        pdf_url = (
            reverse("reports:report_form")
            + "?"
            + urlencode(
                {"kind": "funding_application", "recipient": organisation.slug, "year": year}
            )
        )
        return render(
            request,
            self.template_name,
            {
                "title": _("Förderantrag %(year)s") % {"year": year},
                "tabs": navigation.FUNDING.tabs_for(request),
                "year": year,
                "error": error,
                "application": application,
                "organisation": organisation,
                "pdf_url": pdf_url,
            },
        )

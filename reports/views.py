"""Pages of the council reports: the form (preview, draft PDF, publish), the list of published
reports, a report's page and its download.

Drafts and publishing: finance, coordinators and admins (``kim_admin.roles.may_draft``). The council
sees published reports only. Every object lookup goes through ``restrict``: outside the
user's scope a report answers 404.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView

from kim_admin.generic import ObjectListView, ScopedMixin
from kim_admin.roles import Role, may_draft
from kim_admin.scoping import VIEW
from reports import jobs as report_jobs
from reports import rendering
from reports.filtersets import PublishedReportFilterSet
from reports.forms import CommitteeFormSet, ReportForm, report_request
from reports.models import PublishedReport
from reports.registry import ReportInputError, form_kind_choices, get_kind
from reports.tables import PublishedReportTable

logger = logging.getLogger(__name__)

ACTIONS = ("preview", "pdf", "publish")


def published_reports(user):
    """The published reports the user may see, without their bytes, each with the latest
    version of its series (one subquery: the same number of queries for any number of rows)."""
    latest = (
        PublishedReport.objects.filter(series_key=OuterRef("series_key"))
        .order_by()
        .values("series_key")
        .annotate(v=Max("version"))
        .values("v")
    )
    return (
        PublishedReport.objects.restrict(user, VIEW)
        .without_pdf()
        .select_related("recipient", "scenario", "published_by")
        .annotate(latest_version=Subquery(latest))
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request):
    if not may_draft(request.user):
        raise PermissionDenied
    user = request.user
    if request.method == "GET":
        form = ReportForm(user=user, initial=_initial_from_query(request))
        committees = CommitteeFormSet(prefix="committee")
        return _form_page(request, form, committees)

    form = ReportForm(request.POST, user=user)
    committees = CommitteeFormSet(request.POST, prefix="committee")
    action = request.POST.get("action", "preview")
    if action not in ACTIONS:
        action = "preview"
    if not (form.is_valid() & committees.is_valid()):
        return _form_page(request, form, committees)
    report_req = report_request(form, committees)
    try:
        if action == "preview":
            report = rendering.build(report_req)
            paper = rendering.render_paper(report)
            return _form_page(request, form, committees, paper=paper, report=report)
        # The PDF is made by the background worker (reports.jobs): the page shows the job.
        if action == "pdf":
            job = report_jobs.start_draft(report_req, user)
            return HttpResponseRedirect(job.get_absolute_url())
        job = report_jobs.start_publish(report_req, user)
    except ReportInputError as error:
        if error.field and error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            form.add_error(None, error.message)
        return _form_page(request, form, committees)
    if job.published_report_id is None:
        return HttpResponseRedirect(job.get_absolute_url())
    # Published already (a worker as quick as the page, or the tests' immediate backend).
    published = job.published_report
    messages.success(
        request,
        _("„%(title)s“ wurde als Version %(version)s veröffentlicht.")
        % {"title": published.title, "version": published.version},
    )
    return HttpResponseRedirect(published.get_absolute_url())


def _initial_from_query(request) -> dict:
    """``?kind=positions&recipient=leverkusen&year=2022``: a form started from a link (the
    scenario comparison's page links here with its scenarios and years)."""
    initial = {
        key: request.GET[key]
        for key in ("kind", "recipient", "year", "scenario", "last_year", "projection")
        if request.GET.get(key)
    }
    if request.GET.getlist("compare_scenarios"):
        initial["compare_scenarios"] = request.GET.getlist("compare_scenarios")
    return initial


def option_fields(form) -> list[tuple]:
    """The form's option fields with the kinds that read them (the page shows a field only
    for its kinds)."""
    kinds: dict[str, list[str]] = {}
    for slug, _label in form_kind_choices():
        for name in get_kind(slug).option_fields:
            kinds.setdefault(name, []).append(slug)
    return [(form[name], kinds[name]) for name in kinds if name in form.fields]


def _form_page(request, form, committees, paper=None, report=None, status=200):
    return render(
        request,
        "reports/form.html",
        {
            "form": form,
            "option_fields": option_fields(form),
            "committees": committees,
            "paper": paper,
            "report": report,
            "title": _("Bericht für den Rat erstellen"),
        },
        status=status,
    )


class PublishedReportListView(ObjectListView):
    model = PublishedReport
    filterset_class = PublishedReportFilterSet
    table_class = PublishedReportTable
    template_name = "reports/publishedreport_list.html"

    def get_empty_text(self):
        if may_draft(self.request.user):
            return _(
                "Noch kein Bericht veröffentlicht. Unter „Neuer Bericht“ wählen Sie Berichtsart "
                "und Jahr, prüfen den Entwurf und veröffentlichen ihn; er erscheint dann hier "
                "für den Rat."
            )
        return _(
            "Noch kein Bericht veröffentlicht. Sobald die Finanzverwaltung oder die "
            "KI-Koordination einen Bericht für den Rat veröffentlicht, erscheint er hier zum "
            "Herunterladen als PDF."
        )

    def get_queryset(self):
        return published_reports(self.request.user)

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.request.user.role != Role.ADMIN:
            # Everybody else sees one recipient only: the column would repeat its name.
            kwargs["exclude"] = ("recipient",)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_draft"] = may_draft(self.request.user)
        context["can_add"] = False  # "new" is the report form, linked by the template
        return context


class PublishedReportDetailView(ScopedMixin, DetailView):
    model = PublishedReport
    template_name = "reports/publishedreport_detail.html"

    def get_queryset(self):
        return published_reports(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context["versions"] = list(
            published_reports(self.request.user)
            .filter(series_key=report.series_key)
            .order_by("-version")
        )
        context["header"] = report.header
        context["title"] = str(report)
        context["can_draft"] = may_draft(self.request.user)
        return context


@login_required
def download(request, pk):
    """The PDF exactly as published (inline: the browser shows it; its name says the
    version). Outside the user's scope: 404."""
    report = get_object_or_404(PublishedReport.objects.restrict(request.user, VIEW), pk=pk)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
    response["ETag"] = f'"{report.sha256}"'
    response["X-Content-SHA256"] = report.sha256
    return response

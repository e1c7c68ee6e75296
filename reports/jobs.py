"""Council reports made in the background worker: the draft PDF and publishing.

Rendering a large report takes seconds to minutes of CPU and hundreds of MB: in a web worker
it blocked the worker (and timed out under load); here the page only starts a job and shows
its progress (``jobs``). The work is the reports app's own: ``rendering`` and
``services.store``; this module only turns a job's parameters into a ``ReportRequest``.

Publishing is idempotent: the job and the report it stored are linked in the transaction that
stores the report, under a lock of the job's row. A job run twice (a worker restarted after
storing) finds its report and stores no second one.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from carriers.models import Organisation
from funding.models import Scenario
from kim_admin.jobqueue.models import Job
from kim_admin.jobqueue.services import JobError, handler, progress, start
from reports import rendering
from reports.registry import CouncilHeader, ReportInputError, ReportRequest, get_kind
from reports.services import check_may_report, store

PUBLISH = "report_publish"
DRAFT = "report_draft"
STEPS = 3


def request_params(request: ReportRequest) -> dict:
    return {
        "kind": request.kind,
        "recipient": request.recipient.pk,
        "year": request.year,
        "scenario": request.scenario.pk if request.scenario else None,
        "header": request.header.as_dict(),
        "options": request.options,
    }


def request_from(params: dict) -> ReportRequest:
    recipient = Organisation.objects.filter(pk=params["recipient"]).first()
    if recipient is None:
        raise JobError(_("Den Zuwendungsempfänger des Berichts gibt es nicht mehr."))
    scenario = None
    if params.get("scenario"):
        scenario = Scenario.objects.filter(pk=params["scenario"]).first()
        if scenario is None:
            raise JobError(_("Das Szenario des Berichts gibt es nicht mehr."))
    return ReportRequest(
        kind=params["kind"],
        recipient=recipient,
        year=params["year"],
        scenario=scenario,
        header=CouncilHeader.from_dict(params["header"]),
        options=params.get("options") or {},
    )


def _title(request: ReportRequest, draft: bool) -> str:
    label = get_kind(request.kind).label
    what = _("Entwurf") if draft else _("Veröffentlichung")
    return f"{what}: {label} {request.recipient.name} {request.year}"


def check_input(request: ReportRequest, user) -> None:
    """What the page can still say next to the field: the permission, and the kind's own
    checks of the input (a year without data, a bad option), which come from building the
    content (the engine's figures, no PDF). Raises PermissionDenied or ReportInputError."""
    check_may_report(user, request.recipient)
    rendering.build(request)


def start_publish(request: ReportRequest, user) -> Job:
    check_input(request, user)
    return start(
        kind=PUBLISH, title=_title(request, False), params=request_params(request), user=user
    )


def start_draft(request: ReportRequest, user) -> Job:
    check_input(request, user)
    return start(kind=DRAFT, title=_title(request, True), params=request_params(request), user=user)


def _render(job: Job, *, draft: bool = False) -> rendering.RenderedReport:
    request = request_from(job.params)
    check_may_report(job.created_by, request.recipient)
    progress(job, 0, STEPS, _("Zahlen werden berechnet"))
    try:
        report = rendering.build(request)
        report.draft = draft
        progress(job, 1, STEPS, _("PDF wird gesetzt"))
        report.html = rendering.render_document(report)
        report.pdf, report.page_count = rendering.write_pdf(report.html, report)
    except ReportInputError as error:
        raise JobError(error.message) from error
    progress(job, 2, STEPS, _("PDF wird gespeichert"))
    return report


def _link_published(job: Job) -> None:
    report = job.published_report
    job.result_url = report.get_absolute_url()
    job.result_label = _("„%(title)s“, Version %(version)s") % {
        "title": report.title,
        "version": report.version,
    }


@handler(PUBLISH)
def publish(job: Job) -> None:
    if job.published_report_id:
        _link_published(job)
        return
    report = _render(job)
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.published_report_id is None:
            locked.published_report = store(report, job.created_by)
            locked.save(update_fields=["published_report"])
        job.published_report = locked.published_report
    _link_published(job)


@handler(DRAFT)
def draft(job: Job) -> None:
    report = _render(job, draft=True)
    job.result = report.pdf
    job.result_name = f"entwurf-{report.pdf_name}"
    job.result_type = "application/pdf"
    job.result_label = _("Entwurf als PDF (%(pages)s Seiten, nicht veröffentlicht)") % {
        "pages": report.page_count
    }

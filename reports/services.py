"""Writes of the reports app: publishing. Reads of what a user may report on."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from carriers.models import Organisation
from funding.models import Projection, Scenario
from kim_admin.roles import Role, may_draft
from kim_admin.scoping import VIEW
from reports.models import PublishedReport, series_key
from reports.registry import ReportRequest
from reports.rendering import RenderedReport, render_pdf

# Two people publishing the same series at once: the second retries with the next version.
PUBLISH_ATTEMPTS = 3


def report_recipients(user) -> QuerySet[Organisation]:
    """The recipients a user may make reports of: admins every county and county-free city,
    finance, coordinators and the council their own organisation (if it is a recipient),
    carriers and towns none."""
    recipients = Organisation.objects.recipients().order_by("name")
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return recipients
    if role in (Role.FINANCE, Role.COORDINATOR, Role.COUNCIL) and user.organisation_id:
        return recipients.filter(pk=user.organisation_id)
    return recipients.none()


def report_scenarios(user, recipient: Organisation | None) -> QuerySet[Scenario]:
    queryset = Scenario.objects.restrict(user, VIEW).order_by("name")
    return queryset.filter(recipient=recipient) if recipient else queryset


def report_projections(user, recipient: Organisation | None) -> QuerySet[Projection]:
    queryset = Projection.objects.restrict(user, VIEW).order_by("name")
    return queryset.filter(recipient=recipient) if recipient else queryset


def check_may_report(user, recipient: Organisation) -> None:
    if not may_draft(user) or not report_recipients(user).filter(pk=recipient.pk).exists():
        raise PermissionDenied


def report_publish(
    *, request: ReportRequest, actor, rendered_at: datetime | None = None
) -> PublishedReport:
    """Render the report and store it as the next version of its series.

    The PDF is rendered first; the row is written in one transaction afterwards, so a failed
    rendering stores nothing and a stored row always has its whole PDF. The history records
    the actor.
    """
    check_may_report(actor, request.recipient)
    report = render_pdf(request, rendered_at=rendered_at)
    return store(report, actor)


def store(report: RenderedReport, actor) -> PublishedReport:
    request = report.request
    header = request.header
    key = series_key(
        request.kind,
        request.recipient.pk,
        request.year,
        request.scenario.pk if request.scenario else None,
        header.file_number,
        request.options,
    )
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            with transaction.atomic():
                latest = (
                    PublishedReport.objects.filter(series_key=key).aggregate(v=Max("version"))["v"]
                    or 0
                )
                published = PublishedReport(
                    kind=request.kind,
                    recipient=request.recipient,
                    year=request.year,
                    scenario=request.scenario,
                    series_key=key,
                    version=latest + 1,
                    title=report.content.title,
                    file_number=header.file_number.strip(),
                    paper_date=header.paper_date,
                    subject=header.subject,
                    header=header.as_dict(),
                    parameters=request.parameters(),
                    pdf=report.pdf,
                    sha256=report.sha256,
                    size=len(report.pdf),
                    page_count=report.page_count,
                    data_as_of=report.rendered_at,
                    published_by=actor,
                    published_at=timezone.now(),
                )
                published.full_clean(exclude=["series_key", "version"])
                published._history_user = actor
                published.save()
                return published
        except IntegrityError:
            if attempt == PUBLISH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")

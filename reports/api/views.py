"""``/api/reports/``: published reports (list, detail, PDF) and publishing (POST)."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from funding.models import Scenario
from kim_admin.api import RestrictedReadOnlyViewSet
from kim_admin.jobqueue.api import job_payload
from kim_admin.jobqueue.models import JobState
from kim_admin.permissions import RolePermission
from kim_admin.roles import may_draft
from kim_admin.scoping import VIEW
from reports import jobs as report_jobs
from reports.api.serializers import PublishedReportSerializer, PublishSerializer
from reports.filtersets import PublishedReportFilterSet
from reports.models import PublishedReport
from reports.registry import (
    CommitteeStep,
    CouncilHeader,
    ReportInputError,
    ReportRequest,
    get_kind,
)
from reports.services import report_recipients
from reports.views import published_reports


class RenderFailed(APIException):
    status_code = 500
    default_detail = _(
        "Der Bericht konnte nicht erstellt werden. Der Fehler wurde protokolliert; es wurde "
        "nichts veröffentlicht."
    )
    default_code = "render_failed"


class PublishedReportViewSet(mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Reads: every role that may view reports, in its scope (404 outside). POST publishes:
    finance, coordinators and admins for their own recipient."""

    queryset = PublishedReport.objects.all()
    serializer_class = PublishedReportSerializer
    filterset_class = PublishedReportFilterSet
    permission_classes = [RolePermission]
    description = _(
        "Veröffentlichte Berichte für den Rat (PDF/A) mit Version, Prüfsumme und Kopf der "
        "Vorlage. POST veröffentlicht einen neuen Bericht bzw. eine neue Version."
    )

    def get_queryset(self):
        return published_reports(self.request.user)

    def get_serializer_class(self):
        return PublishSerializer if self.action == "create" else PublishedReportSerializer

    @extend_schema(
        request=PublishSerializer,
        responses={201: PublishedReportSerializer, 202: OpenApiTypes.OBJECT},
    )
    def create(self, request, *args, **kwargs):
        if not may_draft(request.user):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied()
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        recipient = report_recipients(request.user).filter(slug=data["recipient"]).first()
        if recipient is None:
            raise ValidationError(
                {
                    "recipient": [
                        _("Unbekannter Zuwendungsempfänger „%(slug)s“.")
                        % {"slug": data["recipient"]}
                    ]
                }
            )
        scenario = None
        if data.get("scenario"):
            scenario = (
                Scenario.objects.restrict(request.user, VIEW)
                .filter(recipient=recipient, slug=data["scenario"])
                .first()
            )
            if scenario is None:
                raise ValidationError(
                    {
                        "scenario": [
                            _("Unbekanntes Szenario „%(slug)s“.") % {"slug": data["scenario"]}
                        ]
                    }
                )
        head = data["header"]
        header = CouncilHeader(
            body=head["body"],
            department=head.get("department", ""),
            file_number=head["file_number"],
            paper_date=head["paper_date"],
            subject=head["subject"],
            committees=tuple(
                CommitteeStep(s["committee"], s.get("meeting_date"), s["role"])
                for s in head.get("committees", [])
            ),
        )
        try:
            options = get_kind(data["kind"]).clean_options(
                data.get("options") or {}, recipient=recipient, user=request.user
            )
        except ReportInputError as error:
            raise ValidationError({"options": {error.field: [error.message]}}) from error
        report_request = ReportRequest(
            kind=data["kind"],
            recipient=recipient,
            year=data["year"],
            scenario=scenario,
            header=header,
            options=options,
        )
        # The background worker renders and stores the report (reports.jobs): 202 with the
        # job to poll (``job.status_url``), or 201 with the report when it is done already.
        try:
            job = report_jobs.start_publish(report_request, request.user)
        except ReportInputError as error:
            raise ValidationError({error.field or "non_field_errors": [error.message]}) from error
        if job.state == JobState.FAILED:
            raise RenderFailed(job.error)
        if job.published_report_id is None:
            payload = {"job": job_payload(job, request)}
            return Response(
                payload,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": payload["job"]["status_url"]},
            )
        shown = self.get_queryset().get(pk=job.published_report_id)
        return Response(
            PublishedReportSerializer(shown, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf(self, request, pk=None):
        report = PublishedReport.objects.restrict(request.user, VIEW).filter(pk=pk).first()
        if report is None:
            from rest_framework.exceptions import NotFound

            raise NotFound()
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
        response["X-Content-SHA256"] = report.sha256
        return response

"""``GET /api/jobs/<id>/``: a job's state, progress and result, for API clients that started
one (``POST /api/reports/`` answers 202 with it). The user's own jobs only (404 else)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kim_admin.jobqueue.models import Job
from kim_admin.jobqueue.views import status_payload


def job_payload(job: Job, request) -> dict:
    payload = status_payload(job)
    payload["status_url"] = request.build_absolute_uri(reverse("api-job-detail", args=[job.pk]))
    payload["page_url"] = request.build_absolute_uri(job.get_absolute_url())
    for key in ("result_url", "download_url"):
        if payload[key]:
            payload[key] = request.build_absolute_uri(payload[key])
    if job.published_report_id:
        payload["report_url"] = request.build_absolute_uri(
            reverse("reports:api-report-detail", args=[job.published_report_id])
        )
    return payload


class JobDetailView(APIView):
    permission_classes = [IsAuthenticated]
    description = _(
        "Stand eines Auftrags (z. B. eines Berichts, den POST /api/reports/ gestartet hat): "
        "Zustand, Fortschritt und, wenn fertig, die Adressen des Ergebnisses. Nur eigene "
        "Aufträge."
    )

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary=_("Auftrag abrufen"))
    def get(self, request, pk):
        job = get_object_or_404(Job.objects.visible_to(request.user).without_result(), pk=pk)
        return Response(job_payload(job, request))

"""The pages of a job: its state and progress (the page asks again every two seconds while
the job waits or runs), its result to download or open, and a failure with a retry. A user
sees their own jobs (administrators all); anything else answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kim_admin.jobqueue import services
from kim_admin.jobqueue.models import Job


def _job(request, pk, with_result=False):
    queryset = Job.objects.visible_to(request.user)
    if not with_result:
        queryset = queryset.without_result()
    return get_object_or_404(queryset, pk=pk)


def status_payload(job: Job) -> dict:
    return {
        "id": job.pk,
        "title": job.title,
        "state": job.state,
        "state_label": job.get_state_display(),
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "label": job.progress_label,
        },
        "error": job.error,
        "result_url": job.result_url,
        "result_label": job.result_label,
        "download_url": (
            f"{job.get_absolute_url()}ergebnis/" if job.has_file and job.state == "done" else ""
        ),
        "attempts": job.attempts,
    }


@login_required
def job_list(request):
    jobs = Job.objects.visible_to(request.user).without_result()[:50]
    return render(request, "jobs/job_list.html", {"jobs": jobs, "title": _("Aufträge")})


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    return render(
        request,
        "jobs/job_detail.html",
        {"job": job, "title": job.title, "status": status_payload(job)},
    )


@login_required
def job_status(request, pk):
    return JsonResponse(status_payload(_job(request, pk)))


@login_required
def job_result(request, pk):
    job = _job(request, pk, with_result=True)
    if job.state != "done" or not job.has_file:
        return HttpResponse(_("Dieser Auftrag hat (noch) keine Datei."), status=404)
    response = HttpResponse(bytes(job.result), content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response


@login_required
@require_POST
def job_retry(request, pk):
    job = _job(request, pk)
    try:
        services.retry(job, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Der Auftrag wurde erneut gestartet."))
    return HttpResponseRedirect(job.get_absolute_url())

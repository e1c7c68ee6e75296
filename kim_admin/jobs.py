"""Large list exports (XLSX/CSV) made by the job worker.

The job replays the list's own export request as the user who asked for it: the same view,
filters, scope and permission checks, table and columns, so the file is exactly what the
page would have sent, without holding a web worker while thousands of rows are written.
"""

from __future__ import annotations

import re

from django.contrib.sessions.backends.base import SessionBase
from django.test import RequestFactory
from django.urls import resolve
from django.utils.translation import gettext as _

from kim_admin.exports import JOB_FLAG
from kim_admin.jobqueue.models import Job
from kim_admin.jobqueue.services import JobError, handler, progress, start

EXPORT = "export"


def start_export(request, title: str) -> Job:
    query = request.GET.copy()
    query[JOB_FLAG] = "1"
    export_format = query.get("export", "").upper()
    return start(
        kind=EXPORT,
        title=_("Export %(format)s: %(title)s") % {"format": export_format, "title": title},
        params={"path": request.path, "query": query.urlencode()},
        user=request.user,
    )


@handler(EXPORT)
def export(job: Job) -> None:
    progress(job, 0, 1, _("Zeilen werden geschrieben"))
    request = RequestFactory().get(f"{job.params['path']}?{job.params['query']}")
    request.user = job.created_by
    request.session = SessionBase()
    match = resolve(job.params["path"])
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200 or "Content-Disposition" not in response:
        raise JobError(
            _("Der Export konnte nicht erstellt werden (Status %(status)s).")
            % {"status": response.status_code}
        )
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"])
    job.result = response.content
    job.result_name = name.group(1) if name else "export"
    job.result_type = response["Content-Type"]
    job.result_label = _("%(name)s (%(size)s KB)") % {
        "name": job.result_name,
        "size": max(1, len(response.content) // 1024),
    }

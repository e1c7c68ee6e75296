"""The settlement batch as a background job: every town's statement of a recipient's closed
year, with "n von N" while it runs and the ZIP of all PDFs as its result.

Each statement is issued in its own transaction by ``statements_issue_all``; a batch that is
run again (a retry after a refusal, a worker restarted mid-batch) issues only the statements
still missing, so no town gets a second version of unchanged figures.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from carriers.choices import StatementState
from carriers.models import Organisation, SettlementStatement
from carriers.settlements import services
from kim_admin.jobqueue.models import Job
from kim_admin.jobqueue.services import JobError, handler, progress, start

BATCH = "settlement_batch"


def start_batch(*, recipient: Organisation, year: int, user) -> Job:
    return start(
        kind=BATCH,
        title=_("Abrechnungen aller Kommunen: %(recipient)s %(year)s")
        % {"recipient": recipient.name, "year": year},
        params={"recipient": recipient.pk, "year": year},
        user=user,
    )


@handler(BATCH)
def batch(job: Job) -> None:
    recipient = Organisation.objects.get(pk=job.params["recipient"])
    year = job.params["year"]

    def step(done, total, town):
        label = _("%(done)s von %(total)s") % {"done": done, "total": total}
        progress(job, done, total, f"{label} – {town}" if town else label)

    try:
        issued = services.statements_issue_all(
            recipient=recipient, year=year, actor=job.created_by, progress=step
        )
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from error
    statements = (
        SettlementStatement.objects.restrict(job.created_by)
        .filter(recipient=recipient, year=year, state=StatementState.ISSUED)
        .select_related("split", "town")
        .order_by("split__name", "town__name")
    )
    job.result = services.statements_zip(statements)
    job.result_name = f"abrechnungen-{recipient.slug}-{year}.zip"
    job.result_type = "application/zip"
    job.result_url = reverse("carriers:settlementstatement_list") + f"?year={year}"
    job.result_label = _("%(issued)s Abrechnung(en) ausgestellt, %(total)s im ZIP") % {
        "issued": len(issued),
        "total": statements.count(),
    }

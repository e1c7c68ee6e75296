"""Jobs through django-tasks' database backend and the real worker (``run_worker``, run in
this process with ``--batch``: it takes every waiting task, runs it and stops).

Publishing a report through the page, its progress and result; a job that runs twice stores
one report; a worker that died mid-job: its task runs again after the restart; a failure in
German with a retry; a mail through the queue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kim_admin.jobqueue import services
from kim_admin.jobqueue.management.commands.run_worker import stable_worker_id
from kim_admin.jobqueue.models import Job, JobState
from reports.models import PublishedReport
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FORM = reverse("reports:report_form")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("db_backend")]


@pytest.fixture
def db_backend():
    with override_settings(TASKS=DB_TASKS):
        yield


@pytest.fixture
def fast_pdf(monkeypatch):
    from reports import rendering

    monkeypatch.setattr(rendering, "write_pdf", lambda html, report: (b"%PDF-1.7 stub", 1))


@pytest.fixture
def city():
    city = OrganisationFactory(name="Stadt Musterhausen", slug="musterhausen")
    rate = FundingRateFactory(
        block=BuildingBlockFactory(number=2), amount=Decimal("57000"), valid_from=date(2023, 1, 1)
    )
    position = PositionFactory(
        recipient=city, block=rate.block, title="Casemanagement 1", planned_start=date(2024, 1, 1)
    )
    OccupancyFactory(position=position)
    PositionCostFactory(position=position, year=2024, employer_gross=Decimal("60000.00"))
    return city


def form_data(action):
    return {
        "kind": "cost_overview",
        "recipient": "musterhausen",
        "year": "2024",
        "scenario": "",
        "body": "Stadt Musterhausen",
        "department": "",
        "file_number": "2024/0815",
        "paper_date": "02.12.2024",
        "subject": "KIM NRW: Kosten 2024",
        "committee-TOTAL_FORMS": "0",
        "committee-INITIAL_FORMS": "0",
        "committee-MIN_NUM_FORMS": "0",
        "committee-MAX_NUM_FORMS": "4",
        "action": action,
    }


def work(name="test"):
    """The worker, as `make run` and systemd start it, until the queue is empty."""
    call_command(
        "run_worker", "--batch", "--no-reload", "--no-startup-delay", "--name", name, verbosity=0
    )


def test_publishing_waits_for_the_worker_then_shows_the_report(client, finance):
    client.force_login(finance)
    response = client.post(FORM, form_data("publish"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.state == JobState.QUEUED
    assert DBTaskResult.objects.filter(id=job.task_id, status="READY").exists()

    page = client.get(job.get_absolute_url()).content.decode()
    assert "wartet" in page and "Wartet auf den Hintergrunddienst" in page
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["state"] == "queued"

    work()

    job.refresh_from_db()
    report = PublishedReport.objects.get()
    assert job.state == JobState.DONE and job.published_report == report
    assert bytes(report.pdf).startswith(b"%PDF-")
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["state"] == "done" and status["progress"]["percent"] == 100
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Ergebnis ansehen" in page and report.get_absolute_url() in page
    # The history of the report names the publisher and the request that started the job.
    from kim_admin.jobqueue.models import history_request_id

    entry = report.history.get()
    assert entry.history_user == finance
    assert history_request_id(entry) == job.request_id != ""


def test_a_draft_is_a_file_to_download(client, finance, fast_pdf):
    client.force_login(finance)
    client.post(FORM, form_data("pdf"))
    work()
    job = Job.objects.get()
    assert job.state == JobState.DONE
    download = client.get(reverse("jobs:result", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert bytes(download.content) == b"%PDF-1.7 stub"
    assert PublishedReport.objects.count() == 0
    # Somebody else's job: 404.
    other = UserFactory(role="finance", organisation=finance.organisation)
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("jobs:result", args=[job.pk])).status_code == 404


def test_a_job_run_twice_stores_one_report(client, finance, fast_pdf):
    client.force_login(finance)
    client.post(FORM, form_data("publish"))
    job = Job.objects.get()
    work()
    # The worker died after storing, before it recorded the end: the task runs again.
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    assert services.run(job.pk) == JobState.DONE
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    DBTaskResult.objects.filter(id=job.task_id).update(
        status="RUNNING", worker_ids=[stable_worker_id("test")]
    )
    work()
    assert PublishedReport.objects.count() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.published_report == PublishedReport.objects.get()


def test_a_worker_restarted_mid_job_runs_the_job_again(client, finance, fast_pdf):
    client.force_login(finance)
    client.post(FORM, form_data("publish"))
    job = Job.objects.get()
    # A worker claimed the task and was killed: the row stays "running" with its id.
    task = DBTaskResult.objects.get(id=job.task_id)
    task.claim(stable_worker_id("w1"))
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)

    work("w2")  # another worker leaves it alone: it is w1's
    assert DBTaskResult.objects.get(id=job.task_id).status == "RUNNING"
    assert PublishedReport.objects.count() == 0

    work("w1")  # w1 restarted: what it left running is queued again and runs
    task.refresh_from_db()
    job.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert job.state == JobState.DONE
    assert PublishedReport.objects.count() == 1


def test_a_failure_is_shown_in_german_and_can_be_retried(client, finance, monkeypatch):
    from reports import rendering

    def broken(html, report):
        raise RuntimeError("boom")

    monkeypatch.setattr(rendering, "write_pdf", broken)
    client.force_login(finance)
    client.post(FORM, form_data("publish"))
    job = Job.objects.get()
    work()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "Der Auftrag ist unerwartet fehlgeschlagen" in job.error
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "fehlgeschlagen" in page and "Erneut versuchen" in page
    assert PublishedReport.objects.count() == 0

    monkeypatch.setattr(rendering, "write_pdf", lambda html, report: (b"%PDF-1.7 stub", 1))
    response = client.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 302
    work()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2
    assert PublishedReport.objects.count() == 1
    # A finished job is not retried.
    client.post(reverse("jobs:retry", args=[job.pk]))
    assert Job.objects.get(pk=job.pk).state == JobState.DONE


def test_the_api_answers_202_with_the_job_then_the_report(finance, fast_pdf):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(finance)
    body = {
        "kind": "cost_overview",
        "recipient": "musterhausen",
        "year": 2024,
        "header": {"body": "Stadt", "file_number": "2024/1", "subject": "Kosten"},
    }
    response = api.post("/api/reports/", body, format="json")
    assert response.status_code == 202, response.json()
    status_url = response.json()["job"]["status_url"]
    assert response["Location"] == status_url
    assert api.get(status_url).json()["state"] == "queued"
    work()
    done = api.get(status_url).json()
    assert done["state"] == "done"
    report = PublishedReport.objects.get()
    assert done["report_url"].endswith(f"/api/reports/{report.pk}/")


def test_mail_leaves_through_the_queue(finance):
    with override_settings(
        EMAIL_BACKEND="kim_admin.jobqueue.mail.QueuedEmailBackend",
        EMAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        mail.send_mail("Prognose eingereicht", "Bitte prüfen.", None, ["koordination@example.de"])
        assert len(mail.outbox) == 0
        assert (
            DBTaskResult.objects.filter(task_path="kim_admin.jobqueue.tasks.send_mail").count() == 1
        )
        work()
    assert [m.subject for m in mail.outbox] == ["Prognose eingereicht"]
    assert mail.outbox[0].to == ["koordination@example.de"]


def test_old_finished_jobs_are_pruned_and_their_reports_stay(client, finance, fast_pdf):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(finance)
    client.post(FORM, form_data("publish"))
    client.post(FORM, form_data("pdf"))
    work()
    Job.objects.update(finished_at=timezone.now() - timedelta(days=31))
    client.post(FORM, form_data("pdf"))  # waiting: stays
    call_command("prune_jobs", "--days", "30", verbosity=0)
    assert list(Job.objects.values_list("state", flat=True)) == [JobState.QUEUED]
    assert PublishedReport.objects.count() == 1

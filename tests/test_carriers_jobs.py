"""The settlement batch as a background job, run by the real worker (database backend):
Kreis Coesfeld's eleven towns for 2023, "n von N", the ZIP as the result; run again, it
issues nothing twice."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from carriers.models import SettlementStatement
from kim_admin.jobqueue import services
from kim_admin.jobqueue.models import Job, JobState
from tests import demo_snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_batch_issues_every_town_in_the_worker_once(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_snapshot.load(users=True)
    from kim_admin.models import User

    client.force_login(User.objects.get(username="finanzen-coesfeld"))
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        page = client.get(reverse("carriers:settlement_batch"), {"year": 2023})
        assert "11 Abrechnungen auszustellen" in page.content.decode()
        response = client.post(
            reverse("carriers:settlement_batch"), {"recipient": "kreis-coesfeld", "year": 2023}
        )
        job = Job.objects.get()
        assert response["Location"] == job.get_absolute_url()
        assert SettlementStatement.objects.count() == 0

        call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert (job.progress_done, job.progress_total) == (11, 11)
    assert SettlementStatement.objects.filter(year=2023, state="issued").count() == 11
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{job.get_absolute_url()}ergebnis/").content))
    assert len(archive.namelist()) == 11

    # The worker died before it recorded the end: the batch runs again and issues nothing new.
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    assert services.run(job.pk) == JobState.DONE
    assert SettlementStatement.objects.count() == 11

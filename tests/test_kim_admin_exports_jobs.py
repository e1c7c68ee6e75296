"""A large list export is made by the job worker: the list's own export, replayed as the
user (same filters, scope and columns); small ones stay in the request."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from kim_admin.jobqueue.models import Job, JobState
from tests.factories import OrganisationFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_large_export_becomes_a_job_with_the_same_rows(client):
    city = OrganisationFactory(slug="musterhausen")
    other = OrganisationFactory(slug="anderswo")
    for n in range(3):
        PositionFactory(recipient=city, title=f"Stelle Musterhausen {n}")
    PositionFactory(recipient=other, title="Stelle Anderswo")
    client.force_login(UserFactory(role="finance", organisation=city))
    url = reverse("staffing:position_list")

    small = client.get(url, {"export": "csv"})
    assert small["Content-Type"].startswith("text/csv")

    with override_settings(EXPORT_SYNC_ROWS=2):
        response = client.get(url, {"export": "csv"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == JobState.DONE and job.title.startswith("Export CSV")
    made = client.get(reverse("jobs:result", args=[job.pk]))
    assert made["Content-Type"].startswith("text/csv")
    assert made.content == small.content  # exactly what the page would have sent
    text = made.content.decode("utf-8-sig")
    assert text.count("Stelle Musterhausen") == 3 and "Anderswo" not in text

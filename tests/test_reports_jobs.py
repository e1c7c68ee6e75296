"""Reports made by jobs: what production's static files and WeasyPrint's own failures mean
for them (the worker flow itself: tests/test_kim_admin_jobs_worker.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from reports import rendering


def test_the_pdf_finds_a_collected_style_sheet_by_its_hashed_name(tmp_path):
    """With DEBUG off {% static %} names the collected file (report.<hash>.css), which only
    STATIC_ROOT has: the renderer serves it from there; outside it refuses as before."""
    (tmp_path / "reports").mkdir()
    hashed = tmp_path / "reports" / "report.0123456789ab.css"
    hashed.write_text("body { color: black }")
    base = rendering.BASE_URL + "static/"
    with override_settings(STATIC_ROOT=tmp_path):
        assert rendering.static_path(base + "reports/report.0123456789ab.css") == str(hashed)
        assert rendering.static_path(base + "reports/report.css").endswith(
            "static/reports/report.css"
        )
        assert rendering.static_path(base + "reports/missing.css") is None
        assert rendering.static_path(base + "../settings.py") is None
        assert rendering.static_path("https://example.org/static/reports/report.css") is None


@pytest.mark.django_db
def test_a_fatal_weasyprint_error_fails_the_job_in_german(monkeypatch):
    """WeasyPrint's FatalURLFetchingError is a BaseException: the job must still end as
    failed (not stay "running" for ever)."""
    from datetime import date

    from weasyprint.urls import FatalURLFetchingError

    from kim_admin.jobqueue.models import JobState
    from reports import jobs as report_jobs
    from reports.registry import CouncilHeader, ReportRequest
    from tests.factories import OrganisationFactory, UserFactory

    def fatal(*args, **kwargs):
        raise FatalURLFetchingError("Error fetching report.css")

    city = OrganisationFactory(slug="musterhausen")
    finance = UserFactory(role="finance", organisation=city)
    monkeypatch.setattr(rendering, "build", fatal)
    monkeypatch.setattr(report_jobs, "check_input", lambda request, user: None)
    header = CouncilHeader(body="Stadt", file_number="1", paper_date=date(2024, 1, 1), subject="S")
    request = ReportRequest(kind="positions", recipient=city, year=2024, header=header)
    job = report_jobs.start_draft(request, finance)  # the tests' immediate backend runs it
    assert job.state == JobState.FAILED
    assert "unerwartet fehlgeschlagen" in job.error

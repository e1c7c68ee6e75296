"""The application (Förderantrag) for a year (issue 15): the command's JSON, its amount
requested against the cost overview's funding, the due date as data."""

import json
from datetime import date
from decimal import Decimal as D
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command

from funding import rules
from funding.applications.selectors import application_due_date
from funding.models import ApplicationDueDate

pytestmark = pytest.mark.django_db


def _command(name, **options):
    out = StringIO()
    call_command(name, stdout=out, **options)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("year", [2026, 2027])
def test_leverkusen_application_requests_the_cost_overviews_funding(demo_data, year):
    application = _command("funding_application", recipient="leverkusen", year=year, format="json")
    overview = _command("cost_overview", recipient="leverkusen", year=year)
    assert application["totals"]["requested"] == overview["totals"]["funding"]
    # By hand from seeds 001 and 000 (rates in force 2026/2027 as entered in the demo):
    # block 1: 2.5 × 55,000 + 0.5 × 45,000 = 160,000 (the notice's maximum),
    # block 2: 9 × 57,000 = 513,000, block 3: 2.25 × 50,000 = 112,500;
    # workplace allowance 3 × 9,700 = 29,100; events 49,000.
    # 160,000 + 513,000 + 112,500 + 29,100 + 49,000 = 863,600.
    assert application["totals"] == {
        "fte": "14.250",
        "personnel": "785500.00",
        "workplace_setup": "29100.00",
        "events_and_material": "49000.00",
        "requested": "863600.00",
    }
    by_block = {b["block"]: b for b in application["by_block"]}
    assert {n: b["requested"] for n, b in by_block.items()} == {
        1: "238100.00",
        2: "513000.00",
        3: "112500.00",
    }
    assert [(line["kind"], line["fte"], line["rate"]) for line in by_block[1]["lines"]] == [
        ("assistance", "0.500", "45000.00"),
        ("coordination", "2.500", "55000.00"),
    ]
    assert by_block[2]["lines"][0]["rate"] == "57000.00"
    # The sum of the blocks is the total requested (nothing added or lost in the grouping).
    assert sum(D(b["requested"]) for b in application["by_block"]) == D("863600.00")


def test_due_date_is_30_october_of_the_year_before_unless_stored(db):
    assert rules.application_due_date(2027, None) == date(2026, 10, 30)
    assert application_due_date(2027) == (date(2026, 10, 30), False)
    ApplicationDueDate.objects.create(year=2027, due_on=date(2026, 10, 15))
    assert application_due_date(2027) == (date(2026, 10, 15), True)
    assert application_due_date(2028) == (date(2027, 10, 30), False)


def test_command_refuses_an_unknown_recipient(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unbekannter Zuwendungsempfänger"):
        call_command("funding_application", recipient="nirgendwo", year=2026, stdout=StringIO())


# --- the page -------------------------------------------------------------------------------

APPLICATION = "/foerderung/antrag/"


def test_coordinator_sees_the_application_with_its_due_date(client, leverkusen, demo_data):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="coordinator", organisation=leverkusen))
    ApplicationDueDate.objects.create(year=2027, due_on=date(2026, 10, 15))
    response = client.get(APPLICATION, {"year": "2027"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Förderantrag 2027" in page
    assert "15.10.2026" in page and "festgelegte Antragsfrist" in page
    # Seed 001/000 by hand (see above): 863,600 requested, block 2 9 × 57,000 = 513,000.
    assert "863.600,00\u00a0€" in page and "513.000,00\u00a0€" in page
    assert "kind=funding_application" in page
    tabs = [t["label"] for t in response.context["tabs"] if t["current"]]
    assert tabs == ["Förderantrag"]
    # Without a stored date: 30 October of the year before.
    assert "30.10.2025" in client.get(APPLICATION, {"year": "2026"}).content.decode()


def test_application_xlsx_has_the_amounts(client, leverkusen, demo_data):
    from openpyxl import load_workbook

    from tests.factories import UserFactory

    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    response = client.get(APPLICATION, {"year": "2026", "export": "xlsx"})
    assert response.status_code == 200
    assert 'filename="foerderantrag-leverkusen-2026.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Baustein"
    assert rows[-1][1] == "Beantragt" and D(str(rows[-1][4])) == D("863600")


def test_a_wild_year_is_a_german_message_and_others_may_not_see_the_page(
    client, leverkusen, demo_data
):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    response = client.get(APPLICATION, {"year": "abc"})
    assert response.status_code == 200
    assert "Bitte ein Jahr zwischen 1990 und 2100 angeben." in response.content.decode()
    client.force_login(UserFactory(role="council", organisation=leverkusen))
    assert client.get(APPLICATION).status_code == 403


def test_application_pdf_report_kind_renders_the_figures(leverkusen, demo_data):
    from reports import rendering
    from reports.registry import CouncilHeader, ReportRequest

    request = ReportRequest(
        kind="funding_application",
        recipient=leverkusen,
        year=2026,
        header=CouncilHeader(
            body="Stadt Leverkusen",
            file_number="",
            paper_date=date(2025, 10, 1),
            subject="Förderantrag 2026",
        ),
    )
    report = rendering.build(request)
    paper = rendering.render_paper(report)
    assert "Förderantrag Stadt Leverkusen 2026" in paper
    assert "863.600,00" in paper and "30.10.2025" in paper
    assert ["", "", "requested", "863600.00"] in report.content.table


@pytest.mark.parametrize("role", ["finance", "coordinator", "council", "carrier", "town"])
def test_only_administrators_change_the_due_dates(role):
    from kim_admin.scoping import CHANGE, VIEW
    from tests.factories import OrganisationFactory, UserFactory

    # Its own recipient: the demo data of the tests above (module-wide) holds "leverkusen".
    city = OrganisationFactory()

    due = ApplicationDueDate.objects.create(year=2027, due_on=date(2026, 10, 15))
    user = UserFactory(role=role, organisation=city)
    assert not ApplicationDueDate.objects.restrict(user, CHANGE).exists()
    assert list(ApplicationDueDate.objects.restrict(UserFactory(role="admin"), CHANGE)) == [due]
    # Reference data: every signed-in role with an organisation reads it (like the pay rises).
    assert ApplicationDueDate.objects.restrict(user, VIEW).exists()

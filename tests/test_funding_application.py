"""The application (Förderantrag) for a year (issue 15): the command's JSON, its amount
requested against the cost overview's funding, the due date as data."""

import json
from datetime import date
from decimal import Decimal as D
from io import StringIO

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

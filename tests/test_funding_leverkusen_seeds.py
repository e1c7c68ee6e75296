"""Leverkusen (seeds 001 and 000) through the ``cost_overview`` command, as scripts use it."""

import json
from decimal import ROUND_CEILING
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def overview(recipient, year, *extra):
    out = StringIO()
    call_command("cost_overview", "--recipient", recipient, "--year", str(year), *extra, stdout=out)
    return json.loads(out.getvalue())


def test_2022_reproduces_the_council_table_of_seed_001(demo_data):
    data = overview("leverkusen", 2022)
    totals = data["totals"]
    # Seed 001: requested funding 625,600.00 = 414101 personnel 547,500.00 + 414100 material
    # 78,100.00; personnel cost 913,257.24; extra cost for the city 336,657.24.
    assert totals["funding_personnel"] == "547500.00"
    assert totals["funding_material"] == "78100.00"
    assert totals["funding"] == "625600.00"
    assert totals["personnel_cost"] == "913257.24"
    assert totals["own_share"] == "336657.24"
    # The events budget: 49,000 cost, fully funded.
    assert totals["material_cost"] == "49000.00"
    # "Gesamtfördersumme Land (Personal)" 576,600 = 547,500 + workplace allowance 29,100.
    assert data["position_funding"] == "576600.00"
    # The expense of 962,300.00 is personnel + events, rounded up to the hundred.
    total = D(totals["total_cost"])
    assert total == D("913257.24") + D("49000.00")
    assert (total / 100).to_integral_value(rounding=ROUND_CEILING) * 100 == D("962300")


def test_2022_funding_by_block_as_in_seed_001(demo_data):
    blocks = {b["block"]: b for b in overview("leverkusen", 2022)["by_block"]}
    # Block 1: 2.5 x 55,000 + 0.5 x 45,000 = 160,000 personnel; 3 FTE x 9,700 = 29,100
    # workplace allowance + 49,000 events = 78,100 material.
    assert blocks[1]["funding_personnel"] == "160000.00"
    assert blocks[1]["funding_material"] == "78100.00"
    # Block 2: 5 x 55,000; block 3: 3 x 0.75 x 50,000.
    assert blocks[2]["funding_personnel"] == "275000.00"
    assert blocks[3]["funding_personnel"] == "112500.00"


def test_2022_revenue_accounts_and_bearer(demo_data):
    data = overview("leverkusen", 2022)
    revenue = {
        line["ledger_account"]: line["amount"]
        for line in data["by_account"]
        if line["direction"] == "revenue"
    }
    assert revenue == {"414101": "547500.00", "414100": "78100.00"}
    # The city carries all extra cost, the carriers' included (seed 000).
    assert [(b["organisation"], b["amount"]) for b in data["by_bearer"]] == [
        ("leverkusen", "336657.24")
    ]


def test_2024_nine_case_managers_three_at_the_ki(demo_data):
    data = overview("leverkusen", 2024)
    block2 = [p for p in data["positions"] if p["block"] == 2]
    assert len(block2) == 9
    carriers = {p["employer"] for p in block2} - {"leverkusen"}
    assert carriers == {"caritas-leverkusen", "awo-leverkusen", "diakonie-leverkusen"}
    assert sum(1 for p in block2 if p["employer"] == "leverkusen") == 3
    # 3 of 9 is exactly one third, and all 9 are filled: no funder warning for block 2.
    codes = {w["code"] for w in data["warnings"]}
    assert not codes & {"municipal_share", "critical_filling", "block_fte_exceeds_notice"}
    # 57,000 per FTE from 2023 ("bis zu 57.000 € des Arbeitgeberbruttos").
    assert {p["funding_personnel"] for p in block2} == {"57000.00"}
    assert [b["organisation"] for b in data["by_bearer"]] == ["leverkusen"]


def test_unknown_recipient_is_refused_in_german(demo_data):
    with pytest.raises(CommandError, match="Unbekannter Zuwendungsempfänger „nirgendwo“"):
        overview("nirgendwo", 2022)


def test_a_carrier_is_no_recipient(demo_data):
    with pytest.raises(CommandError, match="kein Zuwendungsempfänger"):
        overview("caritas-leverkusen", 2022)

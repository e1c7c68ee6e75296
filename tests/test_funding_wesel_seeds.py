"""Seed 004 (Kreis Wesel / Voerde) as loaded from fixtures/04_wesel.json.

Option A (the real plan): the county employs four case managers and refinances its deficit
(about 19,000 EUR per FTE, about 76,000 EUR) through the county levy. Option B (scenario
``voerde-eigene-stelle``): Voerde employs one itself, carries that deficit alone and still pays
its levy share of the county's deficit for the other three. The seed's conclusion: option A is
cheaper for Voerde. Costs are entered for 2022 (the seed's year) and carried forward to 2023
and 2024; the expected figures below are calculated by hand from the fixture's cost figures.
"""

import json
from decimal import ROUND_FLOOR
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from carriers.models import Organisation
from funding.models import Scenario
from funding.overview import cost_overview

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CENT = D("0.01")

# The fixture's assumed levy shares (by population), in the towns' name order.
LEVY = {
    "alpen": D("2.7415"),  # Gemeinde Alpen
    "huenxe": D("2.9373"),  # Gemeinde Hünxe
    "schermbeck": D("2.9591"),  # Gemeinde Schermbeck
    "sonsbeck": D("1.9147"),  # Gemeinde Sonsbeck
    "dinslaken": D("14.6432"),
    "hamminkeln": D("5.8529"),
    "kamp-lintfort": D("8.1375"),
    "moers": D("22.6066"),
    "neukirchen-vluyn": D("5.8747"),
    "rheinberg": D("6.7015"),
    "voerde": D("7.8111"),
    "wesel": D("13.1419"),
    "xanten": D("4.6780"),
}

# 2022, per county position: employer gross + 2,000.00 material + 18 % overhead - 55,000.
#   60,870.00 + 2,000 + 10,956.60 = 73,826.60 -> 18,826.60
#   61,230.00 + 2,000 + 11,021.40 = 74,251.40 -> 19,251.40
#   60,540.00 + 2,000 + 10,897.20 = 73,437.20 -> 18,437.20
#   61,480.00 + 2,000 + 11,066.40 = 74,546.40 -> 19,546.40
DEFICITS_2022 = [D("18826.60"), D("19251.40"), D("18437.20"), D("19546.40")]
COUNTY_DEFICIT_4 = sum(DEFICITS_2022)  # 76,061.60 (seed: "ca. 76.000 €")
COUNTY_DEFICIT_3 = sum(DEFICITS_2022[:3])  # 56,515.20: the three that stay with the county
# Voerde's own position: 61,000.00 + 2,020.00 + 10,980.00 = 74,000.00 - 55,000 = 19,000.00.
VOERDE_OWN_DEFICIT = D("19000.00")


def levy_parts(total):
    """Largest remainder over the levy shares: floor to the cent, the cents left to the
    largest remainders (ties: first in name order)."""
    exact = {town: total * share / 100 for town, share in LEVY.items()}
    parts = {town: value.quantize(CENT, rounding=ROUND_FLOOR) for town, value in exact.items()}
    left = int((total - sum(parts.values())) / CENT)
    order = sorted(LEVY, key=lambda t: -(exact[t] - parts[t]))  # stable: name order on ties
    for town in order[:left]:
        parts[town] += CENT
    return parts


def county():
    return Organisation.objects.get(slug="kreis-wesel")


def overview(year, scenario=None):
    scenario_obj = Scenario.objects.get(recipient=county(), slug=scenario) if scenario else None
    return cost_overview(county(), year, scenario=scenario_obj)


def bearers(ov):
    return {s.organisation.slug: s.amount for s in ov.by_bearer}


def test_levy_shares_sum_to_exactly_100(demo_data):
    towns = Organisation.objects.filter(parent=county())
    assert {t.slug: t.levy_share for t in towns} == LEVY
    assert sum(LEVY.values()) == D("100")


def test_county_deficit_2022_refinanced_through_the_levy(demo_data):
    ov = overview(2022)
    assert [r.amounts.own_share for r in ov.positions] == DEFICITS_2022
    # Seed 004: about 19,000 EUR per FTE, about 76,000 EUR for four positions.
    assert all(D("18000") < d < D("20000") for d in DEFICITS_2022)
    assert abs(COUNTY_DEFICIT_4 - D("76000")) < D("100")
    assert ov.totals.funding == 4 * D("55000")
    assert ov.totals.own_share == COUNTY_DEFICIT_4
    shares = bearers(ov)
    assert set(shares) == set(LEVY)  # the county itself bears nothing: all via the levy
    assert sum(shares.values()) == COUNTY_DEFICIT_4  # to the cent
    assert shares == levy_parts(COUNTY_DEFICIT_4)
    assert ov.warnings == ()


def test_voerde_cost_under_both_options_2022(demo_data):
    share = LEVY["voerde"]
    # Option A: 76,061.60 × 7.8111 % = 5,941.2478... -> 5,941.25 (it gets a remainder cent).
    option_a = bearers(overview(2022))["voerde"]
    assert abs(option_a - COUNTY_DEFICIT_4 * share / 100) < CENT
    assert option_a == levy_parts(COUNTY_DEFICIT_4)["voerde"] == D("5941.25")
    # Option B: own deficit 19,000.00 + 56,515.20 × 7.8111 % = 4,414.4577... -> 4,414.46.
    scenario = overview(2022, "voerde-eigene-stelle")
    option_b = bearers(scenario)["voerde"]
    levy_b = levy_parts(COUNTY_DEFICIT_3)["voerde"]
    assert levy_b == D("4414.46")
    assert option_b == VOERDE_OWN_DEFICIT + levy_b == D("23414.46")
    # Seed 004: employing its own costs Voerde about 19,000 more, minus its levy saving on the
    # fourth county position (19,546.40 × 7.8111 % ≈ 1,526.79): option A is cheaper.
    assert option_a < option_b
    assert option_b - option_a == D("17473.21")


def test_scenario_rows_2022(demo_data):
    ov = overview(2022, "voerde-eigene-stelle")
    assert ov.scenario == "voerde-eigene-stelle"
    by_employer = {}
    for r in ov.positions:
        by_employer.setdefault(r.position.employer.slug, []).append(r)
    assert {k: len(v) for k, v in by_employer.items()} == {"kreis-wesel": 3, "voerde": 1}
    (voerde,) = by_employer["voerde"]
    assert voerde.position.split is None
    assert voerde.amounts.own_share == VOERDE_OWN_DEFICIT
    assert voerde.bearer_parts == (("voerde", VOERDE_OWN_DEFICIT),)
    for r in by_employer["kreis-wesel"]:
        assert r.position.split.method == "levy_share"
    # The levy parts of the three county positions sum to their deficit to the cent.
    levy = levy_parts(COUNTY_DEFICIT_3)
    shares = bearers(ov)
    assert {t: shares[t] for t in LEVY if t != "voerde"} == {
        t: v for t, v in levy.items() if t != "voerde"
    }
    assert sum(shares.values()) == COUNTY_DEFICIT_3 + VOERDE_OWN_DEFICIT == ov.totals.own_share
    assert ov.warnings == ()


@pytest.mark.parametrize("year", [2023, 2024])
def test_option_a_stays_cheaper_for_voerde_in_later_years(demo_data, year):
    real, scenario = overview(year), overview(year, "voerde-eigene-stelle")
    assert sum(bearers(real).values()) == real.totals.own_share
    assert bearers(real)["voerde"] < bearers(scenario)["voerde"]
    assert [r.cost_source for r in real.positions] == ["planned"] * 4


def test_cost_overview_command_json_for_the_scenario(demo_data, capsys):
    call_command(
        "cost_overview",
        "--recipient",
        "kreis-wesel",
        "--year",
        "2022",
        "--scenario",
        "voerde-eigene-stelle",
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenario"] == "voerde-eigene-stelle"
    amounts = {b["organisation"]: b["amount"] for b in payload["by_bearer"]}
    assert amounts["voerde"] == "23414.46"
    assert payload["totals"]["own_share"] == "75515.20"  # 56,515.20 + 19,000.00

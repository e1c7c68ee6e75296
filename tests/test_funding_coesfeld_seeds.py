"""Seed 003 (Kreis Coesfeld, 11 towns in three regions) as loaded from fixtures/03_coesfeld.json.

Six funded FTE at 55,000 EUR (the recipient's own rate beats the programme's 57,000 from
2023). Each region's employer town settles the cost above the funding with the region's
towns in equal shares. The expected per-town amounts are calculated by hand below from the
cost figures of the fixture: region own share = region cost - 55,000 × FTE × months / 12
(rounded per position), split equally with largest-remainder cents; equal remainders go to
the towns first in name order.
"""

import json
from decimal import ROUND_FLOOR, ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from carriers.models import Organisation
from funding.overview import cost_overview

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CENT = D("0.01")
RATE = D("55000")  # seed 003: "sechs Vollzeitstellen ... zu je 55.000 EUR/ Jahr"

# Towns of each region in name order ("Gemeinde …" before "Stadt …").
REGIONS = {
    "Region Nord": ["havixbeck", "rosendahl", "billerbeck", "coesfeld"],
    "Region Mitte": ["nottuln", "duelmen"],
    "Region Süd": ["ascheberg", "nordkirchen", "senden", "luedinghausen", "olfen"],
}

# The fixture's planned cost per position and year: (fte, filled months, employer gross,
# material, overhead rate in % or None, overhead amount or None, one-off).
COSTS = {
    2023: {
        "Region Nord": [
            (D("1"), 11, D("57860.00"), D("2350.00"), D("3.5"), None, D("1850.25")),
            (D("1"), 9, D("46402.50"), D("2350.00"), D("3.5"), None, D("1850.25")),
            (D("0.5"), 6, D("15620.00"), D("2350.00"), D("3.5"), None, D("1850.25")),
        ],
        "Region Mitte": [
            (D("1"), 10, D("52458.33"), D("2350.00"), None, D("958.33"), D("2140.00")),
        ],
        "Region Süd": [
            (D("1"), 12, D("63540.00"), D("2350.00"), D("3"), None, D("1675.00")),
            (D("1"), 8, D("40926.67"), D("2350.00"), D("3"), None, D("1675.00")),
            (D("0.5"), 3, D("7776.25"), D("2350.00"), D("3"), None, D("1675.00")),
        ],
    },
    2024: {
        "Region Nord": [
            (D("1"), 12, D("67854.00"), D("480.00"), D("3.5"), None, D("0")),
            (D("1"), 12, D("66510.25"), D("480.00"), D("3.5"), None, D("0")),
            (D("0.5"), 12, D("33583.00"), D("240.00"), D("3.5"), None, D("0")),
        ],
        "Region Mitte": [
            (D("1"), 12, D("67671.25"), D("480.00"), None, D("1150.00"), D("0")),
        ],
        "Region Süd": [
            (D("1"), 12, D("68305.50"), D("480.00"), D("3"), None, D("0")),
            (D("1"), 12, D("65994.25"), D("480.00"), D("3"), None, D("0")),
            (D("0.5"), 12, D("33437.88"), D("240.00"), D("3"), None, D("0")),
        ],
    },
}


def cents(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def region_own_share(year, region):
    """Cost (gross + material + overhead + one-off) minus 55,000 × FTE × months / 12."""
    own = D(0)
    for fte, months, gross, material, rate, amount, one_off in COSTS[year][region]:
        overhead = cents(gross * rate / 100) if rate is not None else amount
        own += gross + material + overhead + one_off - cents(RATE * fte * months / 12)
    return own


def equal_split(total, towns):
    """Equal parts, rounded down to the cent; the cents left go to the first towns."""
    base = (total / len(towns)).quantize(CENT, rounding=ROUND_FLOOR)
    left = int((total - base * len(towns)) / CENT)
    return {town: base + (CENT if i < left else 0) for i, town in enumerate(towns)}


def overview(year):
    return cost_overview(Organisation.objects.get(slug="kreis-coesfeld"), year)


def bearers(ov):
    return {s.organisation.slug: s.amount for s in ov.by_bearer}


@pytest.mark.parametrize("year", [2023, 2024])
def test_each_region_splits_its_own_share_equally_to_the_cent(demo_data, year):
    ov = overview(year)
    shares = bearers(ov)
    regions = {}
    for r in ov.positions:
        regions.setdefault(r.position.split.name, D(0))
        regions[r.position.split.name] += r.amounts.own_share
    for region, towns in REGIONS.items():
        own = region_own_share(year, region)
        assert regions[region] == own
        expected = equal_split(own, towns)
        assert {t: shares[t] for t in towns} == expected
        assert sum(expected.values()) == own
        # The remainder cents matter: the region total does not divide evenly.
        assert len(set(expected.values())) == 2
    assert set(shares) == {t for towns in REGIONS.values() for t in towns}
    assert sum(shares.values()) == ov.totals.own_share


def test_region_figures_2024_written_out(demo_data):
    shares = bearers(overview(2024))
    # Nord: 70,708.89 + 69,318.11 + 34,998.41 = 175,025.41 - 2.5 × 55,000 = 37,525.41;
    # / 4 = 9,381.3525: three towns 9,381.35, one cent left for Havixbeck (first by name).
    assert region_own_share(2024, "Region Nord") == D("37525.41")
    assert [shares[t] for t in REGIONS["Region Nord"]] == [
        D("9381.36"),
        D("9381.35"),
        D("9381.35"),
        D("9381.35"),
    ]
    # Mitte: 67,671.25 + 480 + 1,150 = 69,301.25 - 55,000 = 14,301.25; / 2 = 7,150.625.
    assert [shares[t] for t in REGIONS["Region Mitte"]] == [D("7150.63"), D("7150.62")]
    # Süd: 173,969.77 - 137,500 = 36,469.77; / 5 = 7,293.954: two cents left.
    assert [shares[t] for t in REGIONS["Region Süd"]] == [
        D("7293.96"),
        D("7293.96"),
        D("7293.95"),
        D("7293.95"),
        D("7293.95"),
    ]


def test_region_sued_2023_months_filled(demo_data):
    # Süd 1 filled all year, Süd 2 from 01.05. (8 months), Süd 3 (0.5 FTE) from 01.10. (3):
    # funding 55,000 + 36,666.67 + 6,875.00 = 98,541.67; cost 69,471.20 + 46,179.47 +
    # 12,034.54 = 127,685.21; own share 29,143.54; / 5 = 5,828.708: four cents left.
    ov = overview(2023)
    sued = [r for r in ov.positions if r.position.split.name == "Region Süd"]
    assert [r.filled_fte_months for r in sued] == [D("12"), D("8"), D("1.5")]
    assert sum(r.amounts.funding for r in sued) == D("98541.67")
    assert sum(r.amounts.total_cost for r in sued) == D("127685.21")
    shares = bearers(ov)
    assert [shares[t] for t in REGIONS["Region Süd"]] == [D("5828.71")] * 4 + [D("5828.70")]


def test_recipient_rate_55000_beats_the_programme_rate(demo_data):
    # 2024: the programme pays 57,000 per FTE, seed 003's grant 55,000: 6 FTE × 55,000.
    ov = overview(2024)
    assert ov.totals.funding == 6 * RATE
    assert {r.amounts.funding for r in ov.positions if r.position.fte == 1} == {RATE}


def test_splits_employer_towns_and_no_warnings(demo_data):
    ov = overview(2024)
    employers = {r.position.split.name: r.position.employer.slug for r in ov.positions}
    assert employers == {
        "Region Nord": "coesfeld",
        "Region Mitte": "duelmen",
        "Region Süd": "ascheberg",
    }
    assert {r.position.split.name: r.position.split.employer_town.slug for r in ov.positions} == (
        employers
    )
    fte = {}
    for r in ov.positions:
        fte[r.position.split.name] = fte.get(r.position.split.name, 0) + r.position.fte
    assert fte == {"Region Nord": D("2.5"), "Region Mitte": D("1"), "Region Süd": D("2.5")}
    # Six positions, six approved, all at municipalities.
    assert ov.warnings == ()
    assert overview(2023).warnings == ()


def test_cost_overview_command_json(demo_data, capsys):
    call_command("cost_overview", "--recipient", "kreis-coesfeld", "--year", "2024")
    payload = json.loads(capsys.readouterr().out)
    assert payload["totals"]["funding"] == "330000.00"
    assert payload["totals"]["own_share"] == "88296.43"
    amounts = {b["organisation"]: b["amount"] for b in payload["by_bearer"]}
    assert amounts["coesfeld"] == "9381.35"
    assert amounts["havixbeck"] == "9381.36"
    assert len(amounts) == 11

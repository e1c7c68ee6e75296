"""The cost engine (funding.calculations), with expectations calculated by hand in each test.

No database: the engine is pure; plans are built from its input dataclasses.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from funding import calculations as calc
from funding.calculations import (
    CostFigures,
    Coverage,
    GrantBlock,
    Org,
    Period,
    PositionPlan,
    ProgrammeCostItem,
    Rate,
    Split,
    YearPlan,
    compute_year,
)

CITY = Org(1, "stadt", "Stadt", "county_free_city")
COUNTY = Org(2, "kreis", "Kreis", "county")
CARITAS = Org(3, "caritas", "Caritas", "carrier")
TOWN_A = Org(4, "a", "Gemeinde A", "town", D("25"))
TOWN_B = Org(5, "b", "Gemeinde B", "town", D("75"))
TOWN_C = Org(6, "c", "Gemeinde C", "town")

CM_57 = Rate("case_management", 2, D("57000"), date(2023, 1, 1), True)
CM_55 = Rate("case_management", 2, D("55000"), date(2021, 1, 1), True)


def position(pid=1, *, fte="1", employer=CITY, occupancies=None, start=date(2022, 1, 1), **kw):
    fte = D(fte)
    if occupancies is None:
        occupancies = (Period(start, None, fte),)
    defaults = {
        "id": pid,
        "title": f"Stelle {pid}",
        "block": 2,
        "funding_kind": "case_management",
        "fte": fte,
        "employer": employer,
        "start": start,
        "occupancies": tuple(occupancies),
    }
    defaults.update(kw)
    return PositionPlan(**defaults)


def plan(*positions, year=2024, rates=(CM_55, CM_57), recipient=CITY, **kw):
    return YearPlan(recipient=recipient, year=year, positions=positions, rates=rates, **kw)


def bearers(overview):
    return {s.organisation.slug: s.amount for s in overview.by_bearer}


# --- time -------------------------------------------------------------------------------------


def test_month_fractions_whole_and_partial_months():
    # 15.10.2021 to open: October has 31 days, 17 of them (15..31) are covered.
    fractions = calc.month_fractions(2021, date(2021, 10, 15), None)
    assert fractions[:9] == [D(0)] * 9
    assert fractions[9] == D(17) / D(31)
    assert fractions[10:] == [D(1), D(1)]


def test_occupancy_from_first_of_july_fills_six_months():
    p = position(occupancies=[Period(date(2023, 7, 1), None, D("1"))], start=date(2023, 1, 1))
    assert sum(calc.filled_fte_by_month(2023, p)) == D(6)


def test_resignation_on_30_june_leaves_the_second_half_vacant():
    # Seed 002: occupied 01.01.2022 - 30.06.2023, then vacant.
    p = position(occupancies=[Period(date(2022, 1, 1), date(2023, 6, 30), D("1"))])
    assert calc.filled_fte_by_month(2023, p) == [D(1)] * 6 + [D(0)] * 6


# --- funding ----------------------------------------------------------------------------------


def test_half_year_occupancy_halves_the_funding():
    # 57,000 x 1.0 FTE x 6/12 = 28,500; planned 62,000 for the full year, 31,000 for the
    # six months filled (issue 14) -> own share 2,500.
    p = position(
        occupancies=[Period(date(2024, 7, 1), None, D("1"))],
        cost=CostFigures(employer_gross=D("62000.00")),
    )
    result = compute_year(plan(p)).positions[0]
    assert result.amounts.funding_personnel == D("28500.00")
    assert result.amounts.own_share == D("2500.00")
    assert result.filled_fte_months == D(6)


def test_funding_is_capped_at_the_employer_gross():
    # "bis zu 57.000 € des Arbeitgeberbruttos": a cost of 40,000 gets 40,000, not 57,000.
    p = position(cost=CostFigures(employer_gross=D("40000.00"), material=D("1500.00")))
    result = compute_year(plan(p)).positions[0]
    assert result.amounts.funding == D("40000.00")
    assert result.amounts.own_share == D("1500.00")


def test_uncapped_rate_pays_the_full_flat_amount():
    rate = Rate("case_management", 2, D("55000"), date(2021, 1, 1), capped_at_cost=False)
    p = position(cost=CostFigures(employer_gross=D("40000.00")))
    result = compute_year(plan(p, rates=(rate,))).positions[0]
    assert result.amounts.funding == D("55000.00")
    assert result.amounts.own_share == D("-15000.00")


def test_rate_in_force_changes_on_its_date_within_the_year():
    # 55,000 until 31.03., 57,000 from 01.04.: (3 x 55,000 + 9 x 57,000) / 12 = 56,500.
    rates = (CM_55, Rate("case_management", 2, D("57000"), date(2025, 4, 1), True))
    p = position(cost=CostFigures(employer_gross=D("70000.00")))
    result = compute_year(plan(p, year=2025, rates=rates)).positions[0]
    assert result.amounts.funding == D("56500.00")


def test_recipient_rate_wins_over_the_programme_rate():
    # Seed 003: Kreis Coesfeld plans with 55,000 although the programme pays 57,000 from 2023.
    own = Rate("case_management", 2, D("55000"), date(2022, 1, 1), True, specificity=1)
    p = position(cost=CostFigures(employer_gross=D("70000.00")))
    result = compute_year(plan(p, rates=(CM_55, CM_57, own))).positions[0]
    assert result.amounts.funding == D("55000.00")


def test_half_fte_position_gets_half_the_rate():
    p = position(fte="0.5", cost=CostFigures(employer_gross=D("33000.00")))
    assert compute_year(plan(p)).positions[0].amounts.funding == D("28500.00")


def test_cost_from_the_pay_grade_table_when_nothing_is_entered():
    # 66,000 per FTE x 0.5 FTE x 6 filled months / 12 = 16,500; funding 57,000 x 0.5 x 6/12.
    p = position(
        fte="0.5",
        occupancies=[Period(date(2024, 7, 1), None, D("0.5"))],
        cost_table_per_fte=D("66000.00"),
    )
    result = compute_year(plan(p)).positions[0]
    assert result.cost_source == "cost_table"
    assert result.employer_gross == D("16500.00")
    assert result.amounts.funding == D("14250.00")


def test_overhead_as_rate_of_employer_gross():
    # KGSt: 20 % of 60,000 = 12,000; total 60,000 + 2,000 + 12,000 + 3,500 = 77,500.
    cost = CostFigures(
        employer_gross=D("60000.00"),
        material=D("2000.00"),
        overhead_rate=D("20"),
        one_off=D("3500.00"),
    )
    result = compute_year(plan(position(cost=cost))).positions[0]
    assert result.overhead == D("12000.00")
    assert result.amounts.personnel_cost == D("77500.00")
    assert result.amounts.own_share == D("20500.00")


def test_workplace_allowance_funds_block_one_material_up_to_its_cost():
    # Seed 001: 9,700 per FTE for block-1 staff, capped at their material cost.
    rates = (
        Rate("coordination", 1, D("55000"), date(2021, 1, 1), True),
        Rate("workplace_allowance", 1, D("9700"), date(2021, 1, 1), True),
    )
    p = position(
        block=1,
        funding_kind="coordination",
        fte="0.5",
        cost=CostFigures(employer_gross=D("35000.00"), material=D("4000.00")),
    )
    result = compute_year(plan(p, rates=rates)).positions[0]
    assert result.amounts.funding_personnel == D("27500.00")
    # 9,700 x 0.5 = 4,850, but only 4,000 material was incurred.
    assert result.amounts.funding_material == D("4000.00")


def test_events_budget_funds_programme_costs_up_to_the_budget():
    rates = (Rate("events_budget", 1, D("49000"), date(2021, 1, 1), True),)
    items = (
        ProgrammeCostItem(1, "events", D("30000.00")),
        ProgrammeCostItem(1, "external_support", D("25000.00")),
    )
    overview = compute_year(plan(rates=rates, programme_costs=items))
    # cost 55,000, budget 49,000 -> own share 6,000 for the recipient.
    assert overview.totals.material_cost == D("55000.00")
    assert overview.totals.funding_material == D("49000.00")
    assert bearers(overview) == {"stadt": D("6000.00")}


def test_block_cap_cuts_the_funding_proportionally():
    # Two coordinators at 1.0 and one at 1.0 = 3 x 55,000 = 165,000 > cap 160,000:
    # 5,000 cut in equal parts (1,666.67 / 1,666.67 / 1,666.66).
    rate = Rate("coordination", 1, D("55000"), date(2021, 1, 1), True)
    positions = [
        position(i, block=1, funding_kind="coordination", cost=CostFigures(D("70000.00")))
        for i in (1, 2, 3)
    ]
    overview = compute_year(
        plan(*positions, rates=(rate,), grant_blocks=(GrantBlock(1, D("3"), D("160000.00")),))
    )
    # Cut 5,000 by equal weights: 1,666.66 each, the two cents left go to the first two.
    assert [r.amounts.funding for r in overview.positions] == [
        D("53333.33"),
        D("53333.33"),
        D("53333.34"),
    ]
    assert overview.totals.funding == D("160000.00")
    assert "block_cap" in {w.code for w in overview.warnings}


# --- who pays ---------------------------------------------------------------------------------


def carrier_position(policy, **coverage):
    # Cost 67,000, funding 57,000 -> the carrier's own share is 10,000.
    return position(
        employer=CARITAS,
        cost=CostFigures(employer_gross=D("67000.00")),
        coverage=Coverage(policy, CITY, **coverage),
    )


@pytest.mark.parametrize(
    ("policy", "coverage", "city", "carrier"),
    [
        ("all", {}, D("10000.00"), None),  # Leverkusen: the city carries everything
        ("none", {}, None, D("10000.00")),
        ("percent", {"percent": D("40")}, D("4000.00"), D("6000.00")),
        # Heinsberg: a flat 5,000 per FTE (1.0 FTE, whole year).
        ("flat_per_fte", {"flat_per_fte": D("5000.00")}, D("5000.00"), D("5000.00")),
        # A flat amount above the own share covers only the own share.
        ("flat_per_fte", {"flat_per_fte": D("12000.00")}, D("10000.00"), None),
    ],
)
def test_coverage_policies(policy, coverage, city, carrier):
    overview = compute_year(plan(carrier_position(policy, **coverage)))
    expected = {k: v for k, v in {"stadt": city, "caritas": carrier}.items() if v is not None}
    assert bearers(overview) == expected


def test_flat_top_up_is_prorated_by_filled_months():
    # 5,000 per FTE x 0.5 FTE x 6 months / 12 = 1,250.
    p = position(
        fte="0.5",
        employer=CARITAS,
        occupancies=[Period(date(2024, 1, 1), date(2024, 6, 30), D("0.5"))],
        cost=CostFigures(employer_gross=D("40000.00")),
        coverage=Coverage("flat_per_fte", CITY, flat_per_fte=D("5000.00")),
    )
    # Planned 40,000 for the full year, 20,000 for the six months filled (issue 14);
    # funding 57,000 x 0.5 x 6/12 = 14,250; own share 5,750; city 1,250, carrier 4,500.
    assert bearers(compute_year(plan(p))) == {"stadt": D("1250.00"), "caritas": D("4500.00")}


def test_carrier_without_agreement_carries_its_own_share_and_is_warned_about():
    p = position(employer=CARITAS, cost=CostFigures(employer_gross=D("60000.00")))
    overview = compute_year(plan(p))
    assert bearers(overview) == {"caritas": D("3000.00")}
    assert "carrier_without_agreement" in {w.code for w in overview.warnings}


def test_equal_split_between_region_towns_sums_to_the_cent():
    # Seed 003: the region's own share in equal measure. 100.00 over three towns.
    split = Split(7, "Region", "equal", ((TOWN_A, None), (TOWN_B, None), (TOWN_C, None)), TOWN_A)
    p = position(employer=TOWN_A, cost=CostFigures(employer_gross=D("57100.00")), split=split)
    overview = compute_year(plan(p, recipient=COUNTY))
    assert bearers(overview) == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}


def test_levy_share_split():
    # Seed 004: the county's deficit through the levy: 19,000 by 25 % / 75 %.
    split = Split(8, "Kreisumlage", "levy_share", ((TOWN_A, None), (TOWN_B, None)))
    p = position(employer=COUNTY, cost=CostFigures(employer_gross=D("76000.00")), split=split)
    overview = compute_year(plan(p, recipient=COUNTY))
    assert bearers(overview) == {"a": D("4750.00"), "b": D("14250.00")}


def test_fixed_percent_split():
    split = Split(9, "Fest", "fixed_percent", ((TOWN_A, D("70")), (TOWN_B, D("30"))))
    p = position(employer=COUNTY, cost=CostFigures(employer_gross=D("67000.00")), split=split)
    assert bearers(compute_year(plan(p, recipient=COUNTY))) == {
        "a": D("7000.00"),
        "b": D("3000.00"),
    }


def test_deployed_fte_split_uses_the_served_shares():
    # One position 1.0 FTE serving A 50 % / B 50 %, one 0.5 FTE serving B only:
    # deployed FTE A 0.5, B 1.0 -> own share 3,000 + 1,500 = 4,500 split 1:2.
    split = Split(10, "Einsatz", "deployed_fte", ((TOWN_A, None), (TOWN_B, None)))
    p1 = position(
        1,
        employer=COUNTY,
        cost=CostFigures(employer_gross=D("60000.00")),
        served_towns=((TOWN_A, D("50")), (TOWN_B, D("50"))),
        split=split,
    )
    p2 = position(
        2,
        fte="0.5",
        employer=COUNTY,
        cost=CostFigures(employer_gross=D("30000.00")),
        served_towns=((TOWN_B, D("100")),),
        split=split,
    )
    assert bearers(compute_year(plan(p1, p2, recipient=COUNTY))) == {
        "a": D("1500.00"),
        "b": D("3000.00"),
    }


def test_carrier_coverage_then_split_between_towns():
    # The payer's covered part (40 % of 10,000) goes to the split; the carrier keeps 6,000.
    split = Split(11, "Region", "equal", ((TOWN_A, None), (TOWN_B, None)))
    p = position(
        employer=CARITAS,
        cost=CostFigures(employer_gross=D("67000.00")),
        coverage=Coverage("percent", COUNTY, percent=D("40")),
        split=split,
    )
    assert bearers(compute_year(plan(p, recipient=COUNTY))) == {
        "a": D("2000.00"),
        "b": D("2000.00"),
        "caritas": D("6000.00"),
    }


# --- the funder's warnings --------------------------------------------------------------------


def block2(municipal, carrier, approved="9"):
    positions = [position(i, cost=CostFigures(D("60000.00"))) for i in range(municipal)]
    positions += [
        position(
            100 + i,
            employer=CARITAS,
            cost=CostFigures(D("60000.00")),
            coverage=Coverage("all", CITY),
        )
        for i in range(carrier)
    ]
    return compute_year(plan(*positions, grant_blocks=(GrantBlock(2, D(approved)),)))


def test_one_third_must_stay_with_the_municipality():
    overview = block2(municipal=2, carrier=6)
    messages = {w.code: w.message for w in overview.warnings}
    assert messages["municipal_share"] == (
        "Baustein 2: nur 2 von 9 Stellen bei der Kommune – mindestens ein Drittel gefordert"
    )


def test_three_of_nine_at_the_municipality_is_enough():
    # Seed 000: Leverkusen 2024, 3 at the KI and 6 at carriers.
    assert "municipal_share" not in {w.code for w in block2(3, 6).warnings}


def test_critical_below_half_filled_or_planned():
    # Seed 000: with 9 available and 3 at the KI, at least 2 more must be filled or planned.
    assert "critical_filling" in {w.code for w in block2(3, 1).warnings}
    assert "critical_filling" not in {w.code for w in block2(3, 2).warnings}


def test_more_fte_than_approved():
    assert "block_fte_exceeds_notice" in {w.code for w in block2(4, 6).warnings}


def test_occupancy_above_fte_is_warned_about():
    p = position(
        fte="0.5",
        occupancies=[
            Period(date(2024, 1, 1), None, D("0.5")),
            Period(date(2024, 3, 1), date(2024, 4, 30), D("0.5")),
        ],
        cost=CostFigures(D("30000.00")),
    )
    overview = compute_year(plan(p))
    assert "occupancy_above_fte" in {w.code for w in overview.warnings}
    # Funding never counts more than the position's FTE: 57,000 x 0.5.
    assert overview.totals.funding == D("28500.00")


def test_no_grant_notice_is_warned_about():
    assert "no_grant_notice" in {w.code for w in compute_year(plan()).warnings}


def test_the_engines_texts_are_translated_once_per_language(monkeypatch):
    """Each warning is in the active language, but each text is translated once per language
    and process (``calc.engine_texts``), not once per warning, position or year."""
    from django.utils import translation

    asked = []

    def fake_gettext(message):
        asked.append(message)
        return f"[{translation.get_language()}] {message}"

    monkeypatch.setattr(calc, "_TEXTS", {})
    monkeypatch.setattr(calc, "_", fake_gettext)
    cost = CostFigures(employer_gross=D("60000.00"))
    carriers_positions = plan(
        position(1, employer=CARITAS, cost=cost), position(2, employer=CARITAS, cost=cost)
    )
    without_agreement = [
        w.message
        for year in (2024, 2024, 2025)
        for w in compute_year(replace(carriers_positions, year=year)).warnings
        if w.code == "carrier_without_agreement"
    ]
    # Two positions over three computed years, each warned about in the "translation".
    assert len(without_agreement) == 6
    assert all(m.startswith("[de] „Stelle ") for m in without_agreement)
    # ... from one translation of the text (and one of each other text used).
    assert len(asked) == len(set(asked))
    assert sum("Weiterleitungsvertrag" in m for m in asked) == 1
    # Another language translates anew.
    with translation.override("en"):
        in_english = compute_year(carriers_positions).warnings
    assert sum("Weiterleitungsvertrag" in m for m in asked) == 2
    assert in_english[0].message.startswith("[en] ")


def test_position_outside_the_year_is_ignored():
    p = position(start=date(2025, 1, 1), cost=CostFigures(D("60000.00")))
    overview = compute_year(plan(p, year=2024))
    assert overview.positions == ()
    assert overview.totals.total_cost == D("0")

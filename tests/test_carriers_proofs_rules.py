"""The pure rules of the carriers' proofs (carriers.proofs.rules), by hand calculation."""

from decimal import Decimal as D

import pytest

from carriers.proofs import rules

# Public reference S 12 in 2024 (fixtures/00_programme.json): 68,528.00 per FTE-year.
REFERENCE = D("68528.00")
TOLERANCE = D("5")
# The limit at 5 %: 68,528.00 × 1.05 = 71,954.40 per FTE-year.
LIMIT = D("71954.40")


def flagged(gross, fte="1", months="12", reference=REFERENCE, tolerance=TOLERANCE):
    return rules.exceeds_public_pay(
        employer_gross=D(gross),
        fte=D(fte),
        months_filled=D(months),
        reference_per_fte=reference,
        tolerance_percent=tolerance,
    )


def test_exactly_at_the_tolerance_is_not_flagged():
    assert flagged("71954.40") is False


def test_one_cent_above_the_tolerance_is_flagged():
    assert flagged("71954.41") is True


def test_below_the_reference_is_not_flagged():
    assert flagged("60000.00") is False


def test_awo_2024_demo_figure_is_flagged_caritas_is_not():
    # AWO 72,100.00 > 71,954.40; Caritas 71,200.00 < 71,954.40.
    assert flagged("72100.00") is True
    assert flagged("71200.00") is False


def test_half_time_for_half_a_year_is_annualised():
    # 0.5 FTE for 6 months: the limit is 71,954.40 × 0.5 × 6 / 12 = 17,988.60.
    assert flagged("17988.60", fte="0.5", months="6") is False
    assert flagged("17988.61", fte="0.5", months="6") is True


def test_a_tolerance_of_zero_flags_anything_above_the_reference():
    assert flagged("68528.00", tolerance=D("0")) is False
    assert flagged("68528.01", tolerance=D("0")) is True


def test_a_tolerance_of_ten_percent():
    # 68,528.00 × 1.10 = 75,380.80.
    assert flagged("75380.80", tolerance=D("10")) is False
    assert flagged("75380.81", tolerance=D("10")) is True


@pytest.mark.parametrize("fte,months", [("0", "12"), ("1", "0")])
def test_nothing_filled_is_never_flagged(fte, months):
    assert flagged("999999.00", fte=fte, months=months) is False
    assert rules.employer_gross_per_fte(D("1000"), D(fte), D(months)) is None


def test_without_a_reference_nothing_is_flagged():
    assert flagged("999999.00", reference=None) is False


def test_employer_gross_per_fte_annualises():
    # 30,000.00 for 0.5 FTE over 9 months: 30,000 × 12 / (0.5 × 9) = 80,000.00.
    assert rules.employer_gross_per_fte(D("30000.00"), D("0.5"), D("9")) == D("80000")


def test_proof_totals_by_hand():
    # Two lines: (71,200.00 + 12,500.00 + 19,936.00) = 103,636.00 each, 207,272.00 in all;
    # funds 203,300.00 + own 3,972.00 = 207,272.00: balance 0.00 (Caritas 2024 demo proof).
    totals = rules.proof_totals(
        [(D("71200.00"), D("12500.00"), D("19936.00"))] * 2,
        funds_received=D("203300.00"),
        own_contribution=D("3972.00"),
    )
    assert totals.employer_gross == D("142400.00")
    assert totals.material == D("25000.00")
    assert totals.overhead == D("39872.00")
    assert totals.total_cost == D("207272.00")
    assert totals.balance == D("0.00")


def test_proof_totals_surplus_and_shortfall():
    # Cost 50,000.01 + 0.99 = 50,001.00; funds 45,000.00 + own 5,500.50 = 50,500.50:
    # surplus 499.50. With own 0.00: shortfall 45,000.00 − 50,001.00 = −5,001.00.
    lines = [(D("50000.01"), D("0.99"), D("0"))]
    assert rules.proof_totals(
        lines, funds_received=D("45000.00"), own_contribution=D("5500.50")
    ).balance == D("499.50")
    assert rules.proof_totals(
        lines, funds_received=D("45000.00"), own_contribution=D("0")
    ).balance == D("-5001.00")

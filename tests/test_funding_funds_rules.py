"""The rules of the funder's yearly cycle (issue 15), by hand: § 49a VwVfG interest, idle
funds, overpaid parts and what a notice approves. Every expected figure is worked out in the
comment beside it."""

from datetime import date
from decimal import Decimal as D

from funding import rules
from funding.calculations import GrantBlock, Rate

BASE = ((date(2024, 1, 1), D("3.62")), (date(2024, 7, 1), D("3.37")), (date(2025, 1, 1), D("2.27")))


def test_interest_is_five_points_above_the_base_rate_days_over_365():
    # 10,000.00 from 01.02.2024 to 01.03.2024: 29 days at 3.62 + 5 = 8.62 %:
    # 10,000 × 0.0862 × 29 / 365 = 68.487… -> 68.49
    assert rules.statutory_interest(D("10000.00"), date(2024, 2, 1), date(2024, 3, 1), BASE) == D(
        "68.49"
    )


def test_interest_over_a_change_of_the_base_rate_is_computed_piece_by_piece():
    # 2,200.00 from 21.11.2024 to 30.06.2025:
    #   21.11.2024–01.01.2025: 41 days at 3.37 + 5 = 8.37 %: 2,200 × 0.0837 × 41/365 = 20.684…
    #   01.01.2025–30.06.2025: 180 days at 2.27 + 5 = 7.27 %: 2,200 × 0.0727 × 180/365 = 78.874…
    #   together 99.558… -> 99.56 (rounded once)
    assert rules.statutory_interest(D("2200.00"), date(2024, 11, 21), date(2025, 6, 30), BASE) == D(
        "99.56"
    )


def test_no_interest_without_amount_or_days():
    assert rules.statutory_interest(D("0"), date(2024, 1, 1), date(2024, 12, 31), BASE) == D("0")
    assert rules.statutory_interest(D("100"), date(2024, 5, 1), date(2024, 5, 1), BASE) == D("0")


def test_a_negative_base_rate_lowers_the_interest():
    # 1,000.00 for 365 days at −0.88 + 5 = 4.12 %: 41.20
    negative = ((date(2016, 7, 1), D("-0.88")),)
    assert rules.statutory_interest(
        D("1000.00"), date(2021, 1, 1), date(2022, 1, 1), negative
    ) == D("41.20")


def test_funds_spent_within_two_months_are_not_idle():
    # 20,000 received 15.01.; 10,000 spent at the end of January and of February: all used
    # by 29.02., before the deadline 15.03.
    spending = [(date(2024, 1, 31), D("10000")), (date(2024, 2, 29), D("10000"))]
    assert rules.idle_funds([(date(2024, 1, 15), D("20000"))], spending, date(2024, 12, 31)) == []


def test_funds_left_beyond_two_months_are_idle_until_spent():
    # 30,000 received 15.01.2024, deadline 15.03.2024; 10,000 spent on the 28th of January,
    # February and March: 20,000 used in time, the last 10,000 spent on 28.03.: idle from
    # 15.03. to 28.03.
    spending = [(date(2024, m, 28), D("10000")) for m in (1, 2, 3)]
    parts = rules.idle_funds([(date(2024, 1, 15), D("30000"))], spending, date(2024, 12, 31))
    assert parts == [(date(2024, 1, 15), D("10000"), date(2024, 3, 15), date(2024, 3, 28))]


def test_unspent_funds_are_idle_until_the_day_asked():
    # 5,000 received 10.05.2024, nothing spent: idle from 10.07.2024 to 31.07.2024.
    parts = rules.idle_funds([(date(2024, 5, 10), D("5000"))], [], date(2024, 7, 31))
    assert parts == [(date(2024, 5, 10), D("5000"), date(2024, 7, 10), date(2024, 7, 31))]


def test_spending_before_a_payment_is_covered_the_day_it_arrives():
    # The recipient paid 8,000 in advance in January; 8,000 received 01.04. covers it that
    # day: nothing idle.
    parts = rules.idle_funds(
        [(date(2024, 4, 1), D("8000"))], [(date(2024, 1, 31), D("8000"))], date(2024, 12, 31)
    )
    assert parts == []


def test_overpaid_parts_carry_the_date_of_the_payment_that_overpaid():
    # Due 42,750; received 28,500 on 15.01. and 28,500 on 10.07.: the second payment
    # overpays 57,000 − 42,750 = 14,250 from 10.07.
    receipts = [(date(2024, 1, 15), D("28500")), (date(2024, 7, 10), D("28500"))]
    assert rules.overpaid_parts(receipts, D("42750")) == [(date(2024, 7, 10), D("14250"))]
    assert rules.overpaid_parts(receipts, D("60000")) == []


def test_approved_in_notice_reproduces_seed_001():
    # Seed 001: block 1 3 FTE at most 160,000 (2.5 × 55,000 + 0.5 × 45,000 = 160,000; 3 ×
    # 55,000 = 165,000 is capped), material 3 × 9,700 + 49,000 = 78,100; block 2 5 × 55,000 =
    # 275,000; block 3 2.25 × 50,000 = 112,500.
    start = date(2021, 1, 1)
    rates = (
        Rate("coordination", 1, D("55000"), start, True),
        Rate("assistance", 1, D("45000"), start, True),
        Rate("workplace_allowance", 1, D("9700"), start, True),
        Rate("events_budget", 1, D("49000"), start, True),
        Rate("case_management", 2, D("55000"), start, True),
        Rate("immigration_office", 3, D("50000"), start, True),
    )
    assert rules.approved_in_notice(GrantBlock(1, D("3"), D("160000")), rates, 2022) == (
        D("160000.00"),
        D("78100.00"),
    )
    assert rules.approved_in_notice(GrantBlock(2, D("5")), rates, 2022) == (
        D("275000.00"),
        D("0.00"),
    )
    assert rules.approved_in_notice(GrantBlock(3, D("2.25"), D("112500")), rates, 2022) == (
        D("112500.00"),
        D("0.00"),
    )


def test_approved_follows_a_rate_that_changes_in_the_year():
    # 2 FTE; 55,000 until June, 57,000 from July: (6 × 55,000 + 6 × 57,000) / 12 = 56,000 a
    # FTE, 112,000 for 2 FTE.
    rates = (
        Rate("case_management", 2, D("55000"), date(2021, 1, 1), True),
        Rate("case_management", 2, D("57000"), date(2023, 7, 1), True),
    )
    assert rules.approved_in_notice(GrantBlock(2, D("2")), rates, 2023)[0] == D("112000.00")


def test_spread_over_months_sums_to_the_cent():
    # 100.00 over 3 equal months: 33.34 + 33.33 + 33.33 (largest remainder, earlier first).
    assert rules.spread_over_months(D("100.00"), [D(1), D(1), D(1)]) == [
        D("33.34"),
        D("33.33"),
        D("33.33"),
    ]

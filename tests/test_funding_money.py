"""funding.money: rounding to the cent and largest-remainder splits."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funding.money import cents, split_to_cents


def test_cents_rounds_half_up():
    assert cents(D("0.005")) == D("0.01")
    assert cents(D("2.344999")) == D("2.34")
    assert cents(D("-0.005")) == D("-0.01")


def test_split_equal_three_ways_gives_the_extra_cent_to_the_first():
    # 100.00 / 3 = 33.333...: floors 33.33 each, one cent left, equal remainders -> first part.
    assert split_to_cents(D("100.00"), [D(1)] * 3) == [D("33.34"), D("33.33"), D("33.33")]


def test_split_by_weights_largest_remainder():
    # 10.00 by 1:1:1:3 -> 1.666.. 1.666.. 1.666.. 5.00 -> floors 1.66 1.66 1.66 5.00 (sum 9.98);
    # the two cents go to the largest remainders: the first two parts (ties keep order).
    assert split_to_cents(D("10.00"), [D(1), D(1), D(1), D(3)]) == [
        D("1.67"),
        D("1.67"),
        D("1.66"),
        D("5.00"),
    ]


def test_split_zero_weight_gets_nothing():
    assert split_to_cents(D("1.00"), [D(0), D(2), D(2)]) == [D("0.00"), D("0.50"), D("0.50")]


def test_split_without_weights_splits_equally():
    assert split_to_cents(D("0.03"), [D(0), D(0)]) == [D("0.02"), D("0.01")]


def test_split_negative_amount_mirrors_positive():
    assert split_to_cents(D("-100.00"), [D(1)] * 3) == [D("-33.34"), D("-33.33"), D("-33.33")]


def test_split_refuses_negative_weights():
    with pytest.raises(ValueError):
        split_to_cents(D("1.00"), [D(-1), D(2)])


money = st.decimals(min_value=-10_000_000, max_value=10_000_000, places=2, allow_nan=False)
weights = st.lists(
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False), min_size=1, max_size=15
)


@given(total=money, weights=weights)
def test_split_always_sums_to_the_cent(total, weights):
    parts = split_to_cents(total, weights)
    assert sum(parts, D(0)) == total
    assert all(p == cents(p) for p in parts)


@given(total=money, weights=weights)
def test_split_parts_stay_within_a_cent_of_their_exact_share(total, weights):
    weight_sum = sum(weights, D(0))
    parts = split_to_cents(total, weights)
    effective = weights if weight_sum else [D(1)] * len(weights)
    effective_sum = weight_sum or D(len(weights))
    for part, weight in zip(parts, effective, strict=True):
        assert abs(part - total * weight / effective_sum) < D("0.01")


def test_rule_messages_render_percentages():
    from staffing.rules import served_shares_error, split_percents_error

    assert served_shares_error([D("50"), D("40")]) == (
        "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 90 %)."
    )
    assert split_percents_error([D("70"), D("20")]) == (
        "Die Anteile müssen zusammen 100 % ergeben (jetzt 90 %)."
    )
    assert served_shares_error([D("50"), D("50")]) is None
    assert served_shares_error([]) is None

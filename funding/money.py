"""Rounding of money: in one place, at the edges, half up to the cent (kaufmännisch)."""

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    """Round an amount to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split_to_cents(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (in cents) by ``weights`` so that the parts sum to ``total`` exactly.

    Largest-remainder (Hare) rounding: every part is first rounded down to the cent; the cents
    left over go one each to the parts with the largest remainders (ties: the earlier part).
    Negative totals split like their absolute value. Zero weights get zero; with no positive
    weight the total is split equally.
    """
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if not weights:
        if total:
            raise ValueError("cannot split a non-zero amount over nobody")
        return []
    total = cents(total)
    sign = -1 if total < 0 else 1
    amount = abs(total)
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    exact = [amount * w / weight_sum for w in weights]
    floors = [e.quantize(CENT, rounding=ROUND_FLOOR) for e in exact]
    left = int((amount - sum(floors, Decimal(0))) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += CENT
    return [sign * f for f in floors]

"""Pure rules of the carriers' proofs of use: Decimal in, Decimal out; no ORM, no request.

- ``employer_gross_per_fte``: a position's employer gross as a full year's full-time post.
- ``exceeds_public_pay``: the Besserstellungsverbot (ANBest-P Nr. 1.3).
- ``proof_totals``: a proof's sums and its balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
TWELVE = Decimal(12)
HUNDRED = Decimal(100)


def employer_gross_per_fte(employer_gross: Decimal, fte: Decimal, months_filled: Decimal):
    """The employer gross of a full-time post for a whole year: what was paid, divided by the
    FTE and by the part of the year the position was filled (months / 12). None where the
    position was not filled at all (no FTE or no month): nothing to compare."""
    if fte <= ZERO or months_filled <= ZERO:
        return None
    return employer_gross * TWELVE / (fte * months_filled)


def exceeds_public_pay(
    *,
    employer_gross: Decimal,
    fte: Decimal,
    months_filled: Decimal,
    reference_per_fte: Decimal | None,
    tolerance_percent: Decimal,
) -> bool:
    """Besserstellungsverbot (ANBest-P Nr. 1.3, passed on to carriers with the forwarded
    funds): a recipient of funding may not pay its staff better than comparable public
    employees (TVöD). A carrier's employer gross per full-time post for a whole year is
    flagged when it lies above the public reference for the same pay grade
    (``PayGradeCost.employer_gross_per_fte`` of the year) by MORE than the tolerance
    (a setting of the recipient, ``Organisation.public_pay_tolerance``, default 5 %).
    Exactly at the tolerance is not flagged. Without a reference or without a filled month
    nothing is flagged.

    Compared without division, so that no rounding decides: gross × 12 × 100 >
    reference × (100 + tolerance) × FTE × months.
    """
    if reference_per_fte is None or fte <= ZERO or months_filled <= ZERO:
        return False
    paid = employer_gross * TWELVE * HUNDRED
    allowed = reference_per_fte * (HUNDRED + tolerance_percent) * fte * months_filled
    return paid > allowed


@dataclass(frozen=True)
class ProofTotals:
    employer_gross: Decimal
    material: Decimal
    overhead: Decimal
    total_cost: Decimal
    funds_received: Decimal
    own_contribution: Decimal
    balance: Decimal


def proof_totals(
    lines: Iterable[tuple[Decimal, Decimal, Decimal]],
    *,
    funds_received: Decimal,
    own_contribution: Decimal,
) -> ProofTotals:
    """A proof's sums: the cost is employer gross + material + overhead over its lines; the
    balance is the funds received plus the carrier's own contribution minus the cost
    (positive: more money than cost, a surplus the recipient may reclaim; negative: cost not
    covered). Inputs are cent amounts, so the sums are exact."""
    gross = material = overhead = ZERO
    for line_gross, line_material, line_overhead in lines:
        gross += line_gross
        material += line_material
        overhead += line_overhead
    total = gross + material + overhead
    return ProofTotals(
        employer_gross=gross,
        material=material,
        overhead=overhead,
        total_cost=total,
        funds_received=funds_received,
        own_contribution=own_contribution,
        balance=funds_received + own_contribution - total,
    )

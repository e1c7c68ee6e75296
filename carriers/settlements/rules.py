"""The rule of the yearly settlement between the towns of a cost split (seed 003).

Seed 003 (Kreis Coesfeld): the cost above the state's funding, "Personalkosten inkl.
Arbeitgeberanteil, technische Ausstattung des Arbeitsplatzes …, Kosten des Stellenbesetzungs-
und Ausschreibungsverfahrens sowie pauschalisierte Kosten der Personalverwaltung", is split
among the region's towns and settled once a year by the employer town.

One pure function, :func:`settle_split`, over the cost engine's results (no ORM, Decimal only):

- each cost item of the split's positions (employer gross, material, one-off, overhead) is
  split over the towns by ``calculations.split_pool`` (the split's weights, largest-remainder
  cents): each item's town shares sum to the item;
- a town's own share is the engine's own share for that town: the split's pool (the
  ``split:<id>`` bearer parts) split by the same function the engine's by-bearer figures use,
  so it equals the by-bearer figure of the cost overview to the cent;
- a town's funding share = its items − its own share, so the funding shares sum to the
  split's funding exactly;
- balance = own share − the town's advances: what it still pays the employer town
  (negative: the employer town refunds the difference);
- the employer town carries its own share in its own budget: its statement shows its shares,
  but no advances and no balance (it pays nothing to itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from funding import calculations as calc
from funding import rules
from funding.choices import SplitMethod
from funding.money import ZERO

HUNDRED = Decimal(100)
ITEMS = ("employer_gross", "material", "one_off", "overhead")


class SettlementError(Exception):
    """A split that cannot be settled, with the form field it belongs to and a German message."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CostItems:
    """The settled cost items (seed 003's list)."""

    employer_gross: Decimal = ZERO
    material: Decimal = ZERO
    one_off: Decimal = ZERO
    overhead: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.employer_gross + self.material + self.one_off + self.overhead


@dataclass(frozen=True, slots=True)
class TownSettlement:
    town: calc.Org
    is_employer_town: bool
    items: CostItems
    funding_share: Decimal
    own_share: Decimal
    advances: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class SplitSettlement:
    """A split's settlement for a year: the region's figures and each town's."""

    split: calc.Split
    year: int
    position_count: int
    items: CostItems
    funding: Decimal
    own_share: Decimal
    towns: tuple[TownSettlement, ...]

    def town(self, town_id: int) -> TownSettlement | None:
        return next((t for t in self.towns if t.town.id == town_id), None)

    @property
    def advances(self) -> Decimal:
        return sum((t.advances for t in self.towns), ZERO)

    @property
    def balance(self) -> Decimal:
        return sum((t.balance for t in self.towns), ZERO)


def check_split(split: calc.Split) -> None:
    """A split that can be settled: towns take part, fixed percentages sum to 100 %."""
    if not split.members:
        raise SettlementError(
            "split",
            _("An der Kostenaufteilung „%(name)s“ ist keine Kommune beteiligt.")
            % {"name": split.name},
        )
    if split.method == SplitMethod.FIXED_PERCENT:
        total = sum((percent or ZERO for _org, percent in split.members), ZERO)
        if total != HUNDRED:
            raise SettlementError(
                "split",
                _(
                    "Die festen Anteile der Kostenaufteilung „%(name)s“ ergeben %(total)s %% "
                    "statt 100 %%. Bitte zuerst die Anteile der Kommunen berichtigen."
                )
                % {"name": split.name, "total": f"{total.normalize():f}".replace(".", ",")},
            )


def settle_split(
    split: calc.Split,
    year: int,
    results: Sequence[calc.PositionResult],
    advances: Mapping[int, Decimal],
) -> SplitSettlement:
    """The settlement of ``split`` in ``year`` from the engine's position results of the year
    (all of them or only the split's; the others are ignored) and the towns' advances
    (town id -> amount paid in advance for the split and year)."""
    check_split(split)
    mine = [r for r in results if r.position.split is not None and r.position.split.id == split.id]
    if not mine:
        raise SettlementError(
            "year",
            _("Die Kostenaufteilung „%(name)s“ hat %(year)s keine Stellen.")
            % {"name": split.name, "year": year},
        )
    key = f"split:{split.id}"
    pool = ZERO
    for r in mine:
        part = sum((amount for bearer, amount in r.bearer_parts if bearer == key), ZERO)
        if part != r.amounts.own_share:
            # A carrier-employed position whose agreement leaves part of the own share to the
            # carrier: that part is not the towns' to settle.
            raise SettlementError(
                "split",
                _(
                    "Der Eigenanteil der Stelle „%(title)s“ wird nicht ganz von der "
                    "Kostenaufteilung getragen; sie lässt sich nicht zwischen den Kommunen "
                    "abrechnen."
                )
                % {"title": r.position.title},
            )
        pool += part
    items = CostItems(*(sum((getattr(r, item) for r in mine), ZERO) for item in ITEMS))
    funding = sum((r.amounts.funding for r in mine), ZERO)
    # The engine's own split of a pool: the own shares are its by-bearer figures.
    positions = [r.position for r in mine]
    own_shares = rules.split_pool(split, positions, pool)
    item_shares = [rules.split_pool(split, positions, getattr(items, item)) for item in ITEMS]
    employer_id = split.employer_town.id if split.employer_town else None
    towns = []
    for index, (org, _percent) in enumerate(split.members):
        town_items = CostItems(*(shares[index] for shares in item_shares))
        own = own_shares[index]
        is_employer = org.id == employer_id
        paid = ZERO if is_employer else advances.get(org.id, ZERO)
        towns.append(
            TownSettlement(
                town=org,
                is_employer_town=is_employer,
                items=town_items,
                funding_share=town_items.total - own,
                own_share=own,
                advances=paid,
                balance=ZERO if is_employer else own - paid,
            )
        )
    return SplitSettlement(
        split=split,
        year=year,
        position_count=len(mine),
        items=items,
        funding=funding,
        own_share=pool,
        towns=tuple(towns),
    )


def payment_due(issued_on: date, term_days: int) -> date:
    """The day by which a statement's balance is to be paid: the employer town's payment
    term (days), counted from the day of issue."""
    return issued_on + timedelta(days=term_days)


@dataclass(frozen=True)
class PaymentDirection:
    """Who pays whom a statement's balance: the town pays the employer town what its advances
    left open; a negative balance is refunded by the employer town to the town."""

    payer_is_town: bool
    amount: Decimal


def payment_direction(balance: Decimal, is_employer_town: bool) -> PaymentDirection | None:
    """None where nothing is to be paid (the employer town's own statement, a zero
    balance)."""
    if is_employer_town or balance == ZERO:
        return None
    return PaymentDirection(payer_is_town=balance > ZERO, amount=abs(balance))

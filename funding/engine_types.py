"""The cost engine's inputs and results (``funding.calculations``): small frozen dataclasses
over ``Decimal``, no ORM.

``funding.selectors`` fills a :class:`YearPlan` (the recipient's positions with their
occupancy, figures, towns, coverage and split, its programme costs, rates and grant notice);
``funding.calculations.compute_year`` turns it into a :class:`YearOverview` (every position's
:class:`PositionResult`, the aggregates and the warnings). ``funding.calculations`` hands all
of them on under its own name (``calc.PositionPlan``), as pages, API and reports use them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from funding.choices import MUNICIPAL_KINDS, CostStatus
from funding.money import ZERO

# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    slug: str
    name: str
    kind: str
    levy_share: Decimal | None = None

    @property
    def is_municipal(self) -> bool:
        return self.kind in MUNICIPAL_KINDS


@dataclass(frozen=True, slots=True)
class Rate:
    """A flat amount in force from ``valid_from``; ``specificity`` 0 programme, 1 recipient,
    2 scenario: at any date the most specific rate in force wins, then the latest."""

    kind: str
    block: int
    amount: Decimal
    valid_from: date
    capped_at_cost: bool
    specificity: int = 0


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date | None
    fte: Decimal


@dataclass(frozen=True, slots=True)
class CostFigures:
    """A position's cost in the year as entered, with where it came from (actual, forecast,
    planned)."""

    employer_gross: Decimal
    material: Decimal = ZERO
    overhead_rate: Decimal | None = None
    overhead_amount: Decimal | None = None
    one_off: Decimal = ZERO
    source: str = CostStatus.PLANNED
    # Which statement, for people: "Prognose 28.11.2024 (Caritas), genehmigt am 02.12.2024".
    source_detail: str = ""
    # The months filled as a carrier's statement gives them (None: not stated).
    stated_months: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    """The forwarding agreement in force: how much of a carrier's own share the payer covers."""

    policy: str
    payer: Org
    percent: Decimal | None = None
    flat_per_fte: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Split:
    """A cost split between towns; ``members`` are (town, fixed percent or None)."""

    id: int
    name: str
    method: str
    members: tuple[tuple[Org, Decimal | None], ...]
    employer_town: Org | None = None


@dataclass(frozen=True, slots=True)
class PositionPlan:
    id: int
    title: str
    block: int
    funding_kind: str
    fte: Decimal
    employer: Org
    start: date
    end: date | None = None
    department: str = ""
    pay_grade: str = ""
    budget_product: str = ""
    ledger_account: str = ""
    cost_centre: str = ""
    occupancies: tuple[Period, ...] = ()
    cost: CostFigures | None = None
    cost_table_per_fte: Decimal | None = None
    served_towns: tuple[tuple[Org, Decimal], ...] = ()
    coverage: Coverage | None = None
    split: Split | None = None
    # Actual figures entered for an open year: provisional, they do not count yet
    # (``rules.actual_is_provisional``); the warnings name them.
    provisional_actual: CostFigures | None = None


@dataclass(frozen=True, slots=True)
class ProgrammeCostItem:
    block: int
    category: str
    amount: Decimal
    source: str = CostStatus.PLANNED
    budget_product: str = ""
    ledger_account: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class GrantBlock:
    block: int
    approved_fte: Decimal
    max_personnel_funding: Decimal | None = None


@dataclass(frozen=True, slots=True)
class NoticeVersion:
    """One version of a recipient's grant notices as the engine reads it (issue 15).

    ``amends``: the notice an amendment amends; None for an original or a follow-up notice
    (those stand on their own). ``blocks``: what the version lists (an amendment: only the
    blocks it changes)."""

    id: int
    amends: int | None
    issued_on: date
    effective_from: date
    period_start: date
    period_end: date | None
    blocks: tuple[GrantBlock, ...] = ()


@dataclass(frozen=True, slots=True)
class YearPlan:
    """Everything the engine needs for one recipient and year (real plan or a scenario)."""

    recipient: Org
    year: int
    positions: tuple[PositionPlan, ...] = ()
    programme_costs: tuple[ProgrammeCostItem, ...] = ()
    rates: tuple[Rate, ...] = ()
    # None: no grant notice covers the year.
    grant_blocks: tuple[GrantBlock, ...] | None = None
    # revenue category -> (budget product, ledger account)
    revenue_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    block_names: dict[int, str] = field(default_factory=dict)
    scenario: str | None = None


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amounts:
    personnel_cost: Decimal = ZERO
    material_cost: Decimal = ZERO
    funding_personnel: Decimal = ZERO
    funding_material: Decimal = ZERO

    @property
    def total_cost(self) -> Decimal:
        return self.personnel_cost + self.material_cost

    @property
    def funding(self) -> Decimal:
        return self.funding_personnel + self.funding_material

    @property
    def own_share(self) -> Decimal:
        return self.total_cost - self.funding

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.personnel_cost + other.personnel_cost,
            self.material_cost + other.material_cost,
            self.funding_personnel + other.funding_personnel,
            self.funding_material + other.funding_material,
        )

    @staticmethod
    def total(amounts, start: Amounts | None = None) -> Amounts:
        """``sum(amounts, start)``: the same additions in the same order, field by field, without
        an ``Amounts`` for every step."""
        if start is None:
            start = Amounts()
        personnel, material = start.personnel_cost, start.material_cost
        funding_personnel, funding_material = start.funding_personnel, start.funding_material
        for a in amounts:
            personnel += a.personnel_cost
            material += a.material_cost
            funding_personnel += a.funding_personnel
            funding_material += a.funding_material
        return Amounts(personnel, material, funding_personnel, funding_material)

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "personnel_cost": self.personnel_cost,
            "material_cost": self.material_cost,
            "total_cost": self.total_cost,
            "funding_personnel": self.funding_personnel,
            "funding_material": self.funding_material,
            "funding": self.funding,
            "own_share": self.own_share,
        }


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str
    block: int | None = None
    position_id: int | None = None


@dataclass(frozen=True, slots=True)
class PositionResult:
    """One position in the year. ``amounts.personnel_cost`` is the position's whole cost
    (employer gross, material, overhead, one-off): seed 001 counts personnel-related material
    cost as personnel cost; ``funding_material`` is its workplace allowance."""

    position: PositionPlan
    filled_fte_months: Decimal
    cost_source: str
    employer_gross: Decimal
    material: Decimal
    overhead: Decimal
    one_off: Decimal
    amounts: Amounts
    funding_rule: str
    # (bearer slug or "split:<id>", amount); sums to amounts.own_share
    bearer_parts: tuple[tuple[str, Decimal], ...]

    @property
    def cost_source_detail(self) -> str:
        """The statement the entered figures come from (empty for plan rows and the table)."""
        return self.position.cost.source_detail if self.position.cost else ""

    @property
    def filled_months(self) -> Decimal:
        """Months filled, counted at the position's FTE (0.5 FTE filled all year: 12)."""
        if not self.position.fte:
            return ZERO
        return self.filled_fte_months / self.position.fte


@dataclass(frozen=True, slots=True)
class BlockResult:
    block: int
    name: str
    amounts: Amounts
    fte: Decimal
    filled_fte_months: Decimal


@dataclass(frozen=True, slots=True)
class GroupResult:
    key: str
    label: str
    amounts: Amounts


@dataclass(frozen=True, slots=True)
class BearerShare:
    organisation: Org
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AccountLine:
    direction: str  # "expense" or "revenue"
    budget_product: str
    ledger_account: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class YearOverview:
    recipient: Org
    year: int
    scenario: str | None
    totals: Amounts
    # Seed 001's council table: personnel cost against the state's funding for it
    # (personnel rates + workplace allowance): 913,257.24 / 576,600.00 / 336,657.24.
    position_funding: Decimal
    by_block: tuple[BlockResult, ...]
    by_employer: tuple[GroupResult, ...]
    by_bearer: tuple[BearerShare, ...]
    by_account: tuple[AccountLine, ...]
    positions: tuple[PositionResult, ...]
    programme_funding: Decimal
    warnings: tuple[Warning, ...]

    def cost_sources(self) -> tuple[tuple[str, str, int], ...]:
        """Where the positions' costs come from, for the data state a council reads: (source,
        statement, number of positions), e.g. ("forecast", "Prognose 28.11.2024 (Caritas …),
        genehmigt am 02.12.2024", 2); most positions first, then by statement."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for result in self.positions:
            counts[(str(result.cost_source), result.cost_source_detail)] += 1
        return tuple(
            (source, detail, n)
            for (source, detail), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
        )

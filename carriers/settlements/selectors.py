"""Reads of the settlement between towns: the engine's year fed to ``carriers.settlements.rules``.

A recipient's year is computed once (``funding.overview.cost_overview``, a fixed number of
queries) and every split of it settled from that one result; the advances come in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from carriers.models import AdvancePayment, CostSplit, Organisation, SettlementStatement
from carriers.settlements.rules import SettlementError, SplitSettlement, settle_split
from funding import calculations as calc
from funding.overview import cost_overview


@dataclass(frozen=True)
class SplitPreview:
    """A split's settlement, or why it cannot be made (German message)."""

    split: CostSplit
    settlement: SplitSettlement | None
    error: SettlementError | None = None


def advances_by_split(recipient: Organisation, year: int) -> dict[int, dict[int, Decimal]]:
    """{split id: {town id: the advances paid for the year}} of the recipient's splits."""
    rows = (
        AdvancePayment.objects.filter(recipient=recipient, year=year)
        .order_by()
        .values("split_id", "town_id")
        .annotate(total=Sum("amount"))
    )
    result: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        result[row["split_id"]][row["town_id"]] = row["total"]
    return result


def engine_splits(overview: calc.YearOverview) -> dict[int, calc.Split]:
    """The splits in force in the year as the engine saw them (with their members)."""
    return {r.position.split.id: r.position.split for r in overview.positions if r.position.split}


def recipient_settlements(
    recipient: Organisation, year: int, splits: list[CostSplit] | None = None
) -> list[SplitPreview]:
    """The settlement of each of the recipient's real-plan splits (or the given ones) for the
    year, from one run of the cost engine."""
    if splits is None:
        splits = list(
            CostSplit.objects.filter(recipient=recipient, scenario__isnull=True)
            .select_related("employer_town")
            .order_by("name", "pk")
        )
    overview = cost_overview(recipient, year)
    in_force = engine_splits(overview)
    advances = advances_by_split(recipient, year)
    previews = []
    for split in splits:
        engine_split = in_force.get(split.pk)
        if engine_split is None:
            error = SettlementError(
                "year",
                f"Die Kostenaufteilung „{split.name}“ hat {year} keine Stellen.",
            )
            previews.append(SplitPreview(split, None, error))
            continue
        try:
            settlement = settle_split(
                engine_split, year, overview.positions, advances.get(split.pk, {})
            )
        except SettlementError as error:
            previews.append(SplitPreview(split, None, error))
        else:
            previews.append(SplitPreview(split, settlement))
    return previews


def split_settlement(split: CostSplit, year: int) -> SplitSettlement:
    """One split's settlement; SettlementError when it cannot be made."""
    (preview,) = recipient_settlements(split.recipient, year, [split])
    if preview.error is not None:
        raise preview.error
    return preview.settlement


def current_statements(recipient: Organisation, year: int) -> dict[tuple[int, int], object]:
    """{(split id, town id): the issued (current) statement} of the recipient's year."""
    return {
        (s.split_id, s.town_id): s
        for s in SettlementStatement.objects.without_pdf().filter(
            recipient=recipient, year=year, state="issued"
        )
    }


FIGURES = (
    "employer_gross",
    "material",
    "one_off",
    "overhead",
    "funding_share",
    "own_share",
    "advances",
    "balance",
)


def statement_figures(split: SplitSettlement, town_id: int) -> dict[str, Decimal]:
    """The stored figures a statement for the town would have (to compare with an issued one)."""
    town = split.town(town_id)
    return {
        "employer_gross": town.items.employer_gross,
        "material": town.items.material,
        "one_off": town.items.one_off,
        "overhead": town.items.overhead,
        "funding_share": town.funding_share,
        "own_share": town.own_share,
        "advances": town.advances,
        "balance": town.balance,
    }


def is_unchanged(statement: SettlementStatement, split: SplitSettlement) -> bool:
    """The issued statement has exactly the figures the settlement gives today."""
    figures = statement_figures(split, statement.town_id)
    return all(getattr(statement, name) == value for name, value in figures.items())


# --- A town's start page -------------------------------------------------------------------------


@dataclass(frozen=True)
class TownHome:
    """What a town's start page shows: its share of the recipient's own share in the year (the
    engine's by-bearer figure), its current settlement statements with their balances, the
    statements it issued as employer town, and the advances it paid per year."""

    recipient: Organisation | None
    year: int
    share: Decimal | None
    positions: int
    statements: list
    issued: list
    advances: list


def town_home(user, recipient: Organisation | None, year: int) -> TownHome:
    """In a fixed number of queries, whatever the number of positions or statements."""
    from staffing.models import Position

    town_id = user.organisation_id
    share = None
    if recipient is not None:
        overview = cost_overview(recipient, year)
        share = next(
            (s.amount for s in overview.by_bearer if s.organisation.id == town_id), Decimal(0)
        )
    statements = (
        SettlementStatement.objects.restrict(user)
        .without_pdf()
        .filter(state="issued")
        .select_related("split", "town", "employer_town")
        .order_by("-year", "split__name", "town__name")
    )
    return TownHome(
        recipient=recipient,
        year=year,
        share=share,
        positions=Position.objects.restrict(user).filter(scenario__isnull=True).count(),
        statements=list(statements.filter(town_id=town_id)),
        issued=list(statements.filter(split__employer_town_id=town_id).exclude(town_id=town_id)),
        advances=list(
            AdvancePayment.objects.restrict(user)
            .filter(town_id=town_id)
            .order_by()
            .values("year")
            .annotate(total=Sum("amount"))
            .order_by("-year")
        ),
    )

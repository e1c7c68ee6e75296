"""Reads for the application (Förderantrag) of a recipient's year (issue 15).

Every amount is the engine's (``funding.calculations.compute_year`` over the year's plan from
``funding.selectors.year_plan``); this module only groups them as the funder's form asks:
per block and kind of position the FTE, the rate in force on 1 January and the personnel
funding, then the workplace set-up and the events and material budget. So the amount
requested is the plan's funding in the cost overview, to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from carriers.models import Organisation
from funding import calculations as calc
from funding import rules
from funding.choices import FundingKind
from funding.models import ApplicationDueDate
from funding.money import ZERO
from funding.overview import money
from funding.selectors import year_plan


@dataclass(frozen=True)
class ApplicationLine:
    """One kind of position in a block: FTE, the rate in force on 1 January, the funding."""

    kind: str
    label: str
    fte: Decimal
    rate: Decimal | None
    requested: Decimal


@dataclass(frozen=True)
class ApplicationBlock:
    block: int
    name: str
    fte: Decimal
    lines: tuple[ApplicationLine, ...]
    personnel: Decimal
    workplace_setup: Decimal
    events_and_material: Decimal

    @property
    def requested(self) -> Decimal:
        return self.personnel + self.workplace_setup + self.events_and_material


@dataclass(frozen=True)
class Application:
    recipient: Organisation
    year: int
    due_on: date
    due_date_stored: bool
    blocks: tuple[ApplicationBlock, ...]
    overview: calc.YearOverview

    @property
    def personnel(self) -> Decimal:
        return sum((b.personnel for b in self.blocks), ZERO)

    @property
    def workplace_setup(self) -> Decimal:
        return sum((b.workplace_setup for b in self.blocks), ZERO)

    @property
    def events_and_material(self) -> Decimal:
        return sum((b.events_and_material for b in self.blocks), ZERO)

    @property
    def requested(self) -> Decimal:
        """The amount requested: the engine's funding of the year (the cost overview's)."""
        return self.overview.totals.funding

    @property
    def fte(self) -> Decimal:
        return sum((b.fte for b in self.blocks), ZERO)


def application_due_date(year: int) -> tuple[date, bool]:
    """The due date of the application for ``year`` (one query) and whether it is stored."""
    stored = ApplicationDueDate.objects.filter(year=year).values_list("due_on", flat=True).first()
    return rules.application_due_date(year, stored), stored is not None


def funding_application(recipient: Organisation, year: int) -> Application:
    """The application of ``recipient`` for ``year`` from the year's real plan."""
    plan = year_plan(recipient, year)
    overview = calc.compute_year(plan)
    by_kind: dict[tuple[int, str], list[calc.PositionResult]] = defaultdict(list)
    for result in overview.positions:
        by_kind[(result.position.block, result.position.funding_kind)].append(result)
    first_day = date(year, 1, 1)
    blocks = []
    for block in overview.by_block:
        lines = []
        workplace = ZERO
        for (number, kind), results in sorted(by_kind.items()):
            if number != block.block:
                continue
            rate = rules.rate_in_force(plan.rates, kind, number, first_day)
            lines.append(
                ApplicationLine(
                    kind=kind,
                    label=str(FundingKind(kind).label),
                    fte=sum((r.position.fte for r in results), ZERO),
                    rate=rate.amount if rate else None,
                    requested=sum((r.amounts.funding_personnel for r in results), ZERO),
                )
            )
            workplace += sum((r.amounts.funding_material for r in results), ZERO)
        blocks.append(
            ApplicationBlock(
                block=block.block,
                name=block.name,
                fte=block.fte,
                lines=tuple(lines),
                personnel=block.amounts.funding_personnel,
                workplace_setup=workplace,
                events_and_material=block.amounts.funding_material - workplace,
            )
        )
    due_on, stored = application_due_date(year)
    return Application(recipient, year, due_on, stored, tuple(blocks), overview)


def application_payload(application: Application) -> dict:
    """The application as plain data (amounts as strings with two decimals), for the
    ``funding_application`` command and the API."""
    return {
        "recipient": application.recipient.slug,
        "recipient_name": application.recipient.name,
        "year": application.year,
        "due_on": application.due_on.isoformat(),
        "totals": {
            "fte": f"{application.fte:.3f}",
            "personnel": money(application.personnel),
            "workplace_setup": money(application.workplace_setup),
            "events_and_material": money(application.events_and_material),
            "requested": money(application.requested),
        },
        "by_block": [
            {
                "block": b.block,
                "name": b.name,
                "fte": f"{b.fte:.3f}",
                "lines": [
                    {
                        "kind": line.kind,
                        "label": line.label,
                        "fte": f"{line.fte:.3f}",
                        "rate": None if line.rate is None else money(line.rate),
                        "requested": money(line.requested),
                    }
                    for line in b.lines
                ],
                "personnel": money(b.personnel),
                "workplace_setup": money(b.workplace_setup),
                "events_and_material": money(b.events_and_material),
                "requested": money(b.requested),
            }
            for b in application.blocks
        ],
    }

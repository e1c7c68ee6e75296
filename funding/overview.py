"""The cost overview of a recipient's year as plain data: the one shape that the
``cost_overview`` command, the REST endpoint and the reports share.

Amounts are strings with two decimals ("913257.24"): exact, and safe for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from carriers.models import Organisation
from funding import calculations as calc
from funding.models import Scenario
from funding.selectors import year_plan


def cost_overview(
    recipient: Organisation, year: int, scenario: Scenario | None = None
) -> calc.YearOverview:
    """Load the recipient's year and compute it (the selector every caller uses)."""
    return calc.compute_year(year_plan(recipient, year, scenario=scenario))


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def amounts_payload(amounts: calc.Amounts) -> dict[str, str]:
    return {key: money(value) for key, value in amounts.as_dict().items()}


def org_payload(org: calc.Org) -> dict:
    return {"organisation": org.slug, "name": org.name, "kind": org.kind}


def overview_payload(overview: calc.YearOverview) -> dict:
    return {
        "recipient": overview.recipient.slug,
        "recipient_name": overview.recipient.name,
        "year": overview.year,
        "scenario": overview.scenario,
        "totals": amounts_payload(overview.totals),
        "position_funding": money(overview.position_funding),
        "by_block": [
            {
                "block": b.block,
                "name": b.name,
                "fte": f"{b.fte:.3f}",
                **amounts_payload(b.amounts),
            }
            for b in overview.by_block
        ],
        "by_employer": [
            {"employer": g.key, "label": g.label, **amounts_payload(g.amounts)}
            for g in overview.by_employer
        ],
        "by_bearer": [
            {**org_payload(s.organisation), "amount": money(s.amount)} for s in overview.by_bearer
        ],
        "by_account": [
            {
                "direction": line.direction,
                "budget_product": line.budget_product,
                "ledger_account": line.ledger_account,
                "amount": money(line.amount),
            }
            for line in overview.by_account
        ],
        "positions": [
            {
                "id": r.position.id,
                "title": r.position.title,
                "block": r.position.block,
                "fte": f"{r.position.fte:.3f}",
                "employer": r.position.employer.slug,
                "department": r.position.department,
                "filled_fte_months": f"{r.filled_fte_months:.3f}",
                "cost_source": r.cost_source,
                "cost_source_detail": r.cost_source_detail,
                "employer_gross": money(r.employer_gross),
                "material": money(r.material),
                "overhead": money(r.overhead),
                "one_off": money(r.one_off),
                "funding_rule": r.funding_rule,
                "bearers": [{"bearer": b, "amount": money(a)} for b, a in r.bearer_parts],
                **amounts_payload(r.amounts),
            }
            for r in overview.positions
        ],
        "warnings": [
            {"code": w.code, "message": w.message, "block": w.block, "position": w.position_id}
            for w in overview.warnings
        ],
    }


# --- Several years and the end of the programme (council reports) -----------------------------

# The budget year and the three years of the medium-term financial plan
# (mittelfristige Finanzplanung, § 84 GO NRW).
MEDIUM_TERM_YEARS = 4


def medium_term_years(year: int) -> list[int]:
    """The year and the three following ones: 2022 -> [2022, 2023, 2024, 2025]."""
    return list(range(year, year + MEDIUM_TERM_YEARS))


def cost_overviews(
    recipient: Organisation, years, scenario: Scenario | None = None
) -> dict[int, calc.YearOverview]:
    """The overviews of several years of one recipient, by year, loaded with
    ``multi_year_plans`` in the same fixed number of queries as one year."""
    from funding.selectors import multi_year_plans

    years = sorted(set(years))
    plans = multi_year_plans([recipient], years, scenario=scenario)
    return {year: calc.compute_year(plans[(recipient.id, year)]) for year in years}


@dataclass(frozen=True, slots=True)
class WithoutProgramme:
    """A year's figures if the state ended the programme.

    Seed 001 (Leverkusen, Vorlage 2021/1121): "sollte das Programm wider Erwarten von
    Landesseite beendet werden", the city must budget the whole cost; its financial page states
    "Personal-/Sachaufwand: 962.300,00 € (bei Einstellung der Förderung)": personnel
    913,257.24 plus events 49,000.00, rounded up to the hundred. Every cost stays, every euro
    of funding falls away, so the extra burden is the funding lost.
    """

    total_cost: Decimal
    funding_lost: Decimal
    own_share_with_programme: Decimal
    budget_amount: Decimal

    @property
    def extra_burden(self) -> Decimal:
        """What the bearers pay on top of today's own share: the funding lost."""
        return self.total_cost - self.own_share_with_programme


def without_programme(overview: calc.YearOverview) -> WithoutProgramme:
    """The year without the state's funding; ``budget_amount`` is the total cost rounded up
    to the next hundred euros, as the budget lists it (seed 001: 962,257.24 -> 962,300.00)."""
    totals = overview.totals
    hundreds = (totals.total_cost / HUNDRED_EUROS).to_integral_value(rounding=ROUND_CEILING)
    return WithoutProgramme(
        total_cost=totals.total_cost,
        funding_lost=totals.funding,
        own_share_with_programme=totals.own_share,
        budget_amount=(hundreds * HUNDRED_EUROS).quantize(Decimal("0.01")),
    )


HUNDRED_EUROS = Decimal(100)


@dataclass(frozen=True, slots=True)
class CostAreas:
    """A year split as the council table of seed 001 reads it: the positions (personnel cost
    including the workplaces' material cost, against the rates and the workplace allowance:
    913,257.24 / 576,600.00) and the programme's own material cost (events, measures,
    external support, against the events budget: 49,000.00 / 49,000.00)."""

    positions: calc.Amounts
    programme: calc.Amounts


def cost_areas(overview: calc.YearOverview) -> CostAreas:
    positions = sum((r.amounts for r in overview.positions), calc.Amounts())
    programme = calc.Amounts(
        material_cost=overview.totals.material_cost,
        funding_material=overview.programme_funding,
    )
    return CostAreas(positions=positions, programme=programme)

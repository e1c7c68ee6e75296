"""The cost overview of a recipient's year as plain data: the one shape that the
``cost_overview`` command, the REST endpoint and the reports share.

Amounts are strings with two decimals ("913257.24"): exact, and safe for JSON.
"""

from __future__ import annotations

from decimal import Decimal

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

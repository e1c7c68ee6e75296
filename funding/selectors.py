"""Reads for the cost engine: a recipient's year as a ``calculations.YearPlan``.

Loads any number of recipients in a fixed number of queries (no query per position), so the
overview of one town and of the whole state cost the same number of round trips.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from funding import calculations as calc
from funding.choices import CostStatus
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNoticeBlock,
    ProgrammeCost,
    RevenueAccount,
    Scenario,
)
from staffing.models import Occupancy, PayGradeCost, Position, PositionCost, PositionTown

# Which entered cost counts for a year: actual payments, else the forecast, else the plan.
COST_PRECEDENCE = {CostStatus.ACTUAL: 3, CostStatus.FORECAST: 2, CostStatus.PLANNED: 1}

ORG_FIELDS = ("id", "slug", "name", "kind", "levy_share")


def _org(row: dict, prefix: str = "") -> calc.Org:
    return calc.Org(*(row[prefix + f] for f in ORG_FIELDS))


def _overlaps_year(start_field: str, end_field: str, year: int) -> Q:
    return Q(**{f"{start_field}__lte": date(year, 12, 31)}) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": date(year, 1, 1)})
    )


def year_plan(
    recipient: Organisation, year: int, scenario: Scenario | None = None
) -> calc.YearPlan:
    """One recipient's year, real plan or scenario."""
    return year_plans([recipient], year, scenario=scenario)[recipient.id]


def year_plans(recipients, year: int, scenario: Scenario | None = None) -> dict[int, calc.YearPlan]:
    """The year of several recipients at once, keyed by recipient id (about 14 queries)."""
    recipients = list(recipients)
    recipient_ids = [r.id for r in recipients]
    scenario_id = scenario.id if scenario else None

    positions = list(
        Position.objects.filter(
            _overlaps_year("planned_start", "end_date", year),
            recipient_id__in=recipient_ids,
            scenario_id=scenario_id,
        )
        .order_by("block__number", "title", "pk")
        .values(
            "id",
            "recipient_id",
            "title",
            "block__number",
            "funding_kind",
            "fte",
            "department",
            "pay_grade_id",
            "pay_grade__code",
            "budget_product",
            "ledger_account",
            "cost_centre",
            "planned_start",
            "end_date",
            *(f"employer__{f}" for f in ORG_FIELDS),
        )
    )
    position_q = Position.objects.filter(
        _overlaps_year("planned_start", "end_date", year),
        recipient_id__in=recipient_ids,
        scenario_id=scenario_id,
    ).values("id")

    occupancies = defaultdict(list)
    for o in (
        Occupancy.objects.filter(_overlaps_year("start", "end", year), position_id__in=position_q)
        .order_by("start", "pk")
        .values_list("position_id", "start", "end", "fte")
    ):
        occupancies[o[0]].append(calc.Period(o[1], o[2], o[3]))

    costs: dict[int, tuple[int, calc.CostFigures]] = {}
    for c in (
        PositionCost.objects.filter(year=year, position_id__in=position_q)
        .order_by()
        .values(
            "position_id",
            "status",
            "employer_gross",
            "material",
            "overhead_rate",
            "overhead_amount",
            "one_off",
        )
    ):
        rank = COST_PRECEDENCE[c["status"]]
        if c["position_id"] not in costs or costs[c["position_id"]][0] < rank:
            figures = calc.CostFigures(
                employer_gross=c["employer_gross"],
                material=c["material"],
                overhead_rate=c["overhead_rate"],
                overhead_amount=c["overhead_amount"],
                one_off=c["one_off"],
                source=c["status"],
            )
            costs[c["position_id"]] = (rank, figures)

    cost_table = dict(
        PayGradeCost.objects.filter(year=year)
        .order_by()
        .values_list("pay_grade_id", "employer_gross_per_fte")
    )

    served = defaultdict(list)
    for row in (
        PositionTown.objects.filter(position_id__in=position_q)
        .order_by("town__name", "pk")
        .values("position_id", "share", *(f"town__{f}" for f in ORG_FIELDS))
    ):
        served[row["position_id"]].append((_org(row, "town__"), row["share"]))

    # position id -> (valid_from, policy row); where agreements follow each other within the
    # year, the latest one applies.
    coverage: dict[int, tuple[date, dict]] = {}
    agreement_scope = Q(scenario_id=scenario_id, recipient_id__in=recipient_ids) & _overlaps_year(
        "valid_from", "valid_to", year
    )
    # Scoped by the agreements only: a second IN over the positions makes SQLite probe every
    # (agreement, position) pair of the composite index; rows of positions outside the year
    # are simply never looked up.
    for row in ForwardingAgreement.positions.through.objects.filter(
        forwardingagreement__in=ForwardingAgreement.objects.filter(agreement_scope),
    ).values(
        "position_id",
        "forwardingagreement__valid_from",
        "forwardingagreement__coverage_policy",
        "forwardingagreement__coverage_percent",
        "forwardingagreement__coverage_flat_per_fte",
        *(f"forwardingagreement__payer__{f}" for f in ORG_FIELDS),
    ):
        valid_from = row["forwardingagreement__valid_from"]
        if row["position_id"] not in coverage or coverage[row["position_id"]][0] < valid_from:
            coverage[row["position_id"]] = (valid_from, row)

    split_scope = Q(scenario_id=scenario_id, recipient_id__in=recipient_ids) & _overlaps_year(
        "valid_from", "valid_to", year
    )
    split_rows = list(
        CostSplit.objects.filter(split_scope)
        .order_by("valid_from")
        .values("id", "name", "method", *(f"employer_town__{f}" for f in ORG_FIELDS))
    )
    members = defaultdict(list)
    for row in (
        CostSplitMember.objects.filter(split_id__in=[s["id"] for s in split_rows])
        .order_by("organisation__name")
        .values("split_id", "percent", *(f"organisation__{f}" for f in ORG_FIELDS))
    ):
        members[row["split_id"]].append((_org(row, "organisation__"), row["percent"]))
    splits = {
        s["id"]: calc.Split(
            id=s["id"],
            name=s["name"],
            method=s["method"],
            members=tuple(members[s["id"]]),
            employer_town=_org(s, "employer_town__") if s["employer_town__id"] else None,
        )
        for s in split_rows
    }
    position_split: dict[int, calc.Split] = {}
    for position_id, split_id in CostSplit.positions.through.objects.filter(
        costsplit_id__in=list(splits)
    ).values_list("position_id", "costsplit_id"):
        position_split[position_id] = splits[split_id]

    blocks = dict(BuildingBlock.objects.values_list("number", "name"))
    rates = _rates(recipient_ids, scenario_id)
    grants = _grant_blocks(recipient_ids, year)

    programme_costs = defaultdict(list)
    best_programme_cost = _programme_costs(recipient_ids, year, scenario_id)
    for recipient_id, item in best_programme_cost:
        programme_costs[recipient_id].append(item)

    revenue_accounts = defaultdict(dict)
    for rid, category, product, account in RevenueAccount.objects.filter(
        recipient_id__in=recipient_ids
    ).values_list("recipient_id", "category", "budget_product", "ledger_account"):
        revenue_accounts[rid][category] = (product, account)

    recipient_orgs = {
        r.id: calc.Org(r.id, r.slug, r.name, r.kind, r.levy_share) for r in recipients
    }
    by_recipient = defaultdict(list)
    for p in positions:
        recipient = recipient_orgs[p["recipient_id"]]
        cover = None
        if p["id"] in coverage:
            row = coverage[p["id"]][1]
            prefix = "forwardingagreement__"
            cover = calc.Coverage(
                policy=row[prefix + "coverage_policy"],
                # No payer named: the recipient covers (Leverkusen, seed 000).
                payer=_org(row, prefix + "payer__") if row[prefix + "payer__id"] else recipient,
                percent=row[prefix + "coverage_percent"],
                flat_per_fte=row[prefix + "coverage_flat_per_fte"],
            )
        by_recipient[p["recipient_id"]].append(
            calc.PositionPlan(
                id=p["id"],
                title=p["title"],
                block=p["block__number"],
                funding_kind=p["funding_kind"],
                fte=p["fte"],
                employer=_org(p, "employer__"),
                start=p["planned_start"],
                end=p["end_date"],
                department=p["department"],
                pay_grade=p["pay_grade__code"] or "",
                budget_product=p["budget_product"],
                ledger_account=p["ledger_account"],
                cost_centre=p["cost_centre"],
                occupancies=tuple(occupancies[p["id"]]),
                cost=costs[p["id"]][1] if p["id"] in costs else None,
                cost_table_per_fte=cost_table.get(p["pay_grade_id"]),
                served_towns=tuple(served[p["id"]]),
                coverage=cover,
                split=position_split.get(p["id"]),
            )
        )

    return {
        r.id: calc.YearPlan(
            recipient=recipient_orgs[r.id],
            year=year,
            positions=tuple(by_recipient[r.id]),
            programme_costs=tuple(programme_costs[r.id]),
            rates=rates.get(r.id, rates[None]),
            grant_blocks=grants.get(r.id),
            revenue_accounts=revenue_accounts[r.id],
            block_names=blocks,
            scenario=scenario.slug if scenario else None,
        )
        for r in recipients
    }


def _rates(recipient_ids, scenario_id) -> dict[int | None, tuple[calc.Rate, ...]]:
    """Programme-wide rates, plus each recipient's own and the scenario's (more specific)."""
    common, own = [], defaultdict(list)
    scope = Q(recipient__isnull=True) | Q(recipient_id__in=recipient_ids)
    scenario_scope = Q(scenario__isnull=True)
    if scenario_id:
        scenario_scope |= Q(scenario_id=scenario_id)
    for kind, number, amount, valid_from, capped, rid, sid in FundingRate.objects.filter(
        scope & scenario_scope
    ).values_list(
        "kind",
        "block__number",
        "amount",
        "valid_from",
        "capped_at_cost",
        "recipient_id",
        "scenario_id",
    ):
        specificity = 2 if sid else 1 if rid else 0
        rate = calc.Rate(kind, number, amount, valid_from, capped, specificity)
        if rid is None:
            common.append(rate)
        else:
            own[rid].append(rate)
    result: dict[int | None, tuple[calc.Rate, ...]] = {None: tuple(common)}
    for rid, rates in own.items():
        result[rid] = tuple(common + rates)
    return result


def _grant_blocks(recipient_ids, year) -> dict[int, tuple[calc.GrantBlock, ...]]:
    """Per recipient, the blocks of the latest notice whose period covers part of the year."""
    latest: dict[int, tuple[date, int]] = {}
    rows = GrantNoticeBlock.objects.filter(
        _overlaps_year("notice__period_start", "notice__period_end", year),
        notice__recipient_id__in=recipient_ids,
    ).values_list(
        "notice__recipient_id",
        "notice_id",
        "notice__period_start",
        "notice__issued_on",
        "block__number",
        "approved_fte",
        "max_personnel_funding",
    )
    by_notice = defaultdict(list)
    for rid, notice_id, period_start, issued_on, number, fte, cap in rows:
        by_notice[notice_id].append(calc.GrantBlock(number, fte, cap))
        key = (period_start, issued_on, notice_id)
        if rid not in latest or latest[rid][0] < key:
            latest[rid] = (key, notice_id)
    return {
        rid: tuple(sorted(by_notice[notice_id], key=lambda g: g.block))
        for rid, (_key, notice_id) in latest.items()
    }


def _programme_costs(recipient_ids, year, scenario_id):
    """Programme costs of the year; per recipient, block and category the best status counts."""
    best: dict[tuple[int, int, str], tuple[int, list]] = {}
    for row in ProgrammeCost.objects.filter(
        recipient_id__in=recipient_ids, year=year, scenario_id=scenario_id
    ).values(
        "recipient_id",
        "block__number",
        "category",
        "status",
        "amount",
        "budget_product",
        "ledger_account",
        "description",
    ):
        key = (row["recipient_id"], row["block__number"], row["category"])
        rank = COST_PRECEDENCE[row["status"]]
        if key not in best or best[key][0] < rank:
            best[key] = (rank, [])
        if best[key][0] == rank:
            best[key][1].append(
                calc.ProgrammeCostItem(
                    block=row["block__number"],
                    category=row["category"],
                    amount=row["amount"],
                    source=row["status"],
                    budget_product=row["budget_product"],
                    ledger_account=row["ledger_account"],
                    description=row["description"],
                )
            )
    return [(key[0], item) for key, (_rank, items) in best.items() for item in items]

"""Reads for the cost engine: a recipient's years as ``calculations.YearPlan`` objects.

Loads any number of recipients and years in a fixed number of queries (no query per position
or year), so the overview of one town for one year and of the whole state over ten years cost
the same number of round trips.

A year without entered figures for a position takes its last known figures carried forward
with the programme's pay rises (``funding.projections.rules.carry_forward``, issue 14); a year
without programme costs takes the last year's. So the years after the last one with figures
do not fall off a cliff; the pay-grade table applies only where a position never had figures.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from carriers.choices import ForecastKind, ForecastState
from carriers.models import (
    CostForecast,
    CostSplit,
    CostSplitMember,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
)
from funding import calculations as calc
from funding import rules
from funding.bulk import without_cycle_collection
from funding.choices import CostSource, CostStatus
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNoticeBlock,
    PayRise,
    ProgrammeCost,
    RevenueAccount,
    Scenario,
    YearClosing,
)
from funding.projections import rules as carrying
from funding.statements import converted, statement, unconverted
from kim_admin.formatting import de_date
from staffing.models import Occupancy, PayGradeCost, Position, PositionCost, PositionTown

# Which entered cost counts for a year (issue 4): in a closed year the actual figures, else the
# latest approved forecast, else the plan. A carrier's approved statement outranks a row the
# finance staff entered with the same status; actual figures of an open year do not count (half
# a year's payments would understate it).
COST_PRECEDENCE = {
    ("statement", CostStatus.ACTUAL): 6,
    CostStatus.ACTUAL: 5,
    ("statement", CostStatus.FORECAST): 4,
    CostStatus.FORECAST: 3,
    CostStatus.PLANNED: 1,
}


def cost_rank(kind, year_closed: bool) -> int | None:
    """The precedence of an entered cost (higher wins); None: it does not count this year."""
    status = kind[1] if isinstance(kind, tuple) else kind
    if status == CostStatus.ACTUAL and rules.actual_is_provisional(year_closed):
        return None
    return COST_PRECEDENCE[kind]


def _figures(row: dict, source: str, detail: str = "") -> calc.CostFigures:
    return calc.CostFigures(
        stated_months=row.get("months_filled"),
        employer_gross=row["employer_gross"],
        material=row["material"],
        overhead_rate=row.get("overhead_rate"),
        overhead_amount=row.get("overhead_amount"),
        one_off=row.get("one_off", calc.ZERO),
        source=source,
        source_detail=detail,
    )


# The columns of an entered cost row, as ``_entered_costs`` hands them on unconverted.
COST_COLUMNS = (
    "position_id",
    "year",
    "status",
    "employer_gross",
    "material",
    "overhead_rate",
    "overhead_amount",
    "one_off",
)


def _entered_costs(scope: tuple, last: int) -> tuple[Iterable, list, Callable]:
    """The cost rows and approved statements of the positions (``_position_scope(*scope)``)
    for the years up to last — two queries.

    Returns (rows, statements, figures): ``rows`` as the database sends them (an iterator, to
    be read once: a row not kept is freed at once), in the order of
    ``COST_COLUMNS`` (position id, year and status ready to rank; the amounts unconverted),
    ``figures(rows)`` their ``CostFigures`` (to be made for the rows used only, as many at
    once as the caller can), and ``statements`` as (position id, year, ("statement", status),
    figures)."""
    rows, convert = unconverted(statement("costs", _costs_query, last, *scope), stream=True)

    def figures(rows: list[tuple]) -> list[calc.CostFigures]:
        return [
            calc.CostFigures(
                employer_gross=gross,
                material=material,
                overhead_rate=rate,
                overhead_amount=amount,
                one_off=one_off,
                source=status,
            )
            for _position, _year, status, gross, material, rate, amount, one_off in convert(rows)
        ]

    return rows, _approved_statements(scope, last), figures


# The columns of an approved statement's line: the position and year, the forecast's kind and
# what names it (``CostForecast.label``), its carrier and decision, the line's figures.
STATEMENT_COLUMNS = (
    "position_id",
    "forecast__year",
    "forecast__kind",
    "forecast__title",
    "forecast__submitted_at",
    "forecast__created_at",
    "forecast__number",
    "forecast__carrier__name",
    "forecast__decided_at",
    "employer_gross",
    "material",
    "overhead",
    "months_filled",
)


def _statements_query(last, *scope):
    return (
        ForecastLine.objects.filter(
            forecast__year__lte=last,
            forecast__state=ForecastState.APPROVED,
            position_id__in=_position_ids(*scope),
        )
        .order_by()
        .values_list(*STATEMENT_COLUMNS)
    )


def _approved_statements(scope: tuple, last: int) -> list:
    """The lines of carriers' approved forecasts and actual statements of the positions
    (``_position_scope(*scope)``) for the years up to last, as (position id, year,
    ("statement", status), figures) — one query, compiled once (``statement``)."""
    out = []
    for (
        position_id,
        year,
        kind,
        title,
        submitted_at,
        created_at,
        number,
        carrier_name,
        decided_at,
        employer_gross,
        material,
        overhead,
        months_filled,
    ) in converted(statement("statements", _statements_query, last, *scope)):
        # A forecast of kind "actual" is the carrier's actual statement.
        status = str(CostStatus.ACTUAL if kind == ForecastKind.ACTUAL else CostStatus.FORECAST)
        # Named as the forecast names itself (not saved: only what ``label`` reads).
        label = CostForecast(
            title=title, kind=kind, submitted_at=submitted_at, created_at=created_at, number=number
        ).label
        detail = _("%(label)s (%(carrier)s), genehmigt am %(date)s") % {
            "label": label,
            "carrier": carrier_name,
            "date": de_date(decided_at),
        }
        row = {
            "employer_gross": employer_gross,
            "material": material,
            "overhead_amount": overhead,
            "months_filled": months_filled,
        }
        out.append((position_id, year, ("statement", status), _figures(row, status, detail)))
    return out


ORG_FIELDS = ("id", "slug", "name", "kind", "levy_share")


def _shared_orgs() -> Callable[[tuple], calc.Org]:
    """``org(fields)``: the ``calc.Org`` of a row's ``ORG_FIELDS`` values, one object for all
    the rows that name the same organisation (a carrier employs hundreds of positions)."""
    made: dict[tuple, calc.Org] = {}

    def org(fields: tuple) -> calc.Org:
        found = made.get(fields)
        if found is None:
            found = made[fields] = calc.Org(*fields)
        return found

    return org


def _overlaps(start_field: str, end_field: str, first_day: date, last_day: date) -> Q:
    """Rows whose period [start, end or open] touches the days first_day..last_day."""
    return Q(**{f"{start_field}__lte": last_day}) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": first_day})
    )


def _position_scope(recipient_ids, scenario_id, first_day, last_day, focus_kind, focus) -> Q:
    """The positions of a plan; ``focus_kind`` "block" or "pk": only those of block ``focus``,
    or the position ``focus`` (``multi_year_plans``)."""
    scope = Q(recipient_id__in=recipient_ids, scenario_id=scenario_id) & _overlaps(
        "planned_start", "end_date", first_day, last_day
    )
    if focus_kind == "block":
        scope &= Q(block__number=focus)
    elif focus_kind == "pk":
        scope &= Q(pk=focus)
    return scope


def _agreements_query(scenario_id, recipient_ids, first_day, last_day):
    """The positions of the forwarding agreements in force in the days (``multi_year_plans``)."""
    agreement_scope = Q(scenario_id=scenario_id, recipient_id__in=recipient_ids) & _overlaps(
        "valid_from", "valid_to", first_day, last_day
    )
    prefix = "forwardingagreement__"
    return ForwardingAgreement.positions.through.objects.filter(
        forwardingagreement__in=ForwardingAgreement.objects.filter(agreement_scope),
    ).values_list(
        "position_id",
        prefix + "valid_from",
        prefix + "valid_to",
        prefix + "coverage_policy",
        prefix + "coverage_percent",
        prefix + "coverage_flat_per_fte",
        *(f"{prefix}payer__{f}" for f in ORG_FIELDS),
    )


def _splits_query(scenario_id, recipient_ids, first_day, last_day):
    split_scope = Q(scenario_id=scenario_id, recipient_id__in=recipient_ids) & _overlaps(
        "valid_from", "valid_to", first_day, last_day
    )
    return (
        CostSplit.objects.filter(split_scope)
        .order_by("valid_from", "pk")
        .values_list(
            "id",
            "name",
            "method",
            "valid_from",
            "valid_to",
            *(f"employer_town__{f}" for f in ORG_FIELDS),
        )
    )


def _split_members_query(split_ids):
    return (
        CostSplitMember.objects.filter(split_id__in=split_ids)
        .order_by("organisation__name", "pk")
        .values_list("split_id", "percent", *(f"organisation__{f}" for f in ORG_FIELDS))
    )


def _split_positions_query(split_ids):
    return CostSplit.positions.through.objects.filter(costsplit_id__in=split_ids).values_list(
        "position_id", "costsplit_id"
    )


def _notices_query(recipient_ids, first_day, last_day):
    return (
        GrantNoticeBlock.objects.filter(
            _overlaps("notice__period_start", "notice__period_end", first_day, last_day),
            notice__recipient_id__in=recipient_ids,
        )
        .order_by("notice_id", "block__number")
        .values_list(
            "notice__recipient_id",
            "notice_id",
            "notice__amends_id",
            "notice__issued_on",
            "notice__effective_from",
            "notice__period_start",
            "notice__period_end",
            "block__number",
            "approved_fte",
            "max_personnel_funding",
        )
    )


def _closings_query(recipient_ids, last):
    return YearClosing.objects.filter(recipient_id__in=recipient_ids, year__lte=last).values_list(
        "recipient_id", "year"
    )


def _pay_grades_query(first, last):
    return (
        PayGradeCost.objects.filter(year__gte=first, year__lte=last)
        .order_by()
        .values_list("pay_grade_id", "year", "employer_gross_per_fte")
    )


def _blocks_query():
    return BuildingBlock.objects.values_list("number", "name")


def _revenue_accounts_query(recipient_ids):
    return RevenueAccount.objects.filter(recipient_id__in=recipient_ids).values_list(
        "recipient_id", "category", "budget_product", "ledger_account"
    )


def _rates_query(recipient_ids, scenario_id):
    scope = Q(recipient__isnull=True) | Q(recipient_id__in=recipient_ids)
    scenario_scope = Q(scenario__isnull=True)
    if scenario_id:
        scenario_scope |= Q(scenario_id=scenario_id)
    return (
        FundingRate.objects.filter(scope & scenario_scope)
        .order_by()
        .values_list(
            "kind",
            "block__number",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient_id",
            "scenario_id",
        )
    )


def _programme_costs_query(recipient_ids, last, scenario_id):
    return (
        ProgrammeCost.objects.filter(
            recipient_id__in=recipient_ids, year__lte=last, scenario_id=scenario_id
        )
        .order_by("pk")
        .values_list(
            "recipient_id",
            "year",
            "block__number",
            "category",
            "status",
            "amount",
            "budget_product",
            "ledger_account",
            "description",
        )
    )


def _position_ids(*scope):
    return Position.objects.filter(_position_scope(*scope)).values("id")


# The columns of a position row, followed by its employer's ``ORG_FIELDS``.
POSITION_COLUMNS = (
    "id",
    "recipient_id",
    "title",
    "block__number",
    "funding_kind",
    "fte",
    "department",
    "unit__name",
    "pay_grade_id",
    "pay_grade__code",
    "budget_product",
    "ledger_account",
    "cost_centre",
    "planned_start",
    "end_date",
)


def _positions_query(*scope):
    return (
        Position.objects.filter(_position_scope(*scope))
        .order_by("block__number", "title", "pk")
        .values_list(*POSITION_COLUMNS, *(f"employer__{f}" for f in ORG_FIELDS))
    )


def _occupancies_query(*scope):
    return (
        Occupancy.objects.filter(position_id__in=_position_ids(*scope))
        .order_by("start", "pk")
        .values_list("position_id", "start", "end", "fte")
    )


def _costs_query(last, *scope):
    return (
        PositionCost.objects.filter(Q(year__lte=last), position_id__in=_position_ids(*scope))
        .order_by()
        .values_list(*COST_COLUMNS)
    )


def _towns_query(*scope):
    return (
        PositionTown.objects.filter(position_id__in=_position_ids(*scope))
        .order_by("town__name", "pk")
        .values_list("position_id", "share", *(f"town__{f}" for f in ORG_FIELDS))
    )


def _year_days(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _in_year(start: date, end: date | None, days: tuple[date, date]) -> bool:
    """Whether the period [start, end or open] touches the year of ``days`` (``_year_days``)."""
    return start <= days[1] and (end is None or end >= days[0])


def year_plan(
    recipient: Organisation, year: int, scenario: Scenario | None = None
) -> calc.YearPlan:
    """One recipient's year, real plan or scenario."""
    return year_plans([recipient], year, scenario=scenario)[recipient.id]


def year_plans(recipients, year: int, scenario: Scenario | None = None) -> dict[int, calc.YearPlan]:
    """The year of several recipients at once, keyed by recipient id (about 14 queries)."""
    plans = multi_year_plans(recipients, [year], scenario=scenario)
    return {recipient_id: plan for (recipient_id, _year), plan in plans.items()}


@without_cycle_collection
def multi_year_plans(
    recipients,
    years: Iterable[int],
    scenario: Scenario | None = None,
    focus: tuple[int, int] | None = None,
) -> dict[tuple[int, int], calc.YearPlan]:
    """Several recipients over several years, keyed by (recipient id, year), in the same
    fixed number of queries as one year.

    ``focus`` (position id, block number): only what that position's own figures depend on
    (the position page): the position itself and, where a grant notice caps its block's
    personnel funding in one of the years, the other positions of the block (the cap is cut
    from them in proportion). Its cost, funding, own share, bearers and warnings are then the
    same as in the whole plan; the plan's totals are not."""
    recipients = list(recipients)
    years = sorted(set(years))
    first, last = years[0], years[-1]
    recipient_ids = [r.id for r in recipients]
    scenario_id = scenario.id if scenario else None
    grants = _grant_blocks(recipient_ids, first, last)

    first_day, last_day = date(first, 1, 1), date(last, 12, 31)
    # What selects the positions (``_position_scope``), for the statements that use it.
    scope = (recipient_ids, scenario_id, first_day, last_day, None, None)
    if focus is not None:
        position_id, block_number = focus
        capped = any(
            g.block == block_number and g.max_personnel_funding is not None
            for blocks in grants.values()
            for g in blocks
        )
        scope = scope[:4] + (("block", block_number) if capped else ("pk", position_id))
    positions = converted(statement("positions", _positions_query, *scope))

    # Every period of the positions: a year carried forward also needs the known year's.
    occupancies = _grouped(
        (position_id, calc.Period(start, end, fte))
        for position_id, start, end, fte in converted(
            statement("occupancies", _occupancies_query, *scope)
        )
    )

    closed = set(converted(statement("closings", _closings_query, recipient_ids, last)))
    recipient_of = {p[0]: p[1] for p in positions}
    # year -> position id -> the precedence of the figures that count, and those figures or
    # the unconverted row they are made from (keyed by year first and in two dicts: no key
    # pair or value pair made for every row)
    rank_of: dict[int, dict[int, int]] = defaultdict(dict)
    costs: dict[int, dict[int, object]] = defaultdict(dict)
    # year asked for -> position id -> actual figures of an open year (provisional: named,
    # not counted), or their unconverted row; those of other years are never read
    provisional: dict[int, dict[int, object]] = defaultdict(dict)
    asked = set(years)
    # The earlier years' rows too: a year without figures is carried forward from the last
    # year with some (in the same two queries, so the count stays fixed). Most rows lose to a
    # better status or serve no year asked for: they are ranked on their keys, and only the
    # figures of the years asked for and of those carried from are made.
    rows, statements, make_figures = _entered_costs(scope, last)
    # kind -> its precedence in an open year, in a closed one
    ranks_open = {kind: cost_rank(kind, False) for kind in COST_PRECEDENCE}
    ranks_closed = {kind: cost_rank(kind, True) for kind in COST_PRECEDENCE}
    for entered in (rows, statements):
        is_statement = entered is statements
        for row in entered:
            position_id, year = row[0], row[1]
            year_closed = closed and (recipient_of[position_id], year) in closed
            rank = (ranks_closed if year_closed else ranks_open)[row[2]]
            if rank is None:
                if year in asked:
                    provisional[year][position_id] = row[3] if is_statement else row
                continue
            ranked = rank_of[year]
            if ranked.get(position_id, 0) < rank:  # precedences are positive: first best wins
                ranked[position_id] = rank
                costs[year][position_id] = row[3] if is_statement else row
    costs.default_factory = provisional.default_factory = None  # look-ups add no year
    no_rows: dict = {}
    # The figures of the years asked for, made at once (most of them are used); an earlier
    # year's only where a year is carried forward from it (``cost_of``).
    for year in years:
        for entries in (costs.get(year), provisional.get(year)):
            unmade = [
                (position_id, entry)
                for position_id, entry in (entries or no_rows).items()
                if not isinstance(entry, calc.CostFigures)
            ]
            made = make_figures([entry for _position_id, entry in unmade])
            for (position_id, _entry), figures in zip(unmade, made, strict=True):
                entries[position_id] = figures

    def cost_of(position_id: int, year: int) -> calc.CostFigures | None:
        """The figures that count for the position in the year, made once."""
        of_year = costs.get(year, no_rows)
        entry = of_year.get(position_id)
        if entry is None or isinstance(entry, calc.CostFigures):
            return entry
        figures = of_year[position_id] = make_figures([entry])[0]
        return figures

    # The earliest year with figures of any position: a year without figures is carried from
    # the position's last year with some before it, looked for down to that year.
    first_known = min(costs, default=None)
    pay_rises: list[tuple] = []  # loaded once, and only where a year is carried forward

    def carried(position: calc.PositionPlan, year: int) -> calc.CostFigures | None:
        if first_known is None:
            return None
        known_year = year - 1
        while known_year >= first_known and position.id not in costs.get(known_year, no_rows):
            known_year -= 1
        if known_year < first_known:
            return None
        if not pay_rises:
            pay_rises.append(_pay_rises())
        return carrying.carry_forward(
            position,
            occupancies.get(position.id, ()),
            known_year,
            cost_of(position.id, known_year),
            year,
            pay_rises[0],
        )

    cost_table = {
        (grade, year): amount
        for grade, year, amount in converted(
            statement("pay grades", _pay_grades_query, first, last)
        )
    }

    org = _shared_orgs()
    # rows: position id, share, the town's ``ORG_FIELDS``
    served = _grouped(
        (row[0], (org(row[2:]), row[1]))
        for row in converted(statement("towns", _towns_query, *scope))
    )

    recipient_orgs = {
        r.id: calc.Org(r.id, r.slug, r.name, r.kind, r.levy_share) for r in recipients
    }
    # position id -> [(valid_from, valid_to, coverage)]; in a year the latest agreement in
    # force applies (``_coverage``). Scoped by the agreements only: a second IN over the
    # positions makes SQLite probe every (agreement, position) pair; rows of other positions
    # are never used. No payer named: the recipient covers (Leverkusen, seed 000).
    agreements = defaultdict(list)
    coverages: dict[tuple, calc.Coverage] = {}  # one per agreement and recipient
    for (
        position_id,
        valid_from,
        valid_to,
        *terms,
    ) in converted(
        statement("agreements", _agreements_query, scenario_id, recipient_ids, first_day, last_day)
    ):
        if position_id not in recipient_of:
            continue
        key = (recipient_of[position_id], *terms)
        coverage = coverages.get(key)
        if coverage is None:
            policy, percent, flat_per_fte, *payer = terms
            coverage = coverages[key] = calc.Coverage(
                policy=policy,
                payer=org(tuple(payer))
                if payer[0] is not None
                else recipient_orgs[recipient_of[position_id]],
                percent=percent,
                flat_per_fte=flat_per_fte,
            )
        agreements[position_id].append((valid_from, valid_to, coverage))

    split_rows = converted(
        statement("splits", _splits_query, scenario_id, recipient_ids, first_day, last_day)
    )
    members = defaultdict(list)
    for split_id, percent, *member in converted(
        statement("split members", _split_members_query, [s[0] for s in split_rows])
    ):
        members[split_id].append((org(tuple(member)), percent))
    splits = {}
    split_periods = {}
    for split_id, name, method, valid_from, valid_to, *town in split_rows:
        splits[split_id] = calc.Split(
            id=split_id,
            name=name,
            method=method,
            members=tuple(members[split_id]),
            employer_town=org(tuple(town)) if town[0] else None,
        )
        split_periods[split_id] = (valid_from, valid_to)
    position_splits = defaultdict(list)
    for position_id, split_id in converted(
        statement("split positions", _split_positions_query, list(splits))
    ):
        position_splits[position_id].append(split_id)

    blocks = dict(converted(statement("blocks", _blocks_query)))
    rates = _rates(recipient_ids, scenario_id)
    programme_costs = _programme_costs(recipient_ids, years, scenario_id, closed)
    revenue_accounts = defaultdict(dict)
    for rid, category, product, account in converted(
        statement("revenue accounts", _revenue_accounts_query, recipient_ids)
    ):
        revenue_accounts[rid][category] = (product, account)

    plans = {}
    none = ()
    # Each position's employer, made once for all the years (the columns after the position's
    # own are ``ORG_FIELDS``).
    employers = [org(row[len(POSITION_COLUMNS) :]) for row in positions]
    for year in years:
        days = _year_days(year)
        provisional_of_year = provisional.get(year, no_rows)
        # made above for the years asked for: figures or None, as ``cost_of`` gives them
        costs_of_year = costs.get(year, no_rows)
        by_recipient = defaultdict(list)
        for (
            position_id,
            recipient_id,
            title,
            block,
            funding_kind,
            fte,
            department,
            unit_name,
            pay_grade_id,
            pay_grade_code,
            budget_product,
            ledger_account,
            cost_centre,
            start,
            end,
            *_employer,
        ), employer in zip(positions, employers, strict=True):
            if not _in_year(start, end, days):
                continue
            position = calc.PositionPlan(
                id=position_id,
                title=title,
                block=block,
                funding_kind=funding_kind,
                fte=fte,
                employer=employer,
                start=start,
                end=end,
                # Where the position sits: its organisational unit, else the free text
                # (staffing.models.Position.unit_label).
                department=unit_name or department,
                pay_grade=pay_grade_code or "",
                budget_product=budget_product,
                ledger_account=ledger_account,
                cost_centre=cost_centre,
                occupancies=_within(occupancies.get(position_id, none), days),
                cost=costs_of_year.get(position_id),
                cost_table_per_fte=cost_table.get((pay_grade_id, year)),
                served_towns=served.get(position_id, none),
                coverage=_coverage(found, days) if (found := agreements.get(position_id)) else None,
                split=_split(found, splits, split_periods, days)
                if (found := position_splits.get(position_id))
                else None,
                provisional_actual=provisional_of_year.get(position_id),
            )
            if position.cost is None and (figures := carried(position, year)) is not None:
                position = replace(position, cost=figures)
            by_recipient[recipient_id].append(position)
        for r in recipients:
            plans[(r.id, year)] = calc.YearPlan(
                recipient=recipient_orgs[r.id],
                year=year,
                positions=tuple(by_recipient[r.id]),
                programme_costs=tuple(programme_costs.get((r.id, year), ())),
                rates=rates.get(r.id, rates[None]),
                grant_blocks=grants.get((r.id, year)),
                revenue_accounts=revenue_accounts[r.id],
                block_names=blocks,
                scenario=scenario.slug if scenario else None,
            )
    return plans


def _grouped(pairs: Iterable[tuple]) -> dict:
    """(key, value) pairs as key -> the tuple of its values, in their order. One tuple per key,
    made once, that the plans of every year share (not a list each, copied for each plan)."""
    lists = defaultdict(list)
    for key, value in pairs:
        lists[key].append(value)
    return {key: tuple(values) for key, values in lists.items()}


def _within(periods: tuple[calc.Period, ...], days) -> tuple[calc.Period, ...]:
    """The periods that touch the year of ``days`` (``_year_days``); all of them (the common
    case): the same tuple."""
    if len(periods) == 1:  # the common case, without a list
        only = periods[0]
        return periods if _in_year(only.start, only.end, days) else ()
    touching = [o for o in periods if o.start <= days[1] and (o.end is None or o.end >= days[0])]
    return periods if len(touching) == len(periods) else tuple(touching)


def _coverage(agreements, days) -> calc.Coverage | None:
    """The forwarding agreement in force in the year of ``days`` (the latest one, where they
    follow each other within the year); ``agreements``: (valid from, valid to, coverage)."""
    if len(agreements) == 1:  # the common case: one agreement, in force or not
        valid_from, valid_to, coverage = agreements[0]
        return coverage if _in_year(valid_from, valid_to, days) else None
    in_force = [a for a in agreements if _in_year(a[0], a[1], days)]
    if not in_force:
        return None
    return max(in_force, key=lambda a: a[0])[2]


def _split(split_ids, splits, periods, days) -> calc.Split | None:
    """The cost split in force in the year of ``days`` (the latest one, where they follow
    each other)."""
    in_force = [i for i in split_ids if _in_year(*periods[i], days)]
    if not in_force:
        return None
    return splits[max(in_force, key=lambda i: (periods[i][0], i))]


def _rates(recipient_ids, scenario_id) -> dict[int | None, tuple[calc.Rate, ...]]:
    """Programme-wide rates, plus each recipient's own and the scenario's (more specific)."""
    common, own = [], defaultdict(list)
    for kind, number, amount, valid_from, capped, rid, sid in converted(
        statement("rates", _rates_query, recipient_ids, scenario_id)
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


def _notice_versions(recipient_ids, first, last) -> dict[int, list[calc.NoticeVersion]]:
    """Per recipient, the versions of its grant notices whose period touches the years
    first..last, with the blocks each lists (one query)."""
    rows = converted(
        statement("notices", _notices_query, recipient_ids, date(first, 1, 1), date(last, 12, 31))
    )
    heads: dict[int, tuple] = {}
    blocks = defaultdict(list)
    for rid, notice_id, amends, issued_on, effective, start, end, number, fte, cap in rows:
        blocks[notice_id].append(calc.GrantBlock(number, fte, cap))
        heads[notice_id] = (rid, amends, issued_on, effective or start, start, end)
    versions = defaultdict(list)
    for notice_id, (rid, amends, issued_on, effective, start, end) in heads.items():
        versions[rid].append(
            calc.NoticeVersion(
                notice_id, amends, issued_on, effective, start, end, tuple(blocks[notice_id])
            )
        )
    return versions


def _grant_blocks(recipient_ids, first, last) -> dict[tuple[int, int], tuple[calc.GrantBlock, ...]]:
    """Per recipient and year, the blocks of the notice version in force that year
    (``rules.notice_in_force``: the latest notice, amended by what its amendments change)."""
    result = {}
    for rid, versions in _notice_versions(recipient_ids, first, last).items():
        for year in range(first, last + 1):
            in_force = rules.notice_in_force(versions, date(year, 1, 1), date(year, 12, 31))
            if in_force is not None:
                result[(rid, year)] = in_force.blocks
    return result


def notice_in_force(recipient: Organisation, on: date | int) -> rules.NoticeInForce | None:
    """The grant notice version in force for ``recipient`` on a day, or in a year (an int),
    as the engine uses it (one query)."""
    first, last = (date(on, 1, 1), date(on, 12, 31)) if isinstance(on, int) else (on, on)
    versions = _notice_versions([recipient.id], first.year, last.year).get(recipient.id, [])
    return rules.notice_in_force(versions, first, last)


def _pay_rises() -> tuple[carrying.PayRise, ...]:
    """The programme's pay rises (``funding.PayRise``), oldest first (one query)."""
    return tuple(
        carrying.PayRise(effective_from, percent)
        for effective_from, percent in converted(
            PayRise.objects.order_by("effective_from").values_list("effective_from", "percent")
        )
    )


def _programme_costs(recipient_ids, years, scenario_id, closed):
    """Programme costs per (recipient, year asked for); per block and category the best
    status counts (the same ``cost_rank`` as positions: actual figures in closed years only).
    A year without any takes the last earlier year's, marked as carried forward (seed 001
    counts the events budget of 49,000 every year; material costs carry without pay rises).

    The rows of every year up to the last are ranked (a year is carried from the last one
    with costs), but items are made only for the years asked for: in the state's overview of
    one year, some 80 of 471 rows."""
    last = max(years)
    # (rid, year, block, category) -> (precedence, the rows with it)
    best: dict[tuple[int, int, int, str], tuple[int, list]] = {}
    for row in converted(
        statement("programme costs", _programme_costs_query, recipient_ids, last, scenario_id)
    ):
        rid, year, block, category, status = row[:5]
        key = (rid, year, block, category)
        rank = cost_rank(status, (rid, year) in closed)
        if rank is None:
            continue
        if key not in best or best[key][0] < rank:
            best[key] = (rank, [])
        if best[key][0] == rank:
            best[key][1].append(row)
    rows_of = defaultdict(list)
    for (rid, year, _block, _category), (_rank, rows) in best.items():
        rows_of[(rid, year)].extend(rows)

    def items(rows, carried: bool) -> list[calc.ProgrammeCostItem]:
        return [
            calc.ProgrammeCostItem(
                block=block,
                category=category,
                amount=amount,
                source=CostSource.CARRIED if carried else status,
                budget_product=product,
                ledger_account=account,
                description=description,
            )
            for _rid, _year, block, category, status, amount, product, account, description in rows
        ]

    known_years = defaultdict(list)
    for rid, year in sorted(rows_of):
        known_years[rid].append(year)
    result = {}
    for rid, known in known_years.items():
        for year in years:
            if (rid, year) in rows_of:
                result[(rid, year)] = items(rows_of[(rid, year)], carried=False)
                continue
            index = bisect_left(known, year)
            if index == 0:
                continue
            result[(rid, year)] = items(rows_of[(rid, known[index - 1])], carried=True)
    return result

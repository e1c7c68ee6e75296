"""Reads around carriers' cost statements: what a forecast means for the recipient, what the
reviewer should look at, how two versions differ, forecast against actual, and who waits for
what. Every figure comes from the cost engine (``funding.calculations``) run over the
recipient's year with the statement's figures in place of the stored ones, so a page, the API
and a report show the same numbers.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import OPEN_FORECAST_STATES, ForecastKind, ForecastState
from carriers.forecasts.services import carrier_positions
from carriers.models import CarrierPayment, CostForecast, ForecastLine
from funding import calculations as calc
from funding.choices import CostStatus
from funding.selectors import year_plan
from kim_admin.filters import overlaps_year
from kim_admin.formatting import de_money, de_number
from kim_admin.roles import Role

ZERO = Decimal(0)
# A month count differing this much from the occupancy is worth a look.
MONTHS_TOLERANCE = Decimal("0.5")
# Employer gross this far from the pay-grade cost table (share) is worth a look.
COST_TABLE_TOLERANCE = Decimal("0.15")


@dataclass(frozen=True)
class LineEffect:
    """One position under a statement: its cost, the state's funding, and who carries the rest."""

    position_id: int
    title: str
    total_cost: Decimal
    funding: Decimal
    own_share: Decimal
    carrier_carries: Decimal
    recipient_carries: Decimal


@dataclass(frozen=True)
class ForecastEffect:
    lines: tuple[LineEffect, ...]
    total_cost: Decimal
    funding: Decimal
    own_share: Decimal
    carrier_carries: Decimal
    recipient_carries: Decimal
    # The recipient's own share of its whole year with this statement in force.
    recipient_year_own_share: Decimal


def _lines(forecast: CostForecast) -> list[ForecastLine]:
    if (
        hasattr(forecast, "_prefetched_objects_cache")
        and "lines" in forecast._prefetched_objects_cache
    ):
        return list(forecast.lines.all())
    return list(forecast.lines.select_related("position__block").all())


def plan_with_statement(forecast: CostForecast, lines=None) -> calc.YearPlan:
    """The recipient's year with the statement's figures for its positions."""
    lines = _lines(forecast) if lines is None else lines
    plan = year_plan(forecast.recipient, forecast.year)
    figures = {
        line.position_id: calc.CostFigures(
            employer_gross=line.employer_gross,
            material=line.material,
            overhead_amount=line.overhead,
            source=CostStatus.ACTUAL
            if forecast.kind == ForecastKind.ACTUAL
            else CostStatus.FORECAST,
            source_detail=forecast.label,
        )
        for line in lines
    }
    positions = tuple(
        dataclasses.replace(p, cost=figures[p.id]) if p.id in figures else p for p in plan.positions
    )
    return dataclasses.replace(plan, positions=positions)


def statement_overview(forecast: CostForecast, lines=None) -> calc.YearOverview:
    """The recipient's year computed with the statement's figures in place."""
    lines = _lines(forecast) if lines is None else lines
    return calc.compute_year(plan_with_statement(forecast, lines))


def forecast_effect(forecast: CostForecast, lines=None, overview=None) -> ForecastEffect:
    """What the statement means: per line and in total the cost, the state's funding and the
    own share, and how much of it the carrier and the recipient carry under the coverage
    policy in force (Leverkusen: the city carries all of it). ``overview``: the
    ``statement_overview`` if the caller has it already."""
    lines = _lines(forecast) if lines is None else lines
    overview = overview or statement_overview(forecast, lines)
    wanted = {line.position_id for line in lines}
    carrier_slug = forecast.carrier.slug
    effects = []
    for result in overview.positions:
        if result.position.id not in wanted:
            continue
        carrier_part = sum(
            (amount for slug, amount in result.bearer_parts if slug == carrier_slug), ZERO
        )
        own = result.amounts.own_share
        effects.append(
            LineEffect(
                position_id=result.position.id,
                title=result.position.title,
                total_cost=result.amounts.total_cost,
                funding=result.amounts.funding,
                own_share=own,
                carrier_carries=carrier_part,
                recipient_carries=own - carrier_part,
            )
        )
    return ForecastEffect(
        lines=tuple(effects),
        total_cost=sum((e.total_cost for e in effects), ZERO),
        funding=sum((e.funding for e in effects), ZERO),
        own_share=sum((e.own_share for e in effects), ZERO),
        carrier_carries=sum((e.carrier_carries for e in effects), ZERO),
        recipient_carries=sum((e.recipient_carries for e in effects), ZERO),
        recipient_year_own_share=overview.totals.own_share,
    )


@dataclass(frozen=True)
class Finding:
    """Something the reviewer should look at before confirming the content."""

    position_id: int | None
    text: str


def forecast_findings(forecast: CostForecast, lines=None, overview=None) -> list[Finding]:
    """The content check's hints: positions missing, months that do not match the recorded
    occupancy, employer gross far from the pay grade's cost table, costs for an empty post.
    Occupancy and the cost table do not depend on the cost figures, so the
    ``statement_overview`` serves as well as the plan's."""
    lines = _lines(forecast) if lines is None else lines
    overview = overview or statement_overview(forecast, lines)
    results = {r.position.id: r for r in overview.positions}
    plans = {r.position.id: r.position for r in overview.positions}
    findings = []
    held = list(carrier_positions(forecast.recipient, forecast.carrier, forecast.year))
    in_forecast = {line.position_id for line in lines}
    for position in held:
        if position.pk not in in_forecast:
            findings.append(
                Finding(position.pk, _("„%(title)s“ fehlt in der Prognose.") % {"title": position})
            )
    for line in lines:
        result, position_plan = results.get(line.position_id), plans.get(line.position_id)
        title = line.position.title
        if result is not None:
            recorded = result.filled_months.quantize(Decimal("0.01"))
            if abs(recorded - line.months_filled) > MONTHS_TOLERANCE:
                findings.append(
                    Finding(
                        line.position_id,
                        _("„%(title)s“: %(months)s Monate gemeldet, laut Besetzung %(recorded)s.")
                        % {
                            "title": title,
                            "months": de_number(line.months_filled),
                            "recorded": de_number(recorded),
                        },
                    )
                )
        if line.months_filled == 0 and line.employer_gross > 0:
            findings.append(
                Finding(
                    line.position_id,
                    _("„%(title)s“: Personalkosten ohne besetzten Monat.") % {"title": title},
                )
            )
        if position_plan is not None and position_plan.cost_table_per_fte and line.months_filled:
            expected = (
                position_plan.cost_table_per_fte * position_plan.fte * line.months_filled / 12
            )
            if expected and abs(line.employer_gross - expected) > expected * COST_TABLE_TOLERANCE:
                findings.append(
                    Finding(
                        line.position_id,
                        _(
                            "„%(title)s“: Arbeitgeberbrutto %(gross)s weicht mehr als 15 %% von "
                            "der Personalkostentabelle für %(grade)s ab (%(expected)s)."
                        )
                        % {
                            "title": title,
                            "gross": de_money(line.employer_gross),
                            "grade": position_plan.pay_grade or "–",
                            "expected": de_money(expected.quantize(Decimal("0.01"))),
                        },
                    )
                )
    return findings


# --- Comparing two versions ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompareLine:
    position_id: int
    title: str
    old: ForecastLine | None
    new: ForecastLine | None
    old_total: Decimal
    new_total: Decimal
    old_recipient: Decimal
    new_recipient: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total

    @property
    def recipient_difference(self) -> Decimal:
        return self.new_recipient - self.old_recipient

    @property
    def changed(self) -> bool:
        return (
            self.difference != 0
            or self.recipient_difference != 0
            or (self.old is None) != (self.new is None)
        )


@dataclass(frozen=True)
class Comparison:
    old: CostForecast
    new: CostForecast
    lines: tuple[CompareLine, ...]
    old_effect: ForecastEffect
    new_effect: ForecastEffect

    @property
    def difference(self) -> Decimal:
        return self.new_effect.total_cost - self.old_effect.total_cost

    @property
    def recipient_difference(self) -> Decimal:
        """How much more (positive) or less the recipient carries under the newer version."""
        return self.new_effect.recipient_carries - self.old_effect.recipient_carries

    @property
    def saving(self) -> Decimal:
        """What the newer version saves the recipient (positive: it carries less)."""
        return self.old_effect.recipient_carries - self.new_effect.recipient_carries


def forecast_compare(old: CostForecast, new: CostForecast) -> Comparison:
    """Two versions line by line and in total, with what the change saves the recipient."""
    old_lines, new_lines = _lines(old), _lines(new)
    old_effect, new_effect = forecast_effect(old, old_lines), forecast_effect(new, new_lines)
    old_by = {line.position_id: line for line in old_lines}
    new_by = {line.position_id: line for line in new_lines}
    old_eff = {e.position_id: e for e in old_effect.lines}
    new_eff = {e.position_id: e for e in new_effect.lines}
    ids = list(dict.fromkeys([*old_by, *new_by]))
    rows = []
    for pid in ids:
        o, n = old_by.get(pid), new_by.get(pid)
        rows.append(
            CompareLine(
                position_id=pid,
                title=(n or o).position.title,
                old=o,
                new=n,
                old_total=o.total if o else ZERO,
                new_total=n.total if n else ZERO,
                old_recipient=old_eff[pid].recipient_carries if pid in old_eff else ZERO,
                new_recipient=new_eff[pid].recipient_carries if pid in new_eff else ZERO,
            )
        )
    return Comparison(old, new, tuple(rows), old_effect, new_effect)


# --- Forecast against actual ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActualLine:
    position_id: int | None
    title: str
    forecast: Decimal
    actual: Decimal | None
    paid: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.forecast


@dataclass(frozen=True)
class CarrierActuals:
    """A carrier's year: the approved forecast against the approved actual statement per
    position, and what the recipient forecast to carry against what it paid."""

    carrier_id: int
    carrier_name: str
    forecast: CostForecast | None
    actual: CostForecast | None
    lines: tuple[ActualLine, ...]
    forecast_total: Decimal
    actual_total: Decimal | None
    recipient_forecast: Decimal
    paid_total: Decimal

    @property
    def actual_difference(self) -> Decimal | None:
        return None if self.actual_total is None else self.actual_total - self.forecast_total

    @property
    def paid_difference(self) -> Decimal:
        return self.paid_total - self.recipient_forecast


def approved_statement(recipient, carrier, year, kind) -> CostForecast | None:
    return (
        CostForecast.objects.filter(
            recipient=recipient, carrier=carrier, year=year, kind=kind, state=ForecastState.APPROVED
        )
        .select_related("carrier", "recipient")
        .first()
    )


def carrier_actuals(recipient, carrier, year: int) -> CarrierActuals:
    forecast = approved_statement(recipient, carrier, year, ForecastKind.FORECAST)
    actual = approved_statement(recipient, carrier, year, ForecastKind.ACTUAL)
    f_lines = {line.position_id: line for line in (_lines(forecast) if forecast else [])}
    a_lines = {line.position_id: line for line in (_lines(actual) if actual else [])}
    paid = defaultdict(Decimal)
    for position_id, amount in CarrierPayment.objects.filter(
        recipient=recipient, carrier=carrier, year=year
    ).values_list("position_id", "amount"):
        paid[position_id] += amount
    titles = {p.pk: p.title for p in carrier_positions(recipient, carrier, year)}
    for line in (*f_lines.values(), *a_lines.values()):
        titles.setdefault(line.position_id, line.position.title)
    # A payment may concern a position that no longer runs in the year (a late final payment).
    missing = [pid for pid in paid if pid is not None and pid not in titles]
    if missing:
        from staffing.models import Position

        titles.update(Position.objects.filter(pk__in=missing).values_list("pk", "title"))
    rows = [
        ActualLine(
            position_id=pid,
            title=title,
            forecast=f_lines[pid].total if pid in f_lines else ZERO,
            actual=a_lines[pid].total if pid in a_lines else None,
            paid=paid.get(pid, ZERO),
        )
        for pid, title in titles.items()
    ]
    if paid.get(None):
        rows.append(ActualLine(None, _("Ohne Stellenbezug"), ZERO, None, paid[None]))
    recipient_forecast = forecast_effect(forecast).recipient_carries if forecast else ZERO
    return CarrierActuals(
        carrier_id=carrier.pk,
        carrier_name=carrier.name,
        forecast=forecast,
        actual=actual,
        lines=tuple(rows),
        forecast_total=sum((line.total for line in f_lines.values()), ZERO),
        actual_total=sum((line.total for line in a_lines.values()), ZERO) if actual else None,
        recipient_forecast=recipient_forecast,
        paid_total=sum(paid.values(), ZERO),
    )


# --- Inbox and due list --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    text: str
    forecast: CostForecast | None = None
    year: int | None = None
    # The recipient of a missing forecast (a forecast's own is ``forecast.recipient_id``).
    recipient_id: int | None = None

    @property
    def duty(self) -> tuple[int, int]:
        """(recipient id, year): which forecast this is, as the deadlines name it."""
        if self.forecast is not None:
            return (self.forecast.recipient_id, self.forecast.year)
        return (self.recipient_id, self.year)


def review_inbox(user):
    """What waits for a reviewer: submitted statements in their scope, oldest first."""
    return (
        CostForecast.objects.restrict(user)
        .filter(state=ForecastState.SUBMITTED)
        .select_related("carrier", "recipient", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def carrier_due(user, today=None) -> list[DueItem]:
    """What a carrier has to do: returned statements, unsent drafts, and a forecast for this
    and next year where it holds positions and has none open or approved."""
    from staffing.models import Position

    if user.role != Role.CARRIER or user.organisation_id is None:
        return []
    today = today or timezone.localdate()
    mine = CostForecast.objects.restrict(user).select_related("recipient", "carrier")
    items = []
    for forecast in mine.filter(state=ForecastState.RETURNED).order_by("year", "pk"):
        items.append(
            DueItem(
                _("%(label)s wurde zurückgegeben: bitte überarbeiten und wieder einreichen.")
                % {"label": forecast.label_with_year},
                forecast,
            )
        )
    for forecast in mine.filter(state=ForecastState.DRAFT).order_by("year", "pk"):
        items.append(
            DueItem(
                _("%(label)s ist noch nicht eingereicht.") % {"label": forecast.label_with_year},
                forecast,
            )
        )
    covered = set(
        mine.filter(
            kind=ForecastKind.FORECAST,
            state__in=(*OPEN_FORECAST_STATES, ForecastState.APPROVED),
        ).values_list("recipient_id", "year")
    )
    for year in (today.year, today.year + 1):
        recipients = (
            Position.objects.filter(employer_id=user.organisation_id, scenario__isnull=True)
            .filter(overlaps_year("planned_start", "end_date", year))
            # The model's ordering would add its columns to DISTINCT: one row per position.
            .order_by("recipient__name", "recipient_id")
            .values_list("recipient_id", "recipient__name")
            .distinct()
        )
        for recipient_id, name in recipients:
            if (recipient_id, year) not in covered:
                items.append(
                    DueItem(
                        _("Kostenprognose %(year)s für %(recipient)s fehlt.")
                        % {"year": year, "recipient": name},
                        year=year,
                        recipient_id=recipient_id,
                    )
                )
    return items


def payments_total(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or ZERO


# --- Waiting work (start pages and the navigation) -----------------------------------------------


@dataclass(frozen=True)
class ReviewCounts:
    """The reviewer's inbox in numbers: submitted statements by the step they wait for, and
    the returned ones the carriers still have to revise."""

    submitted: int = 0
    content_open: int = 0
    arithmetic_open: int = 0
    ready_to_approve: int = 0
    returned: int = 0


def review_counts(user, recipient=None) -> ReviewCounts:
    """One query over the statements in the user's scope (of one recipient if given: an
    administrator's start page shows one recipient)."""
    from django.db.models import Count, Q

    submitted = Q(state=ForecastState.SUBMITTED)
    queryset = CostForecast.objects.restrict(user)
    if recipient is not None:
        queryset = queryset.filter(recipient=recipient)
    row = queryset.order_by().aggregate(
        submitted=Count("pk", filter=submitted),
        content_open=Count("pk", filter=submitted & Q(content_checked_at__isnull=True)),
        arithmetic_open=Count("pk", filter=submitted & Q(arithmetic_checked_at__isnull=True)),
        ready_to_approve=Count(
            "pk",
            filter=submitted
            & Q(content_checked_at__isnull=False, arithmetic_checked_at__isnull=False),
        ),
        returned=Count("pk", filter=Q(state=ForecastState.RETURNED)),
    )
    return ReviewCounts(**row)


def waiting_count(user) -> int | None:
    """The number next to "Prognosen" in the navigation: for a reviewer the submitted
    statements waiting for a check or a decision, for a carrier its returned statements and
    unsent drafts. ``None`` (and no query) for everybody else, administrators included (they
    see every recipient; their start page counts the chosen one's)."""
    if not user.is_authenticated:
        return None
    if user.role == Role.CARRIER:
        if user.organisation_id is None:
            return None
        return (
            CostForecast.objects.restrict(user)
            .filter(state__in=(ForecastState.RETURNED, ForecastState.DRAFT))
            .count()
        )
    if user.role == Role.COORDINATOR and user.has_perm("carriers.review_costforecast"):
        return CostForecast.objects.restrict(user).filter(state=ForecastState.SUBMITTED).count()
    return None


@dataclass(frozen=True)
class CarrierRecipientYear:
    """A carrier's year with one recipient, as the cost engine computes it: the cost of the
    positions it employs, the state funding passed through to it, the cost above the funding
    and how much of that the carrier carries itself; and what the recipient paid it."""

    recipient_id: int
    recipient_name: str
    year: int
    positions: int
    total_cost: Decimal
    funding: Decimal
    own_share: Decimal
    carrier_carries: Decimal
    payments: Decimal


@dataclass(frozen=True)
class CarrierHome:
    year: int
    positions: list
    due: list
    agreements: list
    recipients: tuple[CarrierRecipientYear, ...]


def carrier_home(user, year: int, today=None) -> CarrierHome:
    """Everything a carrier's start page shows: its positions in the real plan, what it has to
    do, its forwarding agreements, and per recipient the year's figures from the cost engine
    (in a fixed number of queries per recipient, never per position)."""
    from carriers.models import ForwardingAgreement
    from funding.overview import cost_overview
    from staffing.models import Position

    carrier = user.organisation
    positions = list(
        Position.objects.restrict(user)
        .filter(scenario__isnull=True, employer_id=carrier.pk)
        .select_related("recipient", "block")
        .order_by("recipient__name", "block__number", "title", "pk")
    )
    agreements = list(
        ForwardingAgreement.objects.restrict(user)
        .filter(scenario__isnull=True, carrier_id=carrier.pk)
        .select_related("recipient")
        .order_by("recipient__name", "-valid_from", "pk")
    )
    paid = defaultdict(Decimal)
    for recipient_id, amount in (
        CarrierPayment.objects.restrict(user)
        .filter(carrier_id=carrier.pk, year=year)
        .values_list("recipient_id", "amount")
    ):
        paid[recipient_id] += amount
    recipients = {p.recipient_id: p.recipient for p in positions}
    rows = []
    for recipient in sorted(recipients.values(), key=lambda r: r.name):
        overview = cost_overview(recipient, year)
        own = [r for r in overview.positions if r.position.employer.slug == carrier.slug]
        amounts = sum((r.amounts for r in own), calc.Amounts())
        carries = sum(
            (s.amount for s in overview.by_bearer if s.organisation.slug == carrier.slug), ZERO
        )
        rows.append(
            CarrierRecipientYear(
                recipient_id=recipient.pk,
                recipient_name=recipient.name,
                year=year,
                positions=len(own),
                total_cost=amounts.total_cost,
                funding=amounts.funding,
                own_share=amounts.own_share,
                carrier_carries=carries,
                payments=paid.get(recipient.pk, ZERO),
            )
        )
    return CarrierHome(
        year=year,
        positions=positions,
        due=carrier_due(user, today),
        agreements=agreements,
        recipients=tuple(rows),
    )

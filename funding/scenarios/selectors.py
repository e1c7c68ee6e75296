"""Reads for comparing a recipient's real plan (the baseline) with up to four scenarios.

Each plan is loaded once over all the years with ``multi_year_plans`` (a fixed number of
queries, whatever the number of positions or years) and computed by the engine; the
comparison holds, per plan, year and in total, the cost, the funding, the own share and what
each bearer carries, with the difference to the baseline. The saving of a scenario is what a
chosen bearer (by default the recipient itself) carries less than in the baseline: seed 000's
scenario 2 leaves the own share as it is but moves part of it from the city to the carriers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from carriers.models import CostSplit, ForwardingAgreement, Organisation
from funding.calculations import ZERO, Org, YearOverview, compute_year
from funding.choices import CostStatus, FundingKind, ScenarioStepKind
from funding.models import FundingRate, ProgrammeCost, Scenario, ScenarioStep
from funding.selectors import multi_year_plans
from kim_admin.formatting import de_date, de_fte, de_money, de_number
from staffing.models import Occupancy, Position, PositionCost, PositionTown

MAX_SCENARIOS = 4


@dataclass(frozen=True)
class Figures:
    """One plan's figures for a year or in total; ``bearers`` by organisation slug."""

    cost: Decimal = ZERO
    funding: Decimal = ZERO
    own_share: Decimal = ZERO
    bearers: dict[str, Decimal] = field(default_factory=dict)

    def __add__(self, other: Figures) -> Figures:
        bearers = defaultdict(Decimal, self.bearers)
        for slug, amount in other.bearers.items():
            bearers[slug] += amount
        return Figures(
            self.cost + other.cost,
            self.funding + other.funding,
            self.own_share + other.own_share,
            dict(bearers),
        )

    def __sub__(self, other: Figures) -> Figures:
        slugs = set(self.bearers) | set(other.bearers)
        return Figures(
            self.cost - other.cost,
            self.funding - other.funding,
            self.own_share - other.own_share,
            {s: self.bearers.get(s, ZERO) - other.bearers.get(s, ZERO) for s in slugs},
        )

    def bearer(self, slug: str) -> Decimal:
        return self.bearers.get(slug, ZERO)


@dataclass(frozen=True)
class PlanComparison:
    """The baseline (``scenario`` None) or one scenario over the years."""

    scenario: Scenario | None
    by_year: dict[int, Figures]
    total: Figures
    # Differences to the baseline (zero for the baseline itself).
    diff_by_year: dict[int, Figures]
    diff_total: Figures
    # What the chosen bearer carries less than in the baseline (positive: a saving).
    saving_by_year: dict[int, Decimal]
    saving_total: Decimal
    warnings: dict[int, tuple[str, ...]]

    @property
    def label(self) -> str:
        return self.scenario.name if self.scenario else _("Echter Plan (Ausgangslage)")

    @property
    def key(self) -> str:
        return self.scenario.slug if self.scenario else "baseline"


@dataclass(frozen=True)
class Comparison:
    recipient: Organisation
    years: tuple[int, ...]
    bearer: Org
    # All bearers of any plan, by name.
    bearer_orgs: tuple[Org, ...]
    baseline: PlanComparison
    scenarios: tuple[PlanComparison, ...]

    @property
    def plans(self) -> tuple[PlanComparison, ...]:
        return (self.baseline, *self.scenarios)

    @property
    def ranking(self) -> tuple[PlanComparison, ...]:
        """Scenarios by saving over all years, largest first."""
        return tuple(sorted(self.scenarios, key=lambda p: -p.saving_total))


# History reasons of the rows the scenario services write (funding.scenarios.services): the
# steps, the copy and the rebase. A row of a scenario changed under any other reason (or none)
# was edited by hand.
STEP_REASON = "Szenario-Schritt %(order)s: %(kind)s"
REBASE_REASON = "Szenario neu aufgesetzt"
SERVICE_REASON_PREFIXES = ("Szenario-Schritt", "Kopie für Szenario", REBASE_REASON)
# How many changes a list shows at most (the newest).
CHANGES_SHOWN = 500


@dataclass(frozen=True)
class HandEdit:
    """One audit-history record of a plan or scenario row: which row, what, when, by whom."""

    model: str
    row: str
    action: str
    at: datetime
    by: str


def _plan_change_querysets(scenario: Scenario) -> list:
    """The history records of the recipient's real plan since ``scenario`` was copied from
    it: positions, occupancies, yearly costs, programme costs, forwarding agreements and cost
    splits."""
    since = scenario.plan_state_at
    recipient = scenario.recipient_id
    plan_positions = Position.objects.filter(recipient_id=recipient, scenario=None).values("pk")
    own = {"recipient_id": recipient, "scenario_id": None, "history_date__gt": since}
    of_positions = {"position_id__in": plan_positions, "history_date__gt": since}
    return [
        Position.history.filter(**own),
        Occupancy.history.filter(**of_positions),
        PositionCost.history.filter(**of_positions),
        ProgrammeCost.history.filter(**own),
        ForwardingAgreement.history.filter(**own),
        CostSplit.history.filter(**own),
    ]


def plan_changes_since_copy(scenario: Scenario) -> int:
    """How many changes the real plan has had since ``scenario`` was copied from it (or last
    rebased): the audit history's records of the recipient's plan rows after the copy (issue
    14: "Plan seit der Kopie geändert: 3 Änderungen"; six count queries)."""
    return sum(queryset.count() for queryset in _plan_change_querysets(scenario))


def plan_changes_list(scenario: Scenario) -> list[HandEdit]:
    """The plan's changes since the copy, newest first (at most ``CHANGES_SHOWN``): which row,
    what, when and by whom (seven queries, whatever the number of changes)."""
    return _history_list(_plan_change_querysets(scenario))


def _scenario_row_querysets(scenario: Scenario) -> list:
    since = scenario.plan_state_at
    positions = Position.history.filter(scenario_id=scenario.pk).values("id")
    own = {"scenario_id": scenario.pk, "history_date__gt": since}
    of_positions = {"position_id__in": positions, "history_date__gt": since}
    querysets = [
        Position.history.filter(**own),
        Occupancy.history.filter(**of_positions),
        PositionCost.history.filter(**of_positions),
        PositionTown.history.filter(**of_positions),
        ProgrammeCost.history.filter(**own),
        ForwardingAgreement.history.filter(**own),
        CostSplit.history.filter(**own),
        FundingRate.history.filter(**own),
    ]
    by_hand = []
    for queryset in querysets:
        for prefix in SERVICE_REASON_PREFIXES:
            queryset = queryset.exclude(history_change_reason__startswith=prefix)
        by_hand.append(queryset)
    return by_hand


def scenario_hand_edits(scenario: Scenario) -> list[HandEdit]:
    """The scenario's rows changed by hand (in the browser or the API, not by a quick change)
    since its copy, newest first: they are no steps, so a rebase does not replay them
    ("von Hand geändert, wird nicht wiederholt"). Nine queries."""
    return _history_list(_scenario_row_querysets(scenario))


def scenario_steps(scenario: Scenario) -> list[tuple[ScenarioStep, str]]:
    """The scenario's recorded quick changes in order, each with its description (one query)."""
    return [
        (step, describe_step(step))
        for step in scenario.steps.select_related("created_by").order_by("order")
    ]


def _de_percent(value: Decimal) -> str:
    """30.0000 -> '30', 12.5 -> '12,5'."""
    value = value.normalize()
    return de_number(value, max(0, -value.as_tuple().exponent))


def describe_step(step: ScenarioStep) -> str:
    """A step in words, from its parameters alone."""
    p = step.parameters
    kind = step.kind
    if kind == ScenarioStepKind.MOVE_TO_RECIPIENT:
        if p["positions"] is not None:
            return _("Stellen zur Stadt: %(titles)s") % {
                "titles": ", ".join(f"„{ref['title']}“" for ref in p["positions"])
            }
        if p["carrier"] is not None:
            return _("Stellen von %(carrier)s zur Stadt") % {"carrier": p.get("carrier_name")}
        return _("Alle Stellen der Trägerinnen zur Stadt")
    if kind == ScenarioStepKind.CUT_BLOCK:
        text = _("Baustein %(block)s ab %(date)s auf %(n)s Stellen gekürzt") % {
            "block": p["block"],
            "date": de_date(date.fromisoformat(p["effective"])),
            "n": p["n_positions"],
        }
        if p["keep"] is not None:
            text += _(" (behalten: %(titles)s)") % {
                "titles": ", ".join(f"„{ref['title']}“" for ref in p["keep"])
            }
        return text
    if kind == ScenarioStepKind.LOWER_EXTRA_COST:
        if p["percent"] is not None:
            return _("%(carrier)s: Übernahme der Mehrkosten um %(percent)s %% gesenkt") % {
                "carrier": p.get("carrier_name"),
                "percent": _de_percent(Decimal(p["percent"])),
            }
        return _("%(carrier)s: Übernahme höchstens %(amount)s je VZ und Jahr") % {
            "carrier": p.get("carrier_name"),
            "amount": de_money(Decimal(p["amount"])),
        }
    if kind == ScenarioStepKind.TOWN_EMPLOYS_OWN:
        return _("„%(title)s“ bei %(town)s angestellt") % {
            "title": p["position"]["title"],
            "town": p.get("town_name"),
        }
    return _("Fördersatz „%(kind)s“ ab %(date)s: %(amount)s") % {
        "kind": FundingKind(p["kind"]).label,
        "date": de_date(date.fromisoformat(p["valid_from"])),
        "amount": de_money(Decimal(p["amount"])),
    }


ACTIONS = {"+": _("angelegt"), "~": _("geändert"), "-": _("gelöscht")}


def _history_list(querysets) -> list[HandEdit]:
    records = []
    for queryset in querysets:
        records += list(
            queryset.select_related("history_user").order_by("-history_date", "-history_id")[
                :CHANGES_SHOWN
            ]
        )
    records.sort(key=lambda r: r.history_date, reverse=True)
    records = records[:CHANGES_SHOWN]
    position_ids = {r.position_id for r in records if hasattr(r, "position_id")}
    titles = {}
    if position_ids:
        for pk, title in (
            Position.history.filter(id__in=position_ids)
            .order_by("history_date", "history_id")
            .values_list("id", "title")
        ):
            titles[pk] = title
    return [
        HandEdit(
            model=str(r.instance_type._meta.verbose_name),
            row=_describe(r, titles),
            action=str(ACTIONS.get(r.history_type, r.history_type)),
            at=r.history_date,
            by=(r.history_user.get_full_name() or r.history_user.username)
            if r.history_user
            else _("System"),
        )
        for r in records
    ]


def _describe(record, titles: dict[int, str]) -> str:
    """The row of a history record in words, from the record alone (no query)."""
    model = record.instance_type
    if hasattr(record, "position_id") and model is not Position:
        title = titles.get(record.position_id, f"#{record.position_id}")
        if model is Occupancy:
            return _("„%(title)s“: %(start)s – %(end)s, %(fte)s VZ") % {
                "title": title,
                "start": de_date(record.start),
                "end": de_date(record.end) if record.end else _("offen"),
                "fte": de_fte(record.fte),
            }
        if model is PositionCost:
            return _("„%(title)s“ %(year)s (%(status)s): %(gross)s Arbeitgeberbrutto") % {
                "title": title,
                "year": record.year,
                "status": CostStatus(record.status).label,
                "gross": de_money(record.employer_gross),
            }
        return _("„%(title)s“") % {"title": title}
    if model is Position:
        return _("„%(title)s“") % {"title": record.title}
    if model is ProgrammeCost:
        return _("%(year)s: %(amount)s") % {"year": record.year, "amount": de_money(record.amount)}
    if model is ForwardingAgreement:
        return record.reference or f"#{record.id}"
    if model is CostSplit:
        return _("„%(name)s“") % {"name": record.name}
    if model is FundingRate:
        return _("%(kind)s ab %(date)s: %(amount)s") % {
            "kind": FundingKind(record.kind).label,
            "date": de_date(record.valid_from),
            "amount": de_money(record.amount),
        }
    return f"#{record.id}"


def stale_scenarios(scenarios) -> list[tuple[Scenario, int]]:
    """The scenarios whose plan changed since the copy, with the number of changes
    (:func:`plan_changes_since_copy`), for the comparison and its report."""
    counted = [(scenario, plan_changes_since_copy(scenario)) for scenario in scenarios]
    return [(scenario, n) for scenario, n in counted if n]


def stale_notes(scenarios) -> list[str]:
    """ "„Szenario 1“: Plan seit der Kopie geändert: 3 Änderungen." for each stale one."""
    return [
        _("„%(name)s“: Plan seit der Kopie geändert: %(n)s Änderung(en).")
        % {"name": scenario.name, "n": n}
        for scenario, n in stale_scenarios(scenarios)
    ]


def figures_of(overview: YearOverview) -> Figures:
    totals = overview.totals
    return Figures(
        cost=totals.total_cost,
        funding=totals.funding,
        own_share=totals.own_share,
        bearers={s.organisation.slug: s.amount for s in overview.by_bearer},
    )


def _plan_overviews(recipient, years, scenario) -> dict[int, YearOverview]:
    plans = multi_year_plans([recipient], years, scenario=scenario)
    return {year: compute_year(plans[(recipient.id, year)]) for year in years}


def compare(
    recipient: Organisation,
    scenarios: Sequence[Scenario],
    years: Sequence[int],
    bearer: Organisation | None = None,
) -> Comparison:
    """The baseline and up to four scenarios of ``recipient`` over ``years``; the saving is
    measured for ``bearer`` (default: the recipient). Raises a German ValidationError for more
    than four scenarios, a scenario of another recipient or no years."""
    scenarios = list(scenarios)
    years = sorted(set(years))
    if not years:
        raise ValidationError(_("Bitte mindestens ein Jahr wählen."))
    if len(scenarios) > MAX_SCENARIOS:
        raise ValidationError(
            _("Bitte höchstens %(n)s Szenarien vergleichen (gewählt: %(count)s).")
            % {"n": MAX_SCENARIOS, "count": len(scenarios)}
        )
    if len({s.pk for s in scenarios}) != len(scenarios):
        raise ValidationError(_("Jedes Szenario bitte nur einmal wählen."))
    foreign = [s for s in scenarios if s.recipient_id != recipient.pk]
    if foreign:
        raise ValidationError(
            _("Das Szenario „%(name)s“ gehört nicht zu %(recipient)s.")
            % {"name": foreign[0].name, "recipient": recipient.name}
        )
    bearer = bearer or recipient
    orgs: dict[str, Org] = {}
    computed = []
    for scenario in [None, *scenarios]:
        overviews = _plan_overviews(recipient, years, scenario)
        for overview in overviews.values():
            for share in overview.by_bearer:
                orgs[share.organisation.slug] = share.organisation
        computed.append((scenario, overviews))

    base_by_year = {y: figures_of(o) for y, o in computed[0][1].items()}
    base_total = sum(base_by_year.values(), Figures())
    plans = []
    for scenario, overviews in computed:
        by_year = {y: figures_of(o) for y, o in overviews.items()}
        total = sum(by_year.values(), Figures())
        diff_by_year = {y: by_year[y] - base_by_year[y] for y in years}
        plans.append(
            PlanComparison(
                scenario=scenario,
                by_year=by_year,
                total=total,
                diff_by_year=diff_by_year,
                diff_total=total - base_total,
                saving_by_year={y: -diff_by_year[y].bearer(bearer.slug) for y in years},
                saving_total=-(total - base_total).bearer(bearer.slug),
                warnings={y: tuple(w.message for w in o.warnings) for y, o in overviews.items()},
            )
        )
    bearer_org = orgs.get(bearer.slug) or Org(
        bearer.id, bearer.slug, bearer.name, bearer.kind, bearer.levy_share
    )
    return Comparison(
        recipient=recipient,
        years=tuple(years),
        bearer=bearer_org,
        bearer_orgs=tuple(sorted(orgs.values(), key=lambda o: o.name)),
        baseline=plans[0],
        scenarios=tuple(plans[1:]),
    )


def comparison_sections(result: Comparison) -> list[dict]:
    """The comparison as the page and the report show it: one table per year and the total; rows cost, funding, own share, then
    each bearer; per plan the value and the difference to the baseline."""
    periods = [(str(y), y) for y in result.years] + [(_("Gesamt"), None)]
    sections = []
    for label, year in periods:

        def pick(plan, year=year):
            figures = plan.by_year[year] if year is not None else plan.total
            diff = plan.diff_by_year[year] if year is not None else plan.diff_total
            return figures, diff

        rows = []
        for key, row_label in (
            ("cost", _("Kosten")),
            ("funding", _("Landesförderung")),
            ("own_share", _("Mehrkosten (Eigenanteil)")),
        ):
            rows.append(
                {
                    "label": row_label,
                    "strong": key == "own_share",
                    "cells": [
                        (getattr(pick(p)[0], key), getattr(pick(p)[1], key), p.scenario is None)
                        for p in result.plans
                    ],
                }
            )
        for org in result.bearer_orgs:
            rows.append(
                {
                    "label": _("davon %(name)s") % {"name": org.name},
                    "bearer": True,
                    "chosen": org.slug == result.bearer.slug,
                    "cells": [
                        (
                            pick(p)[0].bearer(org.slug),
                            pick(p)[1].bearer(org.slug),
                            p.scenario is None,
                        )
                        for p in result.plans
                    ],
                }
            )
        savings = [
            (p.saving_by_year[year] if year is not None else p.saving_total) for p in result.plans
        ]
        sections.append({"label": label, "year": year, "rows": rows, "savings": savings})
    return sections

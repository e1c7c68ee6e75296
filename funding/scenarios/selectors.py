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
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from carriers.models import CostSplit, ForwardingAgreement, Organisation
from funding.calculations import ZERO, Org, YearOverview, compute_year
from funding.models import ProgrammeCost, Scenario
from funding.selectors import multi_year_plans
from staffing.models import Occupancy, Position, PositionCost

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


def plan_changes_since_copy(scenario: Scenario) -> int:
    """How many changes the real plan has had since ``scenario`` was copied from it: the
    audit history's records of the recipient's plan rows (positions, occupancies, yearly
    costs, programme costs, forwarding agreements, cost splits) after the copy (issue 14:
    "Plan seit der Kopie geändert: 3 Änderungen"; six count queries)."""
    since = scenario.created_at
    recipient = scenario.recipient_id
    plan_positions = Position.objects.filter(recipient_id=recipient, scenario=None).values("pk")
    own = {"recipient_id": recipient, "scenario_id": None, "history_date__gt": since}
    of_positions = {"position_id__in": plan_positions, "history_date__gt": since}
    return (
        Position.history.filter(**own).count()
        + Occupancy.history.filter(**of_positions).count()
        + PositionCost.history.filter(**of_positions).count()
        + ProgrammeCost.history.filter(**own).count()
        + ForwardingAgreement.history.filter(**own).count()
        + CostSplit.history.filter(**own).count()
    )


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

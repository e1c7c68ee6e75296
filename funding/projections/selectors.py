"""Reads of projections: the assumptions as the pure rules take them, and the projected years
against the plan as it stands, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from funding.calculations import Org, Rate, YearOverview, compute_year
from funding.models import Projection
from funding.projections.rules import Assumptions, PayRise, PositionChange, project
from funding.scenarios.selectors import Figures, figures_of
from funding.selectors import multi_year_plans


def assumptions_of(projection: Projection) -> Assumptions:
    """The projection's rows as the rules take them (three queries). Its pay rises replace
    the programme's (``funding.PayRise``, with which the plan itself is carried forward): a
    projection without any assumes none, and its "Unterschied" shows what that changes."""
    return Assumptions(
        base_year=projection.base_year,
        last_year=projection.last_year,
        pay_rises=tuple(
            PayRise(r.effective_from, r.percent)
            for r in projection.pay_rises.order_by("effective_from", "pk")
        ),
        rate_changes=tuple(
            Rate(r.kind, r.block.number, r.amount, r.valid_from, r.capped_at_cost)
            for r in projection.rate_changes.select_related("block").order_by("valid_from", "pk")
        ),
        position_changes=tuple(
            PositionChange(c.action, c.position_id, c.on, c.fte, c.title, key=c.pk)
            for c in projection.position_changes.order_by("on", "pk")
        ),
        programme_end_year=projection.programme_end_year,
        label=f"Fortschreibung „{projection.name}“",
    )


@dataclass(frozen=True)
class ProjectionYear:
    year: int
    planned: Figures
    projected: Figures
    projected_base: bool  # the base year: as planned

    @property
    def diff(self) -> Figures:
        return self.projected - self.planned


@dataclass(frozen=True)
class ProjectionResult:
    projection: Projection
    assumptions: Assumptions
    rows: tuple[ProjectionYear, ...]
    # The projected years as the engine computed them (positions, warnings).
    overviews: dict[int, YearOverview]
    bearer_orgs: tuple[Org, ...]

    @property
    def planned_total(self) -> Figures:
        return sum((r.planned for r in self.rows), Figures())

    @property
    def projected_total(self) -> Figures:
        return sum((r.projected for r in self.rows), Figures())

    @property
    def diff_total(self) -> Figures:
        return self.projected_total - self.planned_total

    @property
    def first_year(self) -> int:
        return self.rows[0].year

    @property
    def last_year(self) -> int:
        return self.rows[-1].year


def projection_result(projection: Projection) -> ProjectionResult:
    """The plan (or scenario) and its projection over base year … last year."""
    assumptions = assumptions_of(projection)
    recipient = projection.recipient
    years = assumptions.years
    loaded = multi_year_plans([recipient], years, scenario=projection.scenario)
    plans = {year: loaded[(recipient.id, year)] for year in years}
    planned = {year: compute_year(plan) for year, plan in plans.items()}
    # The base year is left as planned (the same plan): its overview is not computed twice.
    projected = {
        year: planned[year] if plan is plans[year] else compute_year(plan)
        for year, plan in project(plans, assumptions).items()
    }
    orgs: dict[str, Org] = {}
    for overview in [*planned.values(), *projected.values()]:
        for share in overview.by_bearer:
            orgs[share.organisation.slug] = share.organisation
    rows = tuple(
        ProjectionYear(
            year=year,
            planned=figures_of(planned[year]),
            projected=figures_of(projected[year]),
            projected_base=year == assumptions.base_year,
        )
        for year in years
    )
    return ProjectionResult(
        projection=projection,
        assumptions=assumptions,
        rows=rows,
        overviews=projected,
        bearer_orgs=tuple(sorted(orgs.values(), key=lambda o: o.name)),
    )

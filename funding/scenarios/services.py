"""Writes of scenarios: a named copy of a recipient's plan, and the quick changes made to it
(each recorded as a step, which ``funding.scenarios.rebase`` replays on a fresh copy).

A scenario holds its own rows of everything the cost engine reads (positions with occupancy,
served towns and costs, forwarding agreements, cost splits, programme costs, rate overrides),
so it can be changed freely without touching the real plan (``scenario=None``). Every service
runs in one transaction, checks its input with German messages and writes the actor into the
audit history (django-simple-history).

The copy materialises the figures the engine uses for each position and year as
``PositionCost`` rows of the copied position: for the real plan those come from carriers'
approved forecasts and, in closed years, actual statements (``funding.selectors``), which a
copied position does not have. Only so does a fresh copy compute exactly the baseline.
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from carriers.models import (
    CostSplit,
    CostSplitMember,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
)
from carriers.services import agreement_save
from funding import calculations as calc
from funding import rules
from funding.choices import CostStatus, CoveragePolicy, OrganisationKind, ScenarioStepKind
from funding.models import (
    BuildingBlock,
    FundingRate,
    ProgrammeCost,
    Scenario,
    ScenarioStep,
)
from funding.money import cents
from funding.scenarios.selectors import (
    STEP_REASON,
)
from funding.selectors import multi_year_plans
from kim_admin.formatting import de_date, de_money
from kim_admin.versioning import bump_version
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)
from staffing.services import position_delete, position_end

HUNDRED = Decimal(100)
TWELVE = Decimal(12)
NOTE_LENGTH = 300
REASON_LENGTH = 100

# Fields of a position copied into a scenario as they are.
POSITION_FIELDS = (
    "recipient_id",
    "block_id",
    "funding_kind",
    "title",
    "fte",
    "employer_id",
    "unit_id",
    "department",
    "pay_grade_id",
    "budget_product",
    "ledger_account",
    "cost_centre",
    "planned_start",
    "end_date",
    "notes",
)


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


def _bulk_create(model, objs: list, actor, reason: str) -> list:
    """Create the rows in batches with one history record each (not one query per row)."""
    if not objs:
        return objs
    created = model.objects.bulk_create(objs, batch_size=500)
    history = getattr(model, "history", None)
    if history is not None:
        history.bulk_history_create(
            created, batch_size=500, default_user=actor, default_change_reason=reason[:100]
        )
    return created


@contextlib.contextmanager
def _acting(actor):
    """Rows deleted by a cascade carry no ``_history_user``: name the actor for them too."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=actor)
    try:
        yield
    finally:
        context.request = previous


def _plan_of(scenario: Scenario | None) -> str:
    return scenario.name if scenario else _("Echter Plan")


def _cost_years(position_ids: list[int]) -> list[int]:
    """Every year for which a position has entered or approved figures (two queries)."""
    years = set(
        PositionCost.objects.filter(position_id__in=position_ids).values_list("year", flat=True)
    )
    years |= set(
        ForecastLine.objects.filter(position_id__in=position_ids).values_list(
            "forecast__year", flat=True
        )
    )
    return sorted(years)


# --- copy and delete --------------------------------------------------------------------------


@transaction.atomic
def scenario_copy(
    *,
    recipient: Organisation,
    name: str,
    slug: str,
    actor,
    source: Scenario | None = None,
    description: str = "",
) -> Scenario:
    """A new scenario as a copy of the real plan (``source=None``) or of another scenario.

    Copied: positions (``origin`` names the real position) with occupancy, served towns and
    the cost figures the engine uses in each year (materialised, see the module docstring);
    forwarding agreements and cost splits (members, positions remapped); programme costs; the
    source scenario's rate overrides. The recipient's own rates apply to every scenario anyway.
    """
    if source is not None and source.recipient_id != recipient.pk:
        raise ValidationError({"source": _("Das Szenario gehört zu einem anderen Empfänger.")})
    scenario = Scenario(recipient=recipient, name=name, slug=slug, description=description)
    # A copy of a scenario stands on the plan its source was copied from, and its steps are
    # the source's: rebased, it replays them too.
    scenario.copied_at = source.plan_state_at if source is not None else timezone.now()
    scenario.full_clean()
    _with_actor(scenario, actor).save()
    _copy_plan_into(scenario, source, actor)
    if source is not None:
        _bulk_create(
            ScenarioStep,
            [
                ScenarioStep(
                    scenario=scenario,
                    order=step.order,
                    kind=step.kind,
                    parameters=step.parameters,
                    created_by_id=step.created_by_id,
                )
                for step in source.steps.order_by("order")
            ],
            actor,
            _copy_reason(scenario),
        )
    return scenario


def _copy_reason(scenario: Scenario) -> str:
    return _("Kopie für Szenario „%(name)s“") % {"name": scenario.name}


def _copy_plan_into(scenario: Scenario, source: Scenario | None, actor) -> None:
    """Copy the real plan (``source=None``) or ``source``'s rows into ``scenario``."""
    recipient = scenario.recipient
    reason = _copy_reason(scenario)
    source_id = source.pk if source else None

    # Positions and what hangs off them.
    originals = list(
        Position.objects.filter(recipient=recipient, scenario_id=source_id).order_by("pk")
    )
    copies = []
    for original in originals:
        copy = Position(scenario=scenario, **{f: getattr(original, f) for f in POSITION_FIELDS})
        copy.origin_id = original.origin_id if source is not None else original.pk
        copies.append(copy)
    copies = _bulk_create(Position, copies, actor, reason)
    new_id = {o.pk: c.pk for o, c in zip(originals, copies, strict=True)}
    old_ids = list(new_id)

    _bulk_create(
        Occupancy,
        [
            Occupancy(
                position_id=new_id[o.position_id], start=o.start, end=o.end, fte=o.fte, note=o.note
            )
            for o in Occupancy.objects.filter(position_id__in=old_ids).order_by("pk")
        ],
        actor,
        reason,
    )
    _bulk_create(
        PositionTown,
        [
            PositionTown(position_id=new_id[t.position_id], town_id=t.town_id, share=t.share)
            for t in PositionTown.objects.filter(position_id__in=old_ids).order_by("pk")
        ],
        actor,
        reason,
    )
    _bulk_create(PositionCost, _materialised_costs(recipient, source, new_id), actor, reason)

    # Forwarding agreements with their positions.
    agreements = list(
        ForwardingAgreement.objects.filter(recipient=recipient, scenario_id=source_id).order_by(
            "pk"
        )
    )
    agreement_fields = (
        "recipient_id",
        "carrier_id",
        "payer_id",
        "reference",
        "signed_on",
        "valid_from",
        "valid_to",
        "coverage_policy",
        "coverage_percent",
        "coverage_flat_per_fte",
        "notes",
    )
    new_agreements = _bulk_create(
        ForwardingAgreement,
        [
            ForwardingAgreement(scenario=scenario, **{f: getattr(a, f) for f in agreement_fields})
            for a in agreements
        ],
        actor,
        reason,
    )
    agreement_id = {a.pk: n.pk for a, n in zip(agreements, new_agreements, strict=True)}
    through = ForwardingAgreement.positions.through
    through.objects.bulk_create(
        [
            through(forwardingagreement_id=agreement_id[a_id], position_id=new_id[p_id])
            for a_id, p_id in through.objects.filter(
                forwardingagreement_id__in=list(agreement_id)
            ).values_list("forwardingagreement_id", "position_id")
            if p_id in new_id
        ]
    )

    # Cost splits with their towns and positions.
    splits = list(
        CostSplit.objects.filter(recipient=recipient, scenario_id=source_id).order_by("pk")
    )
    split_fields = (
        "recipient_id",
        "name",
        "employer_town_id",
        "method",
        "valid_from",
        "valid_to",
        "notes",
    )
    new_splits = _bulk_create(
        CostSplit,
        [CostSplit(scenario=scenario, **{f: getattr(s, f) for f in split_fields}) for s in splits],
        actor,
        reason,
    )
    split_id = {s.pk: n.pk for s, n in zip(splits, new_splits, strict=True)}
    _bulk_create(
        CostSplitMember,
        [
            CostSplitMember(
                split_id=split_id[m.split_id], organisation_id=m.organisation_id, percent=m.percent
            )
            for m in CostSplitMember.objects.filter(split_id__in=list(split_id)).order_by("pk")
        ],
        actor,
        reason,
    )
    split_through = CostSplit.positions.through
    split_through.objects.bulk_create(
        [
            split_through(costsplit_id=split_id[s_id], position_id=new_id[p_id])
            for s_id, p_id in split_through.objects.filter(
                costsplit_id__in=list(split_id)
            ).values_list("costsplit_id", "position_id")
            if p_id in new_id
        ]
    )

    programme_fields = (
        "recipient_id",
        "block_id",
        "year",
        "category",
        "status",
        "amount",
        "budget_product",
        "ledger_account",
        "description",
    )
    _bulk_create(
        ProgrammeCost,
        [
            ProgrammeCost(scenario=scenario, **{f: getattr(c, f) for f in programme_fields})
            for c in ProgrammeCost.objects.filter(
                recipient=recipient, scenario_id=source_id
            ).order_by("pk")
        ],
        actor,
        reason,
    )
    if source is not None:
        rate_fields = (
            "programme_id",
            "block_id",
            "kind",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient_id",
            "source",
        )
        _bulk_create(
            FundingRate,
            [
                FundingRate(scenario=scenario, **{f: getattr(r, f) for f in rate_fields})
                for r in FundingRate.objects.filter(scenario=source).order_by("pk")
            ],
            actor,
            reason,
        )


def _materialised_costs(recipient, source, new_id: dict[int, int]) -> list[PositionCost]:
    """For each copied position and year: the figures the engine uses for the original, as a
    cost row of the copy (status and, as its note, the statement they come from)."""
    years = _cost_years(list(new_id))
    if not years:
        return []
    plans = multi_year_plans([recipient], range(years[0], years[-1] + 1), scenario=source)
    rows = []
    for (_rid, year), plan in sorted(plans.items()):
        for position in plan.positions:
            figures = position.cost
            if figures is None or position.id not in new_id:
                continue
            if figures.source not in CostStatus.values:
                continue  # carried forward: the scenario's own plan carries it the same way
            rows.append(
                PositionCost(
                    position_id=new_id[position.id],
                    year=year,
                    status=figures.source,
                    employer_gross=figures.employer_gross,
                    material=figures.material,
                    overhead_rate=figures.overhead_rate,
                    overhead_amount=figures.overhead_amount,
                    one_off=figures.one_off,
                    note=figures.source_detail[:NOTE_LENGTH],
                )
            )
    return rows


@transaction.atomic
def scenario_delete(*, scenario: Scenario, actor, expected_version: int | None = None) -> None:
    """Delete a scenario with every row of it; the real plan is never touched."""
    bump_version(scenario, expected_version)
    with _acting(actor):
        _with_actor(scenario, actor).delete()


# --- steps: every quick change is recorded, so that a rebase can replay it --------------------

# The step being replayed ("Aus aktuellem Plan neu aufsetzen"): its service records no new one.
_replaying: ContextVar[ScenarioStep | None] = ContextVar("scenario_step_replayed", default=None)
# The history reason of every row written by a step, the copy or a rebase: what tells them from
# hand edits (``funding.scenarios.selectors.scenario_hand_edits``).
_service_reason: ContextVar[str | None] = ContextVar("scenario_service_reason", default=None)


@receiver(pre_create_historical_record)
def _mark_service_history(sender, history_instance, **kwargs):
    label = _service_reason.get()
    if label is None:
        return
    reason = history_instance.history_change_reason
    history_instance.history_change_reason = (f"{label} – {reason}" if reason else label)[
        :REASON_LENGTH
    ]


@contextlib.contextmanager
def _service_writes(label: str):
    token = _service_reason.set(label)
    try:
        yield
    finally:
        _service_reason.reset(token)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _ref(position: Position) -> dict:
    """A position in a step's parameters: its real position and its title."""
    return {"origin": position.origin_id, "title": position.title}


def _records_step(kind: str):
    """The quick change records itself as the scenario's next step in its own transaction
    (its parameters are the second value the decorated body returns); every history record it
    writes names the step. Replayed, it writes under the step it replays and records none."""

    def decorate(body):
        @functools.wraps(body)
        def service(*, scenario: Scenario, actor, **kwargs):
            with transaction.atomic():
                replayed = _replaying.get()
                if replayed is None:
                    # One step at a time per scenario: the order is the next free one.
                    list(Scenario.objects.select_for_update().filter(pk=scenario.pk).values("pk"))
                    last = ScenarioStep.objects.filter(scenario=scenario).aggregate(n=Max("order"))
                    order = (last["n"] or 0) + 1
                else:
                    order = replayed.order
                label = STEP_REASON % {"order": order, "kind": ScenarioStepKind(kind).label}
                with _service_writes(label):
                    result, parameters = body(scenario=scenario, actor=actor, **kwargs)
                    if replayed is None:
                        step = ScenarioStep(
                            scenario=scenario,
                            order=order,
                            kind=kind,
                            parameters=parameters,
                            created_by=_user(actor),
                        )
                        step.full_clean()
                        _with_actor(step, actor).save()
            return result

        return service

    return decorate


# --- quick changes ----------------------------------------------------------------------------


def _scenario_positions(scenario: Scenario, positions: Iterable | None):
    if positions is None:
        return Position.objects.filter(scenario=scenario)
    positions = list(positions)
    foreign = [p for p in positions if p.scenario_id != scenario.pk]
    if foreign:
        raise ValidationError(
            _("Die Stelle „%(position)s“ gehört nicht zu diesem Szenario.")
            % {"position": foreign[0]}
        )
    return positions


def _planned_fte_months(position: Position, periods, year: int) -> Decimal:
    """The FTE-months a planned figure is for: the position at its FTE over the part of the
    year it exists (``rules.planned_cost_for_occupancy`` scales it to the occupancy)."""
    plan = calc.PositionPlan(
        id=position.pk,
        title=position.title,
        block=0,
        funding_kind=position.funding_kind,
        fte=position.fte,
        employer=calc.Org(0, "", "", ""),
        start=position.planned_start,
        end=position.end_date,
        occupancies=tuple(p for p in periods if calc.is_active(year, p.start, p.end)),
    )
    return calc.planned_fte_months_of(year, plan)


def _reference_costs(scenario: Scenario, block_id: int) -> dict[tuple[int, int | None], dict]:
    """The recipient's own cost structure per year: material as a share of the employer gross
    and the overhead rate of its own positions (same block; same pay grade preferred).

    Keyed by (year, pay grade id) and (year, None) for any pay grade of the block."""
    rows = (
        PositionCost.objects.filter(
            position__scenario=scenario,
            position__employer_id=scenario.recipient_id,
            position__block_id=block_id,
            employer_gross__gt=0,
        )
        .order_by("position__title", "position_id", "year")
        .values(
            "year",
            "position__pay_grade_id",
            "position__department",
            "position__unit_id",
            "employer_gross",
            "material",
            "overhead_rate",
            "overhead_amount",
        )
    )
    reference: dict[tuple[int, int | None], dict] = {}
    for row in rows:
        gross = row["employer_gross"]
        if row["overhead_rate"] is not None:
            overhead_rate = row["overhead_rate"]
        elif row["overhead_amount"] is not None:
            overhead_rate = (row["overhead_amount"] * HUNDRED / gross).quantize(Decimal("0.0001"))
        else:
            overhead_rate = None
        entry = {
            "material_ratio": row["material"] / gross,
            "overhead_rate": overhead_rate,
            "department": row["position__department"],
            "unit_id": row["position__unit_id"],
        }
        reference.setdefault((row["year"], row["position__pay_grade_id"]), entry)
        reference.setdefault((row["year"], None), entry)
    return reference


@_records_step(ScenarioStepKind.MOVE_TO_RECIPIENT)
def move_carrier_positions_to_recipient(
    *,
    scenario: Scenario,
    actor,
    positions: Iterable[Position] | None = None,
    carrier: Organisation | None = None,
    department: str | None = None,
) -> list[Position]:
    """Seed 000, scenario 3: the carriers' positions move to the city (the KI).

    The employer becomes the recipient, the forwarding ends (the positions leave the
    scenario's agreements; an agreement left without positions is deleted). To make the two
    comparable, the cost becomes the city's own for the pay grade: in each year with figures,
    the employer gross of the recipient's cost table (``PayGradeCost``) × the position's
    planned FTE-months / 12 (a planned figure; the engine scales it to the occupancy), with material and overhead in the proportions of the recipient's own positions of the
    block that year (seed 000: "Vergleichbarkeit der Personalkosten … muss hergestellt
    werden"). A year without such figures falls back to the cost table, as the engine does.
    """
    recipient = scenario.recipient
    if positions is None:
        chosen = Position.objects.filter(scenario=scenario, employer__kind=OrganisationKind.CARRIER)
        if carrier is not None:
            chosen = chosen.filter(employer=carrier)
        chosen = list(chosen.select_related("employer").order_by("title", "pk"))
    else:
        chosen = _scenario_positions(scenario, positions)
        not_carrier = [p for p in chosen if p.employer.kind != OrganisationKind.CARRIER]
        if not_carrier:
            raise ValidationError(
                _("Die Stelle „%(position)s“ ist bei keiner Trägerin angesiedelt.")
                % {"position": not_carrier[0]}
            )
    if not chosen:
        raise ValidationError(_("In diesem Szenario ist keine Stelle bei einer Trägerin."))
    ids = [p.pk for p in chosen]
    periods = defaultdict(list)
    for position_id, start, end, fte in Occupancy.objects.filter(position_id__in=ids).values_list(
        "position_id", "start", "end", "fte"
    ):
        periods[position_id].append(calc.Period(start, end, fte))
    old_costs = defaultdict(list)
    for cost in PositionCost.objects.filter(position_id__in=ids).order_by("year"):
        old_costs[cost.position_id].append(cost)
    table = {
        (grade, year): amount
        for grade, year, amount in PayGradeCost.objects.values_list(
            "pay_grade_id", "year", "employer_gross_per_fte"
        )
    }
    references = {}
    for position in chosen:
        if position.block_id not in references:
            references[position.block_id] = _reference_costs(scenario, position.block_id)
        reference = references[position.block_id]
        years = sorted({c.year for c in old_costs[position.pk]})
        for cost in old_costs[position.pk]:
            _with_actor(cost, actor).delete()
        new_rows = []
        for year in years:
            per_fte = table.get((position.pay_grade_id, year))
            ref = reference.get((year, position.pay_grade_id)) or reference.get((year, None))
            if per_fte is None or ref is None:
                continue  # the engine falls back to the cost table (or warns: no cost)
            gross = cents(
                per_fte * _planned_fte_months(position, periods[position.pk], year) / TWELVE
            )
            new_rows.append(
                PositionCost(
                    position=position,
                    year=year,
                    status=CostStatus.PLANNED,
                    employer_gross=gross,
                    material=cents(gross * ref["material_ratio"]),
                    overhead_rate=ref["overhead_rate"],
                    note=_(
                        "Szenario: Kosten der Stadt für %(grade)s (Personalkostensatz "
                        "%(year)s: %(amount)s je VZ), Sach- und Gemeinkosten wie die eigenen "
                        "Stellen des Bausteins"
                    )
                    % {"grade": position.pay_grade, "year": year, "amount": de_money(per_fte)},
                )
            )
        for row in new_rows:
            row.full_clean()
            _with_actor(row, actor).save()
        position.employer = recipient
        # The unit of the city's own positions of the block (latest year), e.g. the KI.
        latest = max(reference, key=lambda key: key[0], default=None)
        if department is not None:
            position.department = department
            position.unit = OrganisationalUnit.objects.filter(
                recipient=recipient, name=department
            ).first()
        else:
            own = reference[latest]["department"] if latest else ""
            position.department = own or position.department
            position.unit_id = reference[latest]["unit_id"] if latest else None
        position._change_reason = _("Szenario: zur Stadt verlagert")
        position.full_clean()
        _with_actor(position, actor).save()
    for agreement in ForwardingAgreement.objects.filter(
        scenario=scenario, positions__in=ids
    ).distinct():
        remaining = [p for p in agreement.positions.all() if p.pk not in ids]
        if remaining:
            agreement_save(agreement=agreement, actor=actor, positions=remaining)
        else:
            _with_actor(agreement, actor).delete()
    parameters = {
        "carrier": carrier.pk if carrier is not None else None,
        "positions": [_ref(p) for p in chosen] if positions is not None else None,
        "department": department,
    }
    if carrier is not None:
        parameters["carrier_name"] = carrier.name
    return chosen, parameters


@_records_step(ScenarioStepKind.CUT_BLOCK)
def cut_block(
    *,
    scenario: Scenario,
    block: BuildingBlock | int,
    n_positions: int,
    actor,
    effective: date | None = None,
    keep: Iterable[Position] | None = None,
) -> list[Position]:
    """Seed 000, scenario 4: block 2 cut to N positions from ``effective`` (default: 1 January
    of the next year). Kept are ``keep`` or, by default, the municipality's own positions
    first (the one-third rule), then the others by title. The others end the day before
    (their occupancy with them); one not yet started is removed. The funder's rules are not
    enforced here: the engine's warnings (one third at the municipality, at least half filled)
    show where the cut breaks them. Returns the positions cut."""
    if not isinstance(block, BuildingBlock):
        block = BuildingBlock.objects.filter(number=block).order_by("pk").first()
        if block is None:
            raise ValidationError(_("Diesen Baustein gibt es nicht."))
    if n_positions is None or n_positions < 0:
        raise ValidationError({"n_positions": _("Bitte eine Stellenzahl ab 0 angeben.")})
    if effective is None:
        effective = date(timezone.localdate().year + 1, 1, 1)
    active = [
        p
        for p in Position.objects.filter(scenario=scenario, block=block)
        .select_related("employer")
        .order_by("title", "pk")
        if p.end_date is None or p.end_date >= effective
    ]
    if n_positions >= len(active):
        raise ValidationError(
            {
                "n_positions": _(
                    "Baustein %(block)s hat ab %(date)s nur %(count)s Stellen: nichts zu kürzen."
                )
                % {"block": block.number, "date": de_date(effective), "count": len(active)}
            }
        )
    if keep is not None:
        kept = _scenario_positions(scenario, keep)
        if len(kept) != n_positions:
            raise ValidationError(
                {"keep": _("Bitte genau %(n)s Stellen zum Behalten wählen.") % {"n": n_positions}}
            )
        kept_ids = {p.pk for p in kept}
    else:
        ordered = sorted(
            active,
            key=lambda p: (
                p.employer.kind not in (OrganisationKind.COUNTY, OrganisationKind.COUNTY_FREE_CITY),
                p.employer.kind == OrganisationKind.CARRIER,
            ),
        )
        kept_ids = {p.pk for p in ordered[:n_positions]}
    cut = [p for p in active if p.pk not in kept_ids]
    end = effective - timedelta(days=1)
    for position in cut:
        if position.planned_start >= effective:
            position_delete(position=position, actor=actor)
            continue
        for period in position.occupancies.filter(start__gt=end):
            _with_actor(period, actor).delete()
        position._change_reason = _("Szenario: Baustein %(block)s auf %(n)s Stellen gekürzt") % {
            "block": block.number,
            "n": n_positions,
        }
        position_end(position=position, end_date=end, actor=actor)
    return cut, {
        "block": block.number,
        "n_positions": n_positions,
        "effective": effective.isoformat(),
        "keep": [_ref(p) for p in kept] if keep is not None else None,
    }


@_records_step(ScenarioStepKind.LOWER_EXTRA_COST)
def lower_carrier_extra_cost(
    *,
    scenario: Scenario,
    carrier: Organisation,
    actor,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
) -> list[ForwardingAgreement]:
    """Seed 000, scenario 2: the carriers lower what the city carries of their extra cost.

    ``percent``: the city's covered part shrinks by that percentage (all → a share of
    100 − percent; a share or a flat amount shrinks in proportion). ``amount``: the city covers
    at most this flat amount per FTE and year (the flat coverage other towns pay, seed 000).
    Changes the coverage policy of the carrier's forwarding agreements in the scenario."""
    if (percent is None) == (amount is None):
        raise ValidationError(_("Bitte entweder einen Prozentsatz oder einen Betrag angeben."))
    if percent is not None and not (0 < percent <= 100):
        raise ValidationError({"percent": _("Der Prozentsatz muss über 0 und höchstens 100 sein.")})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("Der Betrag darf nicht negativ sein.")})
    agreements = list(
        ForwardingAgreement.objects.filter(scenario=scenario, carrier=carrier).order_by("pk")
    )
    if not agreements:
        raise ValidationError(
            _("Für %(carrier)s gibt es in diesem Szenario keinen Weiterleitungsvertrag.")
            % {"carrier": carrier}
        )
    for agreement in agreements:
        if amount is not None:
            agreement.coverage_policy = CoveragePolicy.FLAT_PER_FTE
            agreement.coverage_flat_per_fte = amount
            agreement.coverage_percent = None
        else:
            factor = (HUNDRED - percent) / HUNDRED
            policy = agreement.coverage_policy
            if policy == CoveragePolicy.ALL:
                agreement.coverage_policy = CoveragePolicy.PERCENT
                agreement.coverage_percent = (HUNDRED * factor).quantize(Decimal("0.0001"))
            elif policy == CoveragePolicy.PERCENT:
                agreement.coverage_percent = (agreement.coverage_percent * factor).quantize(
                    Decimal("0.0001")
                )
            elif policy == CoveragePolicy.FLAT_PER_FTE:
                agreement.coverage_flat_per_fte = cents(agreement.coverage_flat_per_fte * factor)
            else:
                continue  # the city covers nothing already
        agreement._change_reason = _("Szenario: Trägerin senkt ihre Mehrkosten")
        agreement_save(agreement=agreement, actor=actor)
    return agreements, {
        "carrier": carrier.pk,
        "carrier_name": carrier.name,
        "percent": str(percent) if percent is not None else None,
        "amount": str(amount) if amount is not None else None,
    }


@_records_step(ScenarioStepKind.TOWN_EMPLOYS_OWN)
def town_employs_own(
    *, scenario: Scenario, position: Position, town: Organisation, actor
) -> Position:
    """Seed 004 (Voerde): a town of the county employs the position itself instead of the
    county. The town carries the position's own share alone (the position leaves the
    scenario's cost splits, e.g. the county levy) and still pays its levy share of the rest."""
    (position,) = _scenario_positions(scenario, [position])
    if town.kind != OrganisationKind.TOWN or town.parent_id != scenario.recipient_id:
        raise ValidationError(
            {
                "town": _("„%(town)s“ ist keine Kommune des Kreises %(recipient)s.")
                % {"town": town, "recipient": scenario.recipient}
            }
        )
    if position.employer_id == town.pk:
        raise ValidationError(
            {"position": _("Die Stelle ist bereits bei %(town)s angesiedelt.") % {"town": town}}
        )
    for split in CostSplit.objects.filter(scenario=scenario, positions=position):
        split.positions.remove(position)
    for agreement in ForwardingAgreement.objects.filter(scenario=scenario, positions=position):
        remaining = [p for p in agreement.positions.all() if p.pk != position.pk]
        if remaining:
            agreement_save(agreement=agreement, actor=actor, positions=remaining)
        else:
            _with_actor(agreement, actor).delete()
    position.employer = town
    position.department = ""
    position.unit = None
    position._change_reason = (_("Szenario: %(town)s stellt selbst an") % {"town": town.name})[
        :REASON_LENGTH
    ]
    position.full_clean()
    _with_actor(position, actor).save()
    return position, {"position": _ref(position), "town": town.pk, "town_name": town.name}


@_records_step(ScenarioStepKind.CHANGE_RATE)
def change_rate(
    *,
    scenario: Scenario,
    block: BuildingBlock,
    kind: str,
    amount: Decimal,
    valid_from: date,
    actor,
) -> FundingRate:
    """A rate of the scenario only (it wins over the programme's and the recipient's); one
    already set from the same date is changed."""
    rate = FundingRate.objects.filter(
        scenario=scenario, block=block, kind=kind, valid_from=valid_from
    ).first()
    if rate is None:
        in_force = rules.rate_in_force(
            tuple(
                calc.Rate(r.kind, block.number, r.amount, r.valid_from, r.capped_at_cost)
                for r in FundingRate.objects.filter(
                    block=block, kind=kind, scenario__isnull=True, recipient__isnull=True
                )
            ),
            kind,
            block.number,
            valid_from,
        )
        rate = FundingRate(
            programme_id=block.programme_id,
            block=block,
            kind=kind,
            valid_from=valid_from,
            capped_at_cost=in_force.capped_at_cost if in_force else True,
            recipient=scenario.recipient,
            scenario=scenario,
            source=_("Szenario „%(name)s“") % {"name": scenario.name},
        )
    rate.amount = amount
    rate.full_clean()
    _with_actor(rate, actor).save()
    return rate, {
        "block": block.number,
        "kind": kind,
        "amount": str(amount),
        "valid_from": valid_from.isoformat(),
    }

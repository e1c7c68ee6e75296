"""Issue 14, "Aus aktuellem Plan neu aufsetzen": a scenario gets a fresh copy of the current
real plan in place of its rows, and the quick changes recorded as its steps are replayed.

The copy and the quick changes are the services of ``funding.scenarios.services``; this
module finds a step's positions, organisations and blocks again in the fresh copy (by the
real position a copied one came from), runs the step's service with its recorded parameters,
and reports what it replayed, what it could not (with the German reason) and the hand edits
it does not replay. One transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import CostSplit, ForwardingAgreement, Organisation
from funding.choices import OrganisationKind, ScenarioStepKind
from funding.models import (
    BuildingBlock,
    FundingRate,
    ProgrammeCost,
    ProjectionPositionChange,
    Scenario,
    ScenarioStep,
)
from funding.scenarios.selectors import REBASE_REASON, HandEdit, scenario_hand_edits
from funding.scenarios.services import (
    _acting,
    _copy_plan_into,
    _replaying,
    _service_writes,
    _with_actor,
    change_rate,
    cut_block,
    lower_carrier_extra_cost,
    move_carrier_positions_to_recipient,
    town_employs_own,
)
from kim_admin.versioning import bump_version
from staffing.models import Position


@dataclass(frozen=True)
class RebaseResult:
    """What "Aus aktuellem Plan neu aufsetzen" did: the steps replayed, those that could not
    be (with the German reason; they are removed from the scenario) and the hand edits that
    were not replayed."""

    scenario: Scenario
    replayed: tuple[ScenarioStep, ...]
    failed: tuple[tuple[ScenarioStep, str], ...]
    hand_edits: tuple[HandEdit, ...]


def _position_of(scenario: Scenario, ref: dict) -> Position:
    if ref["origin"] is None:
        raise ValidationError(
            _("Die Stelle „%(title)s“ war im Szenario von Hand angelegt und wird nicht wiederholt.")
            % {"title": ref["title"]}
        )
    position = (
        Position.objects.filter(scenario=scenario, origin_id=ref["origin"]).order_by("pk").first()
    )
    if position is None:
        raise ValidationError(
            _("Die Stelle „%(title)s“ gibt es im aktuellen Plan nicht mehr.")
            % {"title": ref["title"]}
        )
    return position


def _organisation_of(pk: int, name: str | None, kind: str) -> Organisation:
    organisation = Organisation.objects.filter(pk=pk, kind=kind).first()
    if organisation is None:
        raise ValidationError(
            _("„%(name)s“ gibt es nicht mehr.") % {"name": name or _("Organisation %s") % pk}
        )
    return organisation


def _block_of(number: int) -> BuildingBlock:
    block = BuildingBlock.objects.filter(number=number).order_by("pk").first()
    if block is None:
        raise ValidationError(_("Den Baustein %(n)s gibt es nicht mehr.") % {"n": number})
    return block


def _replay(step: ScenarioStep, scenario: Scenario, actor) -> None:
    """Run the step's service again on ``scenario`` with its recorded parameters, the
    positions found again by their real position."""
    p = step.parameters
    kind = step.kind
    if kind == ScenarioStepKind.MOVE_TO_RECIPIENT:
        move_carrier_positions_to_recipient(
            scenario=scenario,
            actor=actor,
            carrier=_organisation_of(p["carrier"], p.get("carrier_name"), OrganisationKind.CARRIER)
            if p["carrier"] is not None
            else None,
            positions=[_position_of(scenario, ref) for ref in p["positions"]]
            if p["positions"] is not None
            else None,
            department=p["department"],
        )
    elif kind == ScenarioStepKind.CUT_BLOCK:
        cut_block(
            scenario=scenario,
            actor=actor,
            block=_block_of(p["block"]),
            n_positions=p["n_positions"],
            effective=date.fromisoformat(p["effective"]),
            keep=[_position_of(scenario, ref) for ref in p["keep"]]
            if p["keep"] is not None
            else None,
        )
    elif kind == ScenarioStepKind.LOWER_EXTRA_COST:
        lower_carrier_extra_cost(
            scenario=scenario,
            actor=actor,
            carrier=_organisation_of(p["carrier"], p.get("carrier_name"), OrganisationKind.CARRIER),
            percent=Decimal(p["percent"]) if p["percent"] is not None else None,
            amount=Decimal(p["amount"]) if p["amount"] is not None else None,
        )
    elif kind == ScenarioStepKind.TOWN_EMPLOYS_OWN:
        town_employs_own(
            scenario=scenario,
            actor=actor,
            position=_position_of(scenario, p["position"]),
            town=_organisation_of(p["town"], p.get("town_name"), OrganisationKind.TOWN),
        )
    else:
        change_rate(
            scenario=scenario,
            actor=actor,
            block=_block_of(p["block"]),
            kind=p["kind"],
            amount=Decimal(p["amount"]),
            valid_from=date.fromisoformat(p["valid_from"]),
        )


def _remap_projection_positions(scenario: Scenario, old_positions: list[int], actor) -> None:
    """Projections on the scenario that name one of its positions keep naming it: the copy of
    the same real position (one whose real position is gone goes with it)."""
    changes = list(
        ProjectionPositionChange.objects.filter(position_id__in=old_positions).select_related(
            "position"
        )
    )
    if not changes:
        return
    new_of_origin = {
        origin: pk
        for pk, origin in Position.objects.filter(scenario=scenario, origin__isnull=False)
        .exclude(pk__in=old_positions)
        .values_list("pk", "origin_id")
    }
    for change in changes:
        new_id = new_of_origin.get(change.position.origin_id)
        if new_id is not None:
            change.position_id = new_id
            _with_actor(change, actor).save()


@transaction.atomic
def scenario_rebase(*, scenario: Scenario, actor, expected_version: int | None = None):
    """Issue 14, "Aus aktuellem Plan neu aufsetzen": the scenario (same id, name and slug, so
    links, comparisons and projections on it stay valid) gets a fresh copy of the current
    real plan in place of its rows, and its recorded steps are replayed in order.

    A step that cannot be replayed any more (its position left the plan, nothing left to
    cut, …) changes nothing (its own savepoint), is reported with its German reason and is
    removed from the scenario's steps; the history keeps it. Hand edits of the scenario's
    rows are not replayed: they are listed. Afterwards the plan has no changes since the copy.
    Everything or nothing: one transaction."""
    bump_version(scenario, expected_version)
    hand_edits = tuple(scenario_hand_edits(scenario))
    steps = list(scenario.steps.order_by("order"))
    old = {
        "agreements": list(
            ForwardingAgreement.objects.filter(scenario=scenario).values_list("pk", flat=True)
        ),
        "splits": list(CostSplit.objects.filter(scenario=scenario).values_list("pk", flat=True)),
        "positions": list(Position.objects.filter(scenario=scenario).values_list("pk", flat=True)),
        "programme_costs": list(
            ProgrammeCost.objects.filter(scenario=scenario).values_list("pk", flat=True)
        ),
        "rates": list(FundingRate.objects.filter(scenario=scenario).values_list("pk", flat=True)),
    }
    with _service_writes(REBASE_REASON), _acting(actor):
        scenario.copied_at = timezone.now()
        scenario.full_clean()
        _with_actor(scenario, actor).save()
        _copy_plan_into(scenario, None, actor)
        _remap_projection_positions(scenario, old["positions"], actor)
        ForwardingAgreement.objects.filter(pk__in=old["agreements"]).delete()
        CostSplit.objects.filter(pk__in=old["splits"]).delete()
        Position.objects.filter(pk__in=old["positions"]).delete()
        ProgrammeCost.objects.filter(pk__in=old["programme_costs"]).delete()
        FundingRate.objects.filter(pk__in=old["rates"]).delete()

    replayed, failed = [], []
    for step in steps:
        token = _replaying.set(step)
        try:
            with transaction.atomic():
                _replay(step, scenario, actor)
        except ValidationError as error:
            failed.append((step, " ".join(error.messages)))
        else:
            replayed.append(step)
        finally:
            _replaying.reset(token)
    for step, _reason in failed:
        with _service_writes(REBASE_REASON):
            _with_actor(step, actor).delete()
    return RebaseResult(
        scenario=scenario,
        replayed=tuple(replayed),
        failed=tuple(failed),
        hand_edits=hand_edits,
    )

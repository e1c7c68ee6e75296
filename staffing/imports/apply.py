"""Writing an import: every row in one transaction, with the acting user in the audit history."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kim_admin.scoping import CHANGE
from kim_admin.validation import constraint_message
from kim_admin.versioning import bump_version
from staffing.imports.plan import COST_DEFAULTS, ImportPlan
from staffing.imports.problems import ImportRefused
from staffing.imports.state import ImportState
from staffing.models import OrganisationalUnit, Position, PositionCost
from staffing.services import OccupancyPeriod, position_save

# --- versions seen at the preview ------------------------------------------------------------


def seen_versions(plan: ImportPlan, state: ImportState) -> dict[str, list[list[int]]]:
    """The versions of every stored row the file touches (positions with their occupancy and
    costs): the preview keeps them, the apply refuses when they moved."""
    ids = sorted(p.pk for p in plan.positions if p.pk)
    return {
        "positions": [[pk, state.positions[pk].version] for pk in ids],
        "occupancies": sorted(
            [o.pk, o.version] for pk in ids for o in state.occupancies.get(pk, [])
        ),
        "costs": sorted([c.pk, c.version] for pk in ids for c in state.costs.get(pk, {}).values()),
    }


# --- apply -------------------------------------------------------------------------------------


@dataclass
class Summary:
    created: list[tuple[int, str]]
    changed: list[tuple[int, str]]
    counts: dict[str, int]


def place_in_unit(position: Position, units: dict[str, OrganisationalUnit]) -> None:
    """The sheet's "Organisationseinheit" is free text: a position of the recipient itself
    whose text names one of the recipient's units sits in that unit (another text keeps the
    unit it has); a position another employer employs sits in none (Position.clean)."""
    if position.employer_id != position.recipient_id:
        position.unit = None
    elif position.department and (unit := units.get(position.department.strip().casefold())):
        position.unit = unit


def apply_plan(plan: ImportPlan, state: ImportState, user, seen: dict | None = None) -> Summary:
    """Write the plan in one transaction, the user in every history record. Raises
    :class:`VersionConflict` when a position moved on since ``seen`` (the preview's versions),
    :class:`ImportRefused` when a rule refuses a row; nothing is written then."""
    if not plan.ok:
        raise ImportRefused([p.message for p in plan.problems])
    expected = {pk: version for pk, version in (seen or {}).get("positions", [])}
    created, changed = [], []
    saved: dict[int, Position] = {}
    units = {
        unit.name.casefold(): unit
        for unit in OrganisationalUnit.objects.filter(recipient=state.recipient)
    }
    try:
        with transaction.atomic():
            for item in plan.positions:
                if not item.needs_write:
                    if item.existing:
                        saved[id(item)] = item.existing
                    continue
                position = item.existing or Position(recipient=state.recipient, scenario=None)
                for name, value in item.values.items():
                    setattr(position, name, value)
                place_in_unit(position, units)
                periods = None
                if item.occupancy_diff.any:
                    if position.pk:
                        # Deleted here, one by one, so the history records who removed them.
                        for occupancy in state.occupancies.get(position.pk, []):
                            occupancy._history_user = user
                            occupancy.delete()
                    periods = [
                        OccupancyPeriod(o.start, o.end, o.fte, o.note) for o in item.occupancies
                    ]
                try:
                    position_save(
                        position=position,
                        actor=user,
                        occupancies=periods,
                        expected_version=expected.get(position.pk) if position.pk else None,
                    )
                except ValidationError as error:
                    raise ImportRefused(
                        [f"{item.label}: {m}" for ms in error.message_dict.values() for m in ms]
                    ) from error
                saved[id(item)] = position
                (created if item.is_new else changed).append((position.pk, position.title))
            for cost in plan.costs:
                if not cost.needs_write:
                    continue
                position = saved.get(id(cost.position)) or cost.position.existing
                row = cost.existing or PositionCost(
                    position=position, year=cost.year, status=cost.status, **COST_DEFAULTS
                )
                for name, value in cost.values.items():
                    setattr(row, name, value)
                bump_version(row, cost.existing.version if cost.existing else None)
                try:
                    row.full_clean()
                except ValidationError as error:
                    raise ImportRefused(
                        [
                            f"{cost.position.label}, {cost.year}: {m}"
                            for ms in error.message_dict.values()
                            for m in ms
                        ]
                    ) from error
                row._history_user = user
                row.save()
                if cost.position.existing and (cost.position.pk, cost.position.title) not in (
                    changed + created
                ):
                    changed.append((cost.position.pk, cost.position.title))
            # Backstop: everything written stays in the user's change scope.
            written = {pk for pk, _title in created + changed}
            in_scope = Position.objects.restrict(user, CHANGE).filter(pk__in=written).count()
            if in_scope != len(written):
                raise ImportRefused([_("Die Datei enthält Stellen außerhalb Ihres Bereichs.")])
    except IntegrityError as error:
        raise ImportRefused([constraint_message(error)]) from error
    return Summary(created=created, changed=changed, counts=plan.counts())

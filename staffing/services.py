"""Writes of positions: one transaction, every rule checked, the actor in the audit history.

A position is saved together with the towns it serves and its occupancy periods, because the
rules span them (shares sum to 100 %, occupancy never above the FTE): either all of it is
saved or nothing, and the errors name the field they belong to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kim_admin.versioning import bump_version
from staffing import rules
from staffing.models import Occupancy, Position, PositionTown


@dataclass(frozen=True)
class ServedTown:
    town_id: int
    share: Decimal


@dataclass(frozen=True)
class OccupancyPeriod:
    start: date
    end: date | None
    fte: Decimal
    note: str = ""


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


def _collect(errors: dict, key: str, error: ValidationError, index: int | None = None):
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for field, texts in messages.items():
        for text in texts:
            prefix = f"Zeile {index + 1}, " if index is not None else ""
            label = "" if field == "__all__" else f"{field}: "
            errors.setdefault(key, []).append(f"{prefix}{label}{text}")


@transaction.atomic
def position_save(
    *,
    position: Position,
    actor,
    served_towns: Sequence[ServedTown] | None = None,
    occupancies: Sequence[OccupancyPeriod] | None = None,
    expected_version: int | None = None,
) -> Position:
    """Create or update ``position``; ``served_towns``/``occupancies`` replace the stored ones
    when given (None keeps them). Raises ValidationError with German messages per field, and
    VersionConflict when ``expected_version`` is given and someone saved in between."""
    bump_version(position, expected_version)
    errors: dict[str, list[str]] = {}
    if occupancies is not None and position.pk:
        # Replaced periods must not count against the (new) FTE; a rollback restores them.
        position.occupancies.all().delete()
    try:
        position.full_clean()
    except ValidationError as error:
        for field, texts in error.message_dict.items():
            errors.setdefault(field, []).extend(texts)

    if served_towns is not None:
        message = rules.served_shares_error([t.share for t in served_towns])
        if message:
            errors.setdefault("served_towns", []).append(message)
        if len({t.town_id for t in served_towns}) != len(served_towns):
            errors.setdefault("served_towns", []).append(
                _("Jede Kommune darf nur einmal vorkommen.")
            )
    if occupancies is not None and position.fte is not None and 0 < position.fte <= 1:
        message = rules.occupancy_above_fte_error(
            position.fte, [(o.start, o.end, o.fte) for o in occupancies]
        )
        if message:
            errors.setdefault("occupancies", []).append(message)
    if errors:
        raise ValidationError(errors)

    _with_actor(position, actor).save()

    if served_towns is not None:
        position.served_towns.all().delete()
        for index, town in enumerate(served_towns):
            row = PositionTown(position=position, town_id=town.town_id, share=town.share)
            try:
                row.full_clean(exclude=["position"])
            except ValidationError as error:
                _collect(errors, "served_towns", error, index)
                continue
            _with_actor(row, actor).save()
    if occupancies is not None:
        position.occupancies.all().delete()
        for index, period in enumerate(occupancies):
            row = Occupancy(
                position=position,
                start=period.start,
                end=period.end,
                fte=period.fte,
                note=period.note,
            )
            try:
                row.full_clean(exclude=["position"])
            except ValidationError as error:
                _collect(errors, "occupancies", error, index)
                continue
            _with_actor(row, actor).save()
    if errors:
        # Nothing of it stays: the transaction is rolled back.
        raise ValidationError(errors)
    return position


@transaction.atomic
def position_delete(*, position: Position, actor, expected_version: int | None = None) -> None:
    """Delete a position with its towns, occupancy and costs; the history keeps who did it."""
    bump_version(position, expected_version)
    for row in (*position.served_towns.all(), *position.occupancies.all(), *position.costs.all()):
        _with_actor(row, actor).delete()
    _with_actor(position, actor).delete()

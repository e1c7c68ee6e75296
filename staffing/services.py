"""Writes of positions: one transaction, every rule checked, the actor in the audit history.

A position is saved together with the towns it serves and its occupancy periods, because the
rules span them (shares sum to 100 %, occupancy never above the FTE): either all of it is
saved or nothing, and the errors name the field they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kim_admin.versioning import bump_version
from staffing import rules
from staffing.models import Occupancy, Position, PositionCost, PositionTown


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


# "Zeile 2, end: Die Besetzung reicht über das Ende der Stelle (31.12.2023) hinaus."
ROW_ERROR = re.compile(r"^Zeile (?P<row>\d+), (?:(?P<field>[a-z_]+): )?(?P<text>.*)$", re.DOTALL)


def _collect(errors: dict, key: str, error: ValidationError, index: int | None = None):
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for field, texts in messages.items():
        for text in texts:
            prefix = f"Zeile {index + 1}, " if index is not None else ""
            label = "" if field == "__all__" else f"{field}: "
            errors.setdefault(key, []).append(f"{prefix}{label}{text}")


def row_error(message: str) -> tuple[int, str | None, str] | None:
    """A row error of ``position_save`` taken apart: (0-based index into the list passed in,
    field name or None, German text); None for a message about the list as a whole."""
    match = ROW_ERROR.match(str(message))
    if not match:
        return None
    return int(match["row"]) - 1, match["field"], match["text"]


def forwarding_agreement_error(position: Position) -> str | None:
    """A position of the real plan that a carrier employs is forwarded to it: the recipient
    needs a forwarding agreement with that carrier in force when the position starts (seed
    000: the funding passes through to the carrier under the agreement). Asked when the
    position is created or moves to the carrier, so stored positions keep saving while their
    agreement is being entered. Returns the German message, else None."""
    from carriers.models import ForwardingAgreement
    from funding.choices import OrganisationKind

    employer = position.employer if position.employer_id else None
    if employer is None or employer.kind != OrganisationKind.CARRIER:
        return None
    if position.scenario_id is not None or position.recipient_id is None:
        return None
    if position.pk is not None:
        stored = Position.objects.filter(pk=position.pk).values_list("employer_id", flat=True)
        if stored.first() == position.employer_id:
            return None
    start = position.planned_start
    agreements = ForwardingAgreement.objects.filter(
        recipient_id=position.recipient_id, carrier_id=employer.pk, scenario__isnull=True
    )
    if start is not None:
        agreements = agreements.filter(valid_from__lte=start).exclude(valid_to__lt=start)
    if agreements.exists():
        return None
    return _(
        "%(carrier)s ist Trägerin: für ihre Stellen braucht %(recipient)s einen "
        "Weiterleitungsvertrag mit ihr, der bei Beginn der Stelle gilt. Bitte zuerst unter "
        "„Förderung & Träger“ › „Weiterleitungen“ den Vertrag anlegen."
    ) % {"carrier": employer, "recipient": position.recipient}


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
    if "employer" not in errors and (message := forwarding_agreement_error(position)):
        errors.setdefault("employer", []).append(message)

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


# --- Rows of a position edited on their own pages -----------------------------------------------
#
# An occupancy belongs to the position's form too (its occupancy formset): every occupancy write
# moves the position's version on, so a position form opened before it is refused (stale)
# instead of writing its old list of periods over the change.


def _touch_position(position_id: int) -> None:
    """Move the position's version on without a history record of its own (nothing of the
    position changed; the occupancy's own record says what did)."""
    Position.objects.filter(pk=position_id).update(version=F("version") + 1)


@transaction.atomic
def occupancy_save(*, occupancy: Occupancy, actor, expected_version: int | None = None):
    """Create or update one occupancy period of a position (its rules: inside the position's
    period, never above its FTE together with the others)."""
    # Lock the position first: two occupancies saved at once must not both pass the FTE
    # check against each other's absence (PostgreSQL; SQLite serialises writes anyway).
    list(Position.objects.select_for_update().filter(pk=occupancy.position_id).values_list("pk"))
    bump_version(occupancy, expected_version)
    occupancy.full_clean()
    _with_actor(occupancy, actor).save()
    _touch_position(occupancy.position_id)
    return occupancy


@transaction.atomic
def occupancy_delete(*, occupancy: Occupancy, actor, expected_version: int | None = None):
    bump_version(occupancy, expected_version)
    _with_actor(occupancy, actor).delete()
    _touch_position(occupancy.position_id)


@transaction.atomic
def position_cost_save(*, cost: PositionCost, actor, expected_version: int | None = None):
    """Create or update a position's cost of one year (planned, forecast or actual)."""
    bump_version(cost, expected_version)
    cost.full_clean()
    _with_actor(cost, actor).save()
    return cost


@transaction.atomic
def position_cost_delete(*, cost: PositionCost, actor, expected_version: int | None = None):
    bump_version(cost, expected_version)
    _with_actor(cost, actor).delete()


@transaction.atomic
def position_end(
    *, position: Position, end_date: date, actor, expected_version: int | None = None
) -> Position:
    """End a position on ``end_date``: its end date is set and every occupancy still running
    then (open or ending later) ends on that day too. Each row keeps its id, so the history
    shows "Besetzt bis: – → 31.12.2025". An occupancy that only starts after the end date is
    not guessed away: the error names it, and the user deletes or moves it first."""
    bump_version(position, expected_version)
    errors: dict[str, list[str]] = {}
    if end_date is None:
        errors["end_date"] = [_("Bitte das Ende der Stelle angeben.")]
        raise ValidationError(errors)
    position.end_date = end_date
    try:
        position.full_clean()
    except ValidationError as error:
        for field, texts in error.message_dict.items():
            errors.setdefault(field, []).extend(texts)
    periods = list(position.occupancies.order_by("start", "pk"))
    for period in periods:
        if period.start > end_date:
            errors.setdefault("end_date", []).append(
                _(
                    "Die Besetzung ab %(start)s beginnt nach diesem Ende; bitte löschen oder "
                    "ändern Sie sie zuerst."
                )
                % {"start": f"{period.start:%d.%m.%Y}"}
            )
    if errors:
        raise ValidationError(errors)
    _with_actor(position, actor).save()
    for period in periods:
        if period.end is None or period.end > end_date:
            bump_version(period, None)
            period.position = position
            period.end = end_date
            period.full_clean()
            _with_actor(period, actor).save()
    return position

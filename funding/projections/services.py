"""Writes of projections: the projection with all its rows, all or nothing, for the pages and
the API alike.

The rules are the models' (``clean``). Rows sent replace the stored ones of their kind; a kind
not sent stays.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from funding.models import (
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
)
from kim_admin.versioning import bump_version

ROW_MODELS = {
    "pay_rises": ProjectionPayRise,
    "rate_changes": ProjectionRateChange,
    "position_changes": ProjectionPositionChange,
}


@transaction.atomic
def projection_save(
    *, projection: Projection, rows: dict[str, list[dict]], actor, expected_version=None
) -> Projection:
    """Save ``projection`` and replace its rows of each kind in ``rows``; a kind not in
    ``rows`` stays. A row that names the ``id`` of one of the projection's stored rows changes
    that row (the pages' formsets do so, and its history shows the change); every other row
    is added, and stored rows not named are deleted. Errors name the row:
    ``pay_rises.1.percent`` (German messages); nothing is saved then."""
    bump_version(projection, expected_version)
    projection.full_clean()
    projection._history_user = actor
    projection.save()
    errors: dict[str, list] = {}
    for name, values in rows.items():
        model = ROW_MODELS[name]
        stored = {row.pk: row for row in getattr(projection, name).all()}
        named = {data["id"] for data in values if data.get("id") in stored}
        for pk, old in stored.items():
            if pk not in named:
                old._history_user = actor
                old.delete()
        for index, data in enumerate(values):
            fields = {key: value for key, value in data.items() if key != "id"}
            row = stored[data["id"]] if data.get("id") in named else model(projection=projection)
            for field, value in fields.items():
                setattr(row, field, value)
            try:
                row.full_clean()
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors.setdefault(f"{name}.{index}.{field}", []).extend(messages)
                continue
            row._history_user = actor
            row.save()
    if errors:
        raise ValidationError(errors)
    return projection


@transaction.atomic
def projection_delete(*, projection: Projection, actor, expected_version=None) -> None:
    bump_version(projection, expected_version)
    for name in ROW_MODELS:
        for row in getattr(projection, name).all():
            row._history_user = actor
            row.delete()
    projection._history_user = actor
    projection.delete()

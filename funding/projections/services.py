"""Writes of projections through the API: the projection with all its rows, all or nothing.

The rules are the models' (``clean``); the pages save the same models through their form and
formsets. Rows sent replace the stored ones of their kind; a kind not sent stays.
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
    """Save ``projection`` and replace its rows of each kind in ``rows``. Errors name the row:
    ``pay_rises.1.percent`` (German messages); nothing is saved then."""
    bump_version(projection, expected_version)
    projection.full_clean()
    projection._history_user = actor
    projection.save()
    errors: dict[str, list] = {}
    for name, values in rows.items():
        model = ROW_MODELS[name]
        for old in getattr(projection, name).all():
            old._history_user = actor
            old.delete()
        for index, data in enumerate(values):
            row = model(projection=projection, **data)
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

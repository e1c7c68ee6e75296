"""Optimistic locking: two people editing the same object never overwrite each other silently.

Every editable model carries a ``version`` that each save through :func:`bump_version`
raises by one. A form sends the version it was rendered with, the API the ETag of the object
it read (``If-Match``); when the stored version has moved on, the save is refused.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionConflict(Exception):
    """The object was changed by someone else since it was read."""

    def __init__(self, obj, expected: int, current: int | None):
        super().__init__(f"{obj!r}: expected version {expected}, found {current}")
        self.obj = obj
        self.expected = expected
        self.current = current


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self._meta.label_lower}-{self.pk}-v{self.version}"'


def bump_version(obj: VersionedModel, expected: int | None) -> None:
    """Before saving ``obj``: lock its row, check it is still at ``expected`` (None: no check,
    e.g. an API client that sent no If-Match) and move it to the next version.

    Call inside the transaction that saves ``obj``.
    """
    if obj.pk is None:
        obj.version = 1
        return
    current = (
        type(obj)
        ._default_manager.select_for_update()
        .filter(pk=obj.pk)
        .values_list("version", flat=True)
        .first()
    )
    if expected is not None and current != expected:
        raise VersionConflict(obj, expected, current)
    obj.version = (current or 0) + 1


def parse_etag(value: str | None) -> int | None:
    """The version in an ETag / If-Match value as we send it ('"app.model-7-v3"' -> 3)."""
    if not value:
        return None
    value = value.strip().removeprefix("W/").strip('"')
    _prefix, _sep, version = value.rpartition("-v")
    return int(version) if version.isdigit() else -1

"""Writes of grant notices with their blocks (issue 15): one transaction, every rule checked
before anything is saved, the actor in the audit history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from funding.models import BuildingBlock, GrantNotice, GrantNoticeBlock
from kim_admin.versioning import bump_version

BLOCK_TWICE = _("Dieser Baustein ist im Bescheid schon aufgeführt.")
FTE_NEGATIVE = _("Die Stellenzahl darf nicht negativ sein.")
OTHER_PROGRAMME = _("Der Baustein gehört zu einem anderen Förderprogramm.")


@dataclass(frozen=True)
class BlockApproval:
    """What a client sends for one block of a notice."""

    block: BuildingBlock
    approved_fte: Decimal
    max_personnel_funding: Decimal | None = None


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


def notice_block_errors(notice: GrantNotice, blocks: Sequence[BlockApproval]) -> list[str]:
    """The rules of a notice's block list: each block once, of the notice's programme, no
    negative FTE (the page's formset places the same messages at its rows)."""
    messages = []
    numbers = [row.block.pk for row in blocks]
    if len(numbers) != len(set(numbers)):
        messages.append(BLOCK_TWICE)
    if notice.programme_id and any(r.block.programme_id != notice.programme_id for r in blocks):
        messages.append(OTHER_PROGRAMME)
    if any(r.approved_fte is not None and r.approved_fte < 0 for r in blocks):
        messages.append(FTE_NEGATIVE)
    return [str(m) for m in messages]


@transaction.atomic
def notice_save(
    *,
    notice: GrantNotice,
    actor,
    blocks: Sequence[BlockApproval] | None = None,
    expected_version: int | None = None,
) -> GrantNotice:
    """Create or update ``notice`` and, when ``blocks`` is given, replace its block list.

    A block that stays keeps its row (its history shows the change), a new one is added, a
    missing one removed. An amendment lists only the blocks it changes
    (``funding.rules.amended_blocks``). Nothing is saved when any rule fails."""
    bump_version(notice, expected_version)
    errors: dict[str, list] = {}
    try:
        notice.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if blocks is not None:
        blocks = list(blocks)
        messages = notice_block_errors(notice, blocks)
        if messages:
            errors.setdefault("blocks", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _with_actor(notice, actor).save()
    if blocks is None:
        return notice
    existing = {row.block_id: row for row in notice.blocks.all()}
    wanted = {row.block.pk: row for row in blocks}
    for block_id, row in existing.items():
        if block_id not in wanted:
            _with_actor(row, actor).delete()
    for block_id, approval in wanted.items():
        row = existing.get(block_id) or GrantNoticeBlock(notice=notice, block=approval.block)
        if (
            row.pk
            and row.approved_fte == approval.approved_fte
            and row.max_personnel_funding == approval.max_personnel_funding
        ):
            continue
        row.approved_fte = approval.approved_fte
        row.max_personnel_funding = approval.max_personnel_funding
        row.full_clean(exclude=["notice"], validate_unique=False)
        _with_actor(row, actor).save()
    return notice

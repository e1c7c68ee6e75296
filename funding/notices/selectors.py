"""Reads of grant notices in their versions (issue 15): the history of a notice, original →
amendments, with what each amendment changed per block. The version the engine uses:
``funding.selectors.notice_in_force``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q

from funding import calculations as calc
from funding import rules
from funding.choices import NoticeKind
from funding.models import GrantNotice, GrantNoticeBlock


@dataclass(frozen=True)
class BlockChange:
    """One block a version lists: the figures in force before it (None: the block was not
    in the notice yet) and after it."""

    block: str
    fte_before: Decimal | None
    fte_after: Decimal
    max_before: Decimal | None
    max_after: Decimal | None
    was_listed: bool

    @property
    def changed(self) -> bool:
        return not self.was_listed or (
            self.fte_before != self.fte_after or self.max_before != self.max_after
        )


@dataclass(frozen=True)
class HistoryEntry:
    version: GrantNotice
    changes: tuple[BlockChange, ...]
    blocks_in_force: tuple[calc.GrantBlock, ...]


@dataclass(frozen=True)
class NoticeHistory:
    """A notice standing on its own, its amendments in the order they take effect, and the
    notices it follows and that follow it."""

    notice: GrantNotice
    entries: tuple[HistoryEntry, ...]
    follow_ups: tuple[GrantNotice, ...]


def _grant_blocks(version: GrantNotice) -> tuple[calc.GrantBlock, ...]:
    return tuple(
        calc.GrantBlock(row.block.number, row.approved_fte, row.max_personnel_funding)
        for row in version.blocks.all()
    )


def notice_history(notice: GrantNotice) -> NoticeHistory:
    """The history of the notice ``notice`` belongs to (for an amendment: the notice it
    amends), in two queries however many amendments it has: each amendment replaces the
    blocks it lists (``rules.amended_blocks``), shown as before → after."""
    base_id = notice.amends_id if notice.kind == NoticeKind.AMENDMENT else notice.pk
    blocks = Prefetch("blocks", queryset=GrantNoticeBlock.objects.select_related("block"))
    versions = list(
        GrantNotice.objects.filter(Q(pk=base_id) | Q(amends_id=base_id))
        .select_related("recipient")
        .prefetch_related(blocks)
    )
    base = next(v for v in versions if v.pk == base_id)
    amendments = sorted(
        (v for v in versions if v.kind == NoticeKind.AMENDMENT and v.amends_id == base_id),
        key=lambda v: (v.takes_effect, v.issued_on, v.pk),
    )
    follow_ups = tuple(
        sorted(
            (v for v in versions if v.kind != NoticeKind.AMENDMENT and v.amends_id == base_id),
            key=lambda v: (v.period_start, v.issued_on, v.pk),
        )
    )
    names = {row.block.number: str(row.block) for v in versions for row in v.blocks.all()}
    entries = []
    in_force: tuple[calc.GrantBlock, ...] = ()
    for version in [base, *amendments]:
        listed = _grant_blocks(version)
        before = {g.block: g for g in in_force}
        changes = tuple(
            BlockChange(
                block=names[g.block],
                fte_before=before[g.block].approved_fte if g.block in before else None,
                fte_after=g.approved_fte,
                max_before=before[g.block].max_personnel_funding if g.block in before else None,
                max_after=g.max_personnel_funding,
                was_listed=g.block in before,
            )
            for g in sorted(listed, key=lambda g: g.block)
        )
        in_force = rules.amended_blocks(in_force, listed)
        entries.append(HistoryEntry(version, changes, in_force))
    return NoticeHistory(base, tuple(entries), follow_ups)

"""The database's side of an import: one snapshot of what the file refers to, in a fixed number
of queries however long the file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kim_admin.scoping import CHANGE
from staffing.imports.workbook import ParsedFile, pay_grade_key
from staffing.models import Occupancy, Position, PositionCost

# --- the database's side: one snapshot, a fixed number of queries ----------------------------


@dataclass
class ImportState:
    """What the import compares the file with; loaded by :func:`load_state`."""

    recipient: Any  # carriers.Organisation
    positions: dict[int, Position]  # the referenced positions in the user's change scope
    occupancies: dict[int, list[Occupancy]]
    costs: dict[int, dict[tuple[int, str], PositionCost]]
    organisations: dict[str, Any]  # casefolded slug or name -> Organisation
    blocks: dict[int, list]  # number -> BuildingBlocks
    pay_grades: dict[str, Any]  # pay_grade_key(code) -> PayGrade


def referenced_ids(parsed: ParsedFile) -> set[int]:
    ids = set()
    for sheet, key in (
        ("Stellen", "id"),
        ("Besetzungen", "position_id"),
        ("Kosten", "position_id"),
    ):
        for row in parsed.sheets.get(sheet, []):
            value = row.values.get(key)
            if isinstance(value, int):
                ids.add(value)
    return ids


def organisation_keys(parsed: ParsedFile) -> set[str]:
    return {
        row.values["employer"]
        for row in parsed.sheets.get("Stellen", [])
        if isinstance(row.values.get("employer"), str)
    }


def load_state(
    user, recipient, position_ids: Iterable[int], org_keys: Iterable[str]
) -> ImportState:
    """The recipient's real-plan positions with these ids that ``user`` may change, with their
    occupancy and costs, plus the organisations, blocks and pay grades to resolve names. Six
    queries, however many rows."""
    from carriers.models import Organisation
    from funding.models import BuildingBlock
    from staffing.models import PayGrade

    ids = sorted({i for i in position_ids if 0 < i < 2**63})
    positions = {}
    if ids:
        positions = {
            p.pk: p
            for p in Position.objects.restrict(user, CHANGE)
            .filter(recipient=recipient, scenario__isnull=True, pk__in=ids)
            .select_related("block", "employer", "pay_grade", "recipient")
        }
    occupancies: dict[int, list[Occupancy]] = defaultdict(list)
    costs: dict[int, dict[tuple[int, str], PositionCost]] = defaultdict(dict)
    if positions:
        for occupancy in Occupancy.objects.filter(position_id__in=positions).order_by(
            "position_id", "start", "pk"
        ):
            occupancies[occupancy.position_id].append(occupancy)
        for cost in PositionCost.objects.filter(position_id__in=positions).order_by("pk"):
            costs[cost.position_id][(cost.year, cost.status)] = cost
    keys = {k.strip() for k in org_keys if k and k.strip()}
    organisations: dict[str, Any] = {}
    for position in positions.values():
        organisations.setdefault(position.employer.slug.casefold(), position.employer)
    if keys:
        from django.db.models import Q

        query = Q(slug__in={k.casefold() for k in keys} | keys) | Q(name__in=keys)
        # Only the recipient's circle: another county's town or carrier is "unknown".
        for organisation in Organisation.objects.of_recipient(recipient.pk).filter(query):
            organisations[organisation.slug.casefold()] = organisation
            organisations.setdefault(organisation.name.casefold(), organisation)
    blocks: dict[int, list] = defaultdict(list)
    for block in BuildingBlock.objects.select_related("programme").order_by("programme", "number"):
        blocks[block.number].append(block)
    pay_grades = {pay_grade_key(g.code): g for g in PayGrade.objects.all()}
    return ImportState(
        recipient=recipient,
        positions=positions,
        occupancies=dict(occupancies),
        costs=dict(costs),
        organisations=organisations,
        blocks=dict(blocks),
        pay_grades=pay_grades,
    )

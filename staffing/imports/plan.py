"""What the file would change (pure, no queries): references resolved, every model's own field
rules and the rules across rows checked, and the changes against the stored rows."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kim_admin.formatting import de_date, de_fte, de_money
from staffing import rules
from staffing.imports.columns import (
    COSTS,
    DATE,
    KIND_LABELS,
    OCCUPANCIES,
    POSITION_FK_FIELDS,
    POSITIONS,
    STATUS_LABELS,
    TEXT,
    SheetSpec,
)
from staffing.imports.problems import Problem
from staffing.imports.state import ImportState
from staffing.imports.workbook import MISSING, ParsedFile, Row, normalise, pay_grade_key
from staffing.models import Occupancy, Position, PositionCost

# --- the plan: what the file would change (pure) ---------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class OccupancyRow:
    row: int | None  # None: a stored occupancy the file does not list
    start: date
    end: date | None
    fte: Decimal
    note: str

    @property
    def key(self):
        return (self.start, self.end, Decimal(self.fte).normalize(), self.note)

    def describe(self) -> str:
        end = de_date(self.end) if self.end else _("offen")
        return f"{de_date(self.start)} – {end}: {de_fte(self.fte)} VZ"


@dataclass
class OccupancyDiff:
    added: list[OccupancyRow] = field(default_factory=list)
    changed: list[tuple[Occupancy, OccupancyRow]] = field(default_factory=list)
    removed: list[Occupancy] = field(default_factory=list)
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class CostImport:
    row: int
    position: PositionImport
    year: int
    status: str
    values: dict[str, Any]  # model fields -> new values
    existing: PositionCost | None
    changes: list[Change] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def needs_write(self) -> bool:
        return self.is_new or bool(self.changes)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def shown(self) -> list[tuple[str, str]]:
        """A new row's figures, as users read them (for the preview)."""
        return [
            (_cost_label(name), display(name, value))
            for name, value in self.values.items()
            if value not in (None, "")
        ]


@dataclass
class PositionImport:
    row: int | None  # the Stellen row; None when the position is only referenced
    existing: Position | None
    values: dict[str, Any] = field(default_factory=dict)  # model attribute -> new value
    changes: list[Change] = field(default_factory=list)
    occupancies: list[OccupancyRow] | None = None  # the file's rows (None: not listed)
    occupancy_diff: OccupancyDiff = field(default_factory=OccupancyDiff)
    costs: list[CostImport] = field(default_factory=list)
    valid: bool = True  # the position's own row is without problems

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def pk(self) -> int | None:
        return self.existing.pk if self.existing else None

    def value(self, name: str):
        """The value after the import: the file's, else the stored one."""
        if name in self.values:
            return self.values[name]
        return getattr(self.existing, name) if self.existing else None

    @property
    def title(self) -> str:
        return self.value("title") or ""

    @property
    def label(self) -> str:
        if self.existing:
            return f"#{self.existing.pk} {self.title}"
        return _("%(title)s (neu)") % {"title": self.title}

    @property
    def needs_write(self) -> bool:
        return self.is_new or bool(self.changes) or self.occupancy_diff.any

    @property
    def shown(self) -> dict[str, str]:
        """The main fields after the import, as users read them (for the preview)."""
        return {
            name: display(name, self.value(name))
            for name in ("block", "funding_kind", "fte", "employer", "planned_start", "end_date")
        }


@dataclass
class ImportPlan:
    positions: list[PositionImport]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    # What the preview shows.
    @property
    def new_positions(self):
        return [p for p in self.positions if p.is_new]

    @property
    def changed_positions(self):
        return [p for p in self.positions if not p.is_new and p.changes]

    @property
    def unchanged_positions(self) -> int:
        return sum(1 for p in self.positions if p.row and not p.is_new and not p.changes)

    @property
    def costs(self) -> list[CostImport]:
        return [c for p in self.positions for c in p.costs]

    def counts(self) -> dict[str, int]:
        occupancy = [p.occupancy_diff for p in self.positions]
        costs = self.costs
        return {
            "positions_new": len(self.new_positions),
            "positions_changed": len(self.changed_positions),
            "positions_unchanged": self.unchanged_positions,
            "occupancies_added": sum(len(d.added) for d in occupancy),
            "occupancies_changed": sum(len(d.changed) for d in occupancy),
            "occupancies_removed": sum(len(d.removed) for d in occupancy),
            "occupancies_unchanged": sum(d.unchanged for d in occupancy),
            "costs_added": sum(1 for c in costs if c.is_new),
            "costs_changed": sum(1 for c in costs if not c.is_new and c.changes),
            "costs_unchanged": sum(1 for c in costs if not c.needs_write),
        }

    @property
    def has_changes(self) -> bool:
        return any(p.needs_write for p in self.positions) or any(c.needs_write for c in self.costs)

    def signature(self) -> str:
        """A digest of every change with its old and new values: the preview stores it, the
        apply recomputes it; a difference means the data moved in between."""
        items = []
        for plan in self.positions:
            items.append(
                [
                    "P",
                    plan.pk,
                    plan.row,
                    sorted((k, _plain(v)) for k, v in plan.values.items()),
                    [(c.label, c.old, c.new) for c in plan.changes],
                    None
                    if plan.occupancies is None
                    else [[_plain(x) for x in o.key] for o in plan.occupancies],
                    [[o.pk, o.version] for o in plan.occupancy_diff.removed],
                    [[o.pk, o.version] for o, _new in plan.occupancy_diff.changed],
                ]
            )
            for cost in plan.costs:
                items.append(
                    [
                        "C",
                        cost.row,
                        cost.existing.pk if cost.existing else None,
                        sorted((k, _plain(v)) for k, v in cost.values.items()),
                        [(c.label, c.old, c.new) for c in cost.changes],
                    ]
                )
        return hashlib.sha256(json.dumps(items, default=str).encode()).hexdigest()


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, date):
        return value.isoformat()
    return value


POSITION_LABELS = {c.field: c.header for c in POSITIONS.columns}
COST_FIELDS = ("employer_gross", "material", "overhead_rate", "overhead_amount", "one_off", "note")
COST_DEFAULTS = {"material": Decimal("0"), "one_off": Decimal("0"), "note": ""}


def display(name: str, value) -> str:
    """A field's value as users read it."""
    if value is None or value == "":
        return "–"
    if name == "block":
        return f"Baustein {value.number}"
    if name == "funding_kind":
        return KIND_LABELS.get(value, value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    if name in ("employer", "pay_grade"):
        return str(value)
    if name in ("fte",):
        return f"{de_fte(value)} VZ"
    if name == "overhead_rate":
        return f"{de_fte(value)} %"
    if isinstance(value, Decimal):
        return de_money(value)
    if isinstance(value, date):
        return de_date(value)
    return str(value)


def _same(old, new) -> bool:
    if hasattr(old, "pk") or hasattr(new, "pk"):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is None and new is None
        return Decimal(old) == Decimal(new)
    return (old or "") == (new or "") if isinstance(old or new, str) else old == new


class _Report:
    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def add(self, sheet: SheetSpec, row: int | None, field_name: str | None, message: str):
        column = sheet.column(field_name) if field_name else None
        self.problems.append(
            Problem(sheet.name, row, column.header if column else None, str(message))
        )

    def validation_error(self, sheet: SheetSpec, row: int, error: ValidationError, known=()):
        for field_name, messages in error.message_dict.items():
            for message in messages:
                name = field_name if field_name in known else None
                self.add(sheet, row, name, message)


def build_plan(parsed: ParsedFile, state: ImportState) -> ImportPlan:
    """Resolve, validate and diff the parsed file against ``state``. No queries."""
    problems = list(parsed.problems)
    report = _Report(problems)
    plans: list[PositionImport] = []
    by_id: dict[int, PositionImport] = {}
    new_by_title: dict[str, list[PositionImport]] = defaultdict(list)

    # Stellen ---------------------------------------------------------------------------------
    seen_ids: dict[int, int] = {}
    for row in parsed.sheets.get(POSITIONS.name, []):
        pk = row.value("id")
        existing = None
        if isinstance(pk, int):
            if pk in seen_ids:
                report.add(
                    POSITIONS,
                    row.number,
                    "id",
                    _("Die Stelle %(id)s steht schon in Zeile %(row)s dieser Tabelle.")
                    % {"id": pk, "row": seen_ids[pk]},
                )
                continue
            seen_ids[pk] = row.number
            existing = state.positions.get(pk)
            if existing is None:
                report.add(POSITIONS, row.number, "id", _unknown_position(pk))
                continue
        elif "id" in row.bad:
            continue
        plan = PositionImport(row=row.number, existing=existing)
        plan.valid = _position_values(plan, row, state, report)
        plans.append(plan)
        if existing:
            by_id[existing.pk] = plan
        elif plan.title:
            new_by_title[normalise(plan.title)].append(plan)

    def resolve(sheet: SheetSpec, row: Row) -> PositionImport | None:
        pk = row.value("position_id")
        title = row.value("position_title")
        if "position_id" in row.bad:
            return None
        if isinstance(pk, int):
            plan = by_id.get(pk)
            if plan is None:
                existing = state.positions.get(pk)
                if existing is None:
                    report.add(sheet, row.number, "position_id", _unknown_position(pk))
                    return None
                plan = PositionImport(row=None, existing=existing)
                by_id[pk] = plan
                plans.append(plan)
            if title and normalise(title) not in {
                normalise(plan.existing.title),
                normalise(plan.title),
            }:
                report.add(
                    sheet,
                    row.number,
                    "position_title",
                    _(
                        "Die Stellen-ID %(id)s gehört zur Stelle „%(actual)s“, nicht zu "
                        "„%(given)s“. Bitte ID und Bezeichnung prüfen."
                    )
                    % {"id": pk, "actual": plan.title, "given": title},
                )
                return None
            return plan
        if title:
            matches = new_by_title.get(normalise(title), [])
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                report.add(
                    sheet,
                    row.number,
                    "position_title",
                    _(
                        "Mehrere neue Stellen heißen „%(title)s“ (Tabelle Stellen, Zeilen "
                        "%(rows)s). Bitte die Bezeichnungen eindeutig machen."
                    )
                    % {"title": title, "rows": ", ".join(str(m.row) for m in matches)},
                )
                return None
            report.add(
                sheet,
                row.number,
                "position_title",
                _(
                    "In der Tabelle Stellen gibt es keine neue Stelle (ohne ID) mit der "
                    "Bezeichnung „%(title)s“. Für bestehende Stellen bitte die Stellen-ID "
                    "angeben."
                )
                % {"title": title},
            )
            return None
        report.add(
            sheet,
            row.number,
            "position_id",
            _("Bitte die Stellen-ID angeben (bei einer neuen Stelle ihre Bezeichnung)."),
        )
        return None

    # Besetzungen ----------------------------------------------------------------------------
    occupancy_present = parsed.present.get(OCCUPANCIES.name, set())
    listed: dict[int, list[OccupancyRow]] = defaultdict(list)  # id(plan) -> rows
    owners: dict[int, PositionImport] = {}
    for row in parsed.sheets.get(OCCUPANCIES.name, []):
        plan = resolve(OCCUPANCIES, row)
        occupancy = _occupancy_row(row, report)
        if plan is None:
            continue
        owners[id(plan)] = plan
        listed[id(plan)].append(occupancy)  # None marks a bad row: the set is incomplete
    for key, rows in listed.items():
        plan = owners[key]
        if any(r is None for r in rows):
            plan.valid = False
            continue
        plan.occupancies = rows
        if "note" not in occupancy_present and plan.existing:
            # No Anmerkung column: keep the notes of the stored periods (matched by start).
            notes = {o.start: o.note for o in state.occupancies.get(plan.pk, [])}
            for occupancy in rows:
                occupancy.note = notes.get(occupancy.start, "")

    # Kosten -------------------------------------------------------------------------------
    cost_rows: dict[tuple[int, int, str], int] = {}
    for row in parsed.sheets.get(COSTS.name, []):
        plan = resolve(COSTS, row)
        values = _cost_values(row, report)
        if plan is None or values is None:
            continue
        key = (id(plan), values["year"], values["status"])
        if key in cost_rows:
            report.add(
                COSTS,
                row.number,
                "status",
                _(
                    "Für diese Stelle, dieses Jahr und diesen Stand gibt es schon Zeile "
                    "%(row)s in dieser Tabelle."
                )
                % {"row": cost_rows[key]},
            )
            continue
        cost_rows[key] = row.number
        existing = state.costs.get(plan.pk, {}).get((values["year"], values["status"]))
        cost = CostImport(
            row=row.number,
            position=plan,
            year=values.pop("year"),
            status=values.pop("status"),
            values=values,
            existing=existing,
        )
        if not _cost_model_check(cost, row, report):
            continue
        if existing:
            cost.changes = [
                Change(_cost_label(name), display(name, getattr(existing, name)), display(name, v))
                for name, v in values.items()
                if not _same(getattr(existing, name), v)
            ]
        plan.costs.append(cost)

    # Rules across rows ----------------------------------------------------------------------
    for plan in plans:
        _cross_row_rules(plan, state, report)
        _diff_occupancies(plan, state)

    problems.sort(key=Problem.sort_key)
    return ImportPlan(positions=plans, problems=problems)


def _unknown_position(pk: int) -> str:
    # The same words whether the id exists elsewhere or not: nothing leaks.
    return _(
        "Unbekannte Stelle: Die ID %(id)s gehört zu keiner Stelle in Ihrem Stellenplan. "
        "Für eine neue Stelle die ID leer lassen."
    ) % {"id": pk}


def _cost_label(name: str) -> str:
    column = COSTS.column(name)
    return column.header if column else name


def _position_values(plan: PositionImport, row: Row, state: ImportState, report: _Report) -> bool:
    """Fill ``plan.values`` and ``plan.changes`` from the row; False when the row has problems."""
    ok = not (row.bad - {"id"})
    values = {}
    for column in POSITIONS.columns:
        name = column.field
        if name == "id" or name in row.bad:
            continue
        value = row.values.get(name, MISSING)
        if value is MISSING:
            if plan.is_new and column.required:
                report.add(
                    POSITIONS,
                    row.number,
                    name,
                    _("Pflichtangabe für neue Stellen – die Spalte fehlt in der Tabelle."),
                )
                ok = False
            continue
        if value is None:
            if column.required:
                report.add(POSITIONS, row.number, name, _("Pflichtangabe: bitte ausfüllen."))
                ok = False
                continue
            values[name] = None if name in POSITION_FK_FIELDS or column.kind == DATE else ""
            continue
        if name == "block":
            blocks = state.blocks.get(value, [])
            if len(blocks) != 1:
                report.add(
                    POSITIONS,
                    row.number,
                    name,
                    _("Den Baustein %(n)s gibt es nicht. Erlaubt sind: %(allowed)s.")
                    % {"n": value, "allowed": ", ".join(str(n) for n in sorted(state.blocks))}
                    if not blocks
                    else _("Baustein %(n)s ist nicht eindeutig (mehrere Förderprogramme).")
                    % {"n": value},
                )
                ok = False
                continue
            value = blocks[0]
        elif name == "employer":
            organisation = state.organisations.get(value.casefold())
            if organisation is None:
                report.add(
                    POSITIONS,
                    row.number,
                    name,
                    _(
                        "Unbekannter Anstellungsträger „%(v)s“. Bitte das Kürzel einer "
                        "Organisation angeben, z. B. %(example)s."
                    )
                    % {"v": value, "example": state.recipient.slug},
                )
                ok = False
                continue
            value = organisation
        elif name == "pay_grade":
            grade = state.pay_grades.get(pay_grade_key(value))
            if grade is None:
                report.add(
                    POSITIONS,
                    row.number,
                    name,
                    _("Unbekannte Entgeltgruppe „%(v)s“. Bekannt sind: %(known)s.")
                    % {
                        "v": value,
                        "known": ", ".join(sorted(g.code for g in state.pay_grades.values())),
                    },
                )
                ok = False
                continue
            value = grade
        values[name] = value

    # The model's own rules, without its database lookups: a fresh, unsaved instance (no
    # pk: Position.clean() would query the stored occupancy, which _cross_row_rules checks).
    candidate = Position(recipient=state.recipient, scenario=None)
    if plan.existing:
        for model_field in Position._meta.concrete_fields:
            if not model_field.primary_key:
                setattr(candidate, model_field.attname, getattr(plan.existing, model_field.attname))
        for name in POSITION_FK_FIELDS:
            setattr(candidate, name, getattr(plan.existing, name))
        candidate.recipient = state.recipient
    for name, value in values.items():
        setattr(candidate, name, value)
    # Relations are resolved above; fields the row could not give are reported already.
    skip = {f.name for f in Position._meta.concrete_fields if f.is_relation} | row.bad
    if plan.existing:
        skip |= {c.field for c in POSITIONS.columns if c.field not in values}
    else:
        skip |= {c.field for c in POSITIONS.columns if c.required and c.field not in values}
    skip.discard("id")
    try:
        candidate.full_clean(
            exclude=sorted(skip), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        report.validation_error(POSITIONS, row.number, error, POSITION_LABELS)
        ok = False
        values = {k: v for k, v in values.items() if k not in error.message_dict}
    plan.values = values
    if plan.existing:
        plan.changes = [
            Change(
                POSITION_LABELS[name],
                display(name, getattr(plan.existing, name)),
                display(name, value),
            )
            for name, value in plan.values.items()
            if not _same(getattr(plan.existing, name), value)
        ]
    return ok


def _occupancy_row(row: Row, report: _Report) -> OccupancyRow | None:
    ok = not (row.bad - {"position_id", "position_title"})
    values = {}
    for column in OCCUPANCIES.columns:
        name = column.field
        if name in ("position_id", "position_title") or name in row.bad:
            continue
        value = row.values.get(name, MISSING)
        if value is MISSING:
            value = None
        if value is None and column.required:
            report.add(OCCUPANCIES, row.number, name, _("Pflichtangabe: bitte ausfüllen."))
            ok = False
            continue
        values[name] = value if value is not None or column.kind != TEXT else ""
    candidate = Occupancy(**{k: v for k, v in values.items()})
    skip = ["position"] + [c.field for c in OCCUPANCIES.columns if c.field not in values]
    try:
        candidate.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        report.validation_error(
            OCCUPANCIES, row.number, error, {c.field for c in OCCUPANCIES.columns}
        )
        ok = False
    if not ok:
        return None
    return OccupancyRow(
        row=row.number,
        start=values["start"],
        end=values.get("end"),
        fte=values["fte"],
        note=values.get("note", "") or "",
    )


def _cost_values(row: Row, report: _Report) -> dict | None:
    ok = not (row.bad - {"position_id", "position_title"})
    values = {}
    for column in COSTS.columns:
        name = column.field
        if name in ("position_id", "position_title") or name in row.bad:
            continue
        value = row.values.get(name, MISSING)
        if value is MISSING:
            # The column is missing: the field stays as it is (a required one is reported
            # once, on the header row).
            ok = ok and not column.required
            continue
        if value is None:
            if column.required:
                report.add(COSTS, row.number, name, _("Pflichtangabe: bitte ausfüllen."))
                ok = False
                continue
            value = COST_DEFAULTS.get(name)
        values[name] = value
    return values if ok else None


def _cost_model_check(cost: CostImport, row: Row, report: _Report) -> bool:
    candidate = PositionCost(year=cost.year, status=cost.status)
    source = cost.existing
    for name in COST_FIELDS:
        if name in cost.values:
            value = cost.values[name]
        elif source is not None:
            value = getattr(source, name)
        else:
            value = COST_DEFAULTS.get(name)
        setattr(candidate, name, value)
    try:
        candidate.full_clean(
            exclude=["position"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        report.validation_error(COSTS, row.number, error, {c.field for c in COSTS.columns})
        return False
    return True


def _cross_row_rules(plan: PositionImport, state: ImportState, report: _Report) -> None:
    """Occupancy within the position's period and never above its FTE, with the file's
    occupancy where it lists the position's, else the stored one."""
    if not plan.valid:
        return
    fte = plan.value("fte")
    start = plan.value("planned_start")
    end_date = plan.value("end_date")
    if fte is None or start is None or not (0 < fte <= 1):
        return
    if plan.occupancies is not None:
        periods = plan.occupancies
        for occupancy in periods:
            outside = rules.occupancy_outside_position_errors(
                start, end_date, occupancy.start, occupancy.end
            )
            for field, message in outside.items():
                report.add(OCCUPANCIES, occupancy.row, field, message)
        message = rules.occupancy_above_fte_error(fte, [(o.start, o.end, o.fte) for o in periods])
        if message:
            for occupancy in _rows_above(fte, periods):
                report.add(OCCUPANCIES, occupancy.row, "fte", message)
        return
    if plan.existing is None or plan.row is None:
        return
    stored = state.occupancies.get(plan.pk, [])
    hint = _(" Bitte die Besetzungen der Stelle in der Tabelle Besetzungen mit anpassen.")
    if "planned_start" in plan.values and any(o.start < start for o in stored):
        first = min(o.start for o in stored)
        report.add(
            POSITIONS,
            plan.row,
            "planned_start",
            _("Die bestehende Besetzung ab %(b)s beginnt vor dem Beginn der Stelle (%(d)s).")
            % {"b": de_date(first), "d": de_date(start)}
            + hint,
        )
    if (
        "end_date" in plan.values
        and end_date
        and any(o.end is None or o.end > end_date for o in stored)
    ):
        report.add(
            POSITIONS,
            plan.row,
            "end_date",
            _("Eine bestehende Besetzung reicht über das Ende der Stelle (%(d)s) hinaus.")
            % {"d": de_date(end_date)}
            + hint,
        )
    if "fte" in plan.values:
        message = rules.occupancy_above_fte_error(fte, [(o.start, o.end, o.fte) for o in stored])
        if message:
            report.add(POSITIONS, plan.row, "fte", message + hint)


def _rows_above(fte: Decimal, periods: list[OccupancyRow]) -> list[OccupancyRow]:
    """The periods that take part in an overlap above the FTE (each overlap's rows)."""
    days = sorted(
        {p.start for p in periods} | {p.end + timedelta(days=1) for p in periods if p.end}
    )
    involved = []
    for day in days:
        active = [p for p in periods if p.start <= day and (p.end is None or p.end >= day)]
        if sum((p.fte for p in active), Decimal("0")) > fte:
            involved += [p for p in active if p not in involved]
    return sorted(involved, key=lambda p: p.row or 0)


def _diff_occupancies(plan: PositionImport, state: ImportState) -> None:
    diff = OccupancyDiff()
    if plan.occupancies is None:
        plan.occupancy_diff = diff
        return
    stored = list(state.occupancies.get(plan.pk, [])) if plan.existing else []
    new = list(plan.occupancies)
    stored_keys = [(o.start, o.end, Decimal(o.fte).normalize(), o.note) for o in stored]
    remaining_new = []
    for occupancy in new:
        if occupancy.key in stored_keys:
            index = stored_keys.index(occupancy.key)
            stored_keys.pop(index)
            stored.pop(index)
            diff.unchanged += 1
        else:
            remaining_new.append(occupancy)
    for occupancy in remaining_new:
        match = next((o for o in stored if o.start == occupancy.start), None)
        if match is not None:
            stored.remove(match)
            diff.changed.append((match, occupancy))
        else:
            diff.added.append(occupancy)
    diff.removed = stored
    plan.occupancy_diff = diff


def describe_occupancy(occupancy: Occupancy) -> str:
    end = de_date(occupancy.end) if occupancy.end else _("offen")
    return f"{de_date(occupancy.start)} – {end}: {de_fte(occupancy.fte)} VZ"

"""Reading the workbook (pure): the bytes must be an XLSX workbook (checked by content, not by
name); its cells become typed values, German text or numeric cells alike."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kim_admin.files import MAX_UNPACKED_BYTES, XLSX_MAIN_TYPE
from kim_admin.formatting import de_date, de_number
from staffing.imports.columns import (
    BLOCK,
    DATE,
    DECIMAL,
    ID,
    KIND,
    KIND_LABELS,
    PERCENT,
    SHEETS,
    STATUS,
    STATUS_LABELS,
    TEXT,
    YEAR,
    Column,
    SheetSpec,
)
from staffing.imports.problems import NotAnXlsx, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000

# --- reading the workbook (pure) --------------------------------------------------------------


class _Missing:
    """A column the sheet does not have (as opposed to an empty cell)."""

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


@dataclass
class Row:
    number: int
    values: dict[str, Any]  # field -> typed value, None (empty) or MISSING (no such column)
    bad: set[str] = field(default_factory=set)  # fields whose cell could not be read

    def has(self, name: str) -> bool:
        return self.values.get(name, MISSING) is not MISSING

    def value(self, name: str):
        """The cell's value; None for an empty cell or a missing column."""
        value = self.values.get(name)
        return None if value is MISSING else value


@dataclass
class ParsedFile:
    sheets: dict[str, list[Row]]  # only the sheets the file has
    present: dict[str, set[str]]  # sheet -> fields whose column the sheet has
    problems: list[Problem]


def check_xlsx(data: bytes) -> None:
    """Raise :class:`NotAnXlsx` unless ``data`` is an XLSX workbook of sensible size."""
    if len(data) > MAX_FILE_BYTES:
        raise NotAnXlsx(
            _("Die Datei ist größer als %(mb)s MB. Bitte teilen Sie sie auf.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    not_xlsx = _(
        "Die Datei ist keine Excel-Arbeitsmappe (.xlsx). Bitte speichern Sie sie in Excel oder "
        "LibreOffice mit „Speichern unter“ als „Excel-Arbeitsmappe (*.xlsx)“ und laden Sie sie "
        "erneut hoch – am einfachsten ausgehend von der Vorlage."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise NotAnXlsx(_("Die Datei ist entpackt zu groß, um sie einzulesen."))
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise NotAnXlsx(not_xlsx) from error
    if XLSX_MAIN_TYPE not in content_types:
        raise NotAnXlsx(not_xlsx)


def read_workbook(data: bytes) -> ParsedFile:
    """Read the three sheets into typed rows. Raises :class:`NotAnXlsx` for a file that is no
    XLSX workbook; everything else wrong is a problem in the result."""
    from openpyxl import load_workbook

    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise NotAnXlsx(
            _(
                "Die Datei konnte nicht als Excel-Arbeitsmappe gelesen werden. Bitte öffnen Sie "
                "sie in Excel oder LibreOffice und speichern Sie sie erneut als .xlsx."
            )
        ) from error
    try:
        by_name = {name.strip().casefold(): name for name in workbook.sheetnames}
        parsed = ParsedFile(sheets={}, present={}, problems=[])
        for spec in SHEETS:
            name = by_name.get(spec.name.casefold())
            if name is None:
                continue
            sheet = workbook[name]
            sheet.reset_dimensions()  # some writers store wrong dimensions
            _read_sheet(spec, sheet.iter_rows(), parsed)
        if not parsed.sheets and not parsed.problems:
            parsed.problems.append(
                Problem(
                    None,
                    None,
                    None,
                    _(
                        "Die Datei enthält keine der Tabellen „Stellen“, „Besetzungen“ oder "
                        "„Kosten“. Bitte verwenden Sie die Vorlage (Tabellenblätter: %(names)s)."
                    )
                    % {"names": ", ".join(s.name for s in SHEETS)},
                )
            )
        return parsed
    finally:
        workbook.close()


def normalise(text: str) -> str:
    text = str(text).replace("\u00a0", " ").replace("(", " ").replace(")", " ").casefold()
    return " ".join(text.split())


def _read_sheet(spec: SheetSpec, rows: Iterable, parsed: ParsedFile) -> None:
    problems = parsed.problems
    accepted = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            accepted.setdefault(normalise(name), column)
    rows = iter(rows)
    header_cells = next(rows, ())
    columns: dict[int, Column] = {}
    for index, cell in enumerate(header_cells):
        text = cell.value
        if text is None or str(text).strip() == "":
            continue
        column = accepted.get(normalise(text))
        if column is None:
            problems.append(
                Problem(
                    spec.name,
                    1,
                    str(text).strip(),
                    _("Unbekannte Spalte. Erlaubt sind: %(headers)s.")
                    % {"headers": ", ".join(c.header for c in spec.columns)},
                )
            )
        elif column in columns.values():
            problems.append(
                Problem(spec.name, 1, column.header, _("Diese Spalte gibt es zweimal."))
            )
        else:
            columns[index] = column
    if not columns and not any(_is_filled(c.value) for c in header_cells):
        rows = list(rows)
        if not any(_is_filled(c.value) for cells in rows for c in cells):
            # An empty sheet: nothing to import from it.
            parsed.present[spec.name] = set()
            parsed.sheets[spec.name] = []
            return
    for column in spec.columns:
        if column.header_required and column not in columns.values():
            problems.append(
                Problem(
                    spec.name,
                    1,
                    column.header,
                    _("Die Spalte fehlt. Bitte die Kopfzeile der Vorlage verwenden."),
                )
            )
    parsed.present[spec.name] = {c.field for c in columns.values()}
    result: list[Row] = []
    for number, cells in enumerate(rows, start=2):
        if not any(_is_filled(c.value) for c in cells):
            continue
        if number > MAX_ROWS:
            problems.append(
                Problem(
                    spec.name,
                    number,
                    None,
                    _("Die Tabelle hat mehr als %(max)s Zeilen; bitte teilen Sie die Datei auf.")
                    % {"max": de_number(MAX_ROWS, 0)},
                )
            )
            break
        row = Row(number, {c.field: MISSING for c in spec.columns})
        for index, column in columns.items():
            cell = cells[index] if index < len(cells) else None
            value = cell.value if cell is not None else None
            number_format = getattr(cell, "number_format", None) or ""
            try:
                row.values[column.field] = parse_cell(column, value, number_format)
            except ValueError as error:
                row.values[column.field] = None
                row.bad.add(column.field)
                problems.append(Problem(spec.name, number, column.header, str(error)))
        result.append(row)
    parsed.sheets[spec.name] = result


def _is_filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


# --- cells (pure) -----------------------------------------------------------------------------

_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d*(,\d+)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_BLOCK = re.compile(r"^(?:baustein\s*)?(\d+)(?:\s*[:\-–].*)?$", re.IGNORECASE)
# Serial day numbers Excel uses for dates between 1990 and 2100.
_SERIAL_RANGE = (32874, 73415)


def parse_cell(column: Column, value, number_format: str = ""):
    """A cell's value as the column's type; None for an empty cell. Raises ValueError with a
    German message for a value that cannot be read."""
    if isinstance(value, str):
        value = value.replace("\u00a0", " ").strip()
        if value == "":
            return None
    if value is None:
        return None
    kind = column.kind
    if kind == TEXT:
        return _text(value)
    if kind == ID:
        return _integer(value, _("„%(v)s“ ist keine Stellen-ID. Die ID ist eine ganze Zahl."))
    if kind in (DECIMAL, PERCENT):
        return _decimal(column, value, number_format)
    if kind == DATE:
        return parse_date(value)
    if kind == YEAR:
        return _integer(
            value, _("„%(v)s“ ist kein Jahr. Bitte eine Jahreszahl angeben, z. B. 2024.")
        )
    if kind == BLOCK:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _integer(value, _("„%(v)s“ ist kein Baustein. Erlaubt sind 1, 2 und 3."))
        match = _BLOCK.match(str(value))
        if not match:
            raise ValueError(
                _("„%(v)s“ ist kein Baustein. Erlaubt sind 1, 2 und 3.") % {"v": value}
            )
        return int(match.group(1))
    if kind == KIND:
        return _choice(value, KIND_LABELS, _("Förderart"))
    if kind == STATUS:
        return _choice(value, STATUS_LABELS, _("Stand"))
    # ORGANISATION, PAY_GRADE: resolved against the database later.
    return _text(value)


def _text(value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return de_date(value.date())
    if isinstance(value, date):
        return de_date(value)
    return str(value).strip()


def _integer(value, message: str) -> int:
    if isinstance(value, bool):
        raise ValueError(message % {"v": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(message % {"v": de_number(Decimal(repr(value)), 2)})
    text = str(value).strip().lstrip("#")
    if text.isdigit():
        return int(text)
    raise ValueError(message % {"v": value})


def parse_decimal_text(text: str) -> Decimal:
    """German number text: '57.000,00', '0,5', '1', '20 %', '57 000,00 €'. Raises ValueError.

    A dot alone is read as the German thousands separator ('57.000' = 57000), so '0.5' is
    refused rather than silently read as five."""
    compact = text.replace("€", "").replace("%", "").replace(" ", "").strip()
    if _GROUPED.match(compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif _PLAIN.match(compact) and any(ch.isdigit() for ch in compact):
        compact = compact.replace(",", ".")
    else:
        raise ValueError(text)
    try:
        return Decimal(compact)
    except InvalidOperation as error:
        raise ValueError(text) from error


def _decimal(column: Column, value, number_format: str) -> Decimal:
    example = column.example or "57.000,00"
    if isinstance(value, bool | date | datetime):
        raise ValueError(
            _("„%(v)s“ ist keine Zahl. Bitte z. B. %(example)s eingeben.")
            % {"v": _text(value), "example": example}
        )
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if column.kind == PERCENT and "%" in number_format:
            number *= 100  # a cell formatted as percent stores 20 % as 0.2
        # Binary floats: 0.1 + 0.2 is 0.30000000000000004; round what is only float noise.
        rounded = round(number, column.places)
        if abs(rounded - number) < Decimal("1e-9"):
            number = rounded
        return number
    try:
        return parse_decimal_text(str(value))
    except ValueError:
        hint = (
            _(" Ein Punkt trennt Tausender, Nachkommastellen nach einem Komma: %(example)s.")
            % {"example": example}
            if "." in str(value)
            else ""
        )
        raise ValueError(
            _("„%(v)s“ ist keine Zahl. Bitte z. B. %(example)s eingeben.%(hint)s")
            % {"v": value, "example": example, "hint": hint}
        ) from None


def parse_date(value) -> date:
    """A date cell, an Excel day number or German text '01.07.2023' (also ISO '2023-07-01')."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1] and float(value).is_integer():
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(
            _("„%(v)s“ ist kein Datum. Bitte als TT.MM.JJJJ eingeben, z. B. 01.07.2023.")
            % {"v": _text(value)}
        )
    text = str(value).strip()
    match = _GERMAN_DATE.match(text)
    parts = None
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise ValueError(
                _("„%(v)s“: Bitte das Jahr vierstellig angeben, z. B. 01.07.2023.") % {"v": text}
            )
        parts = (year, month, day)
    elif match := _ISO_DATE.match(text):
        parts = tuple(int(g) for g in match.groups())
    if parts is None:
        raise ValueError(
            _("„%(v)s“ ist kein Datum. Bitte als TT.MM.JJJJ eingeben, z. B. 01.07.2023.")
            % {"v": text}
        )
    try:
        return date(*parts)
    except ValueError:
        raise ValueError(
            _("„%(v)s“ ist kein gültiges Datum (diesen Tag gibt es nicht).") % {"v": text}
        ) from None


def _choice(value, labels: dict[str, str], what: str) -> str:
    wanted = normalise(str(value))
    for code, label in labels.items():
        if wanted in (normalise(code), normalise(label)):
            return code
    raise ValueError(
        _("„%(v)s“ ist keine gültige Angabe für %(what)s. Erlaubt: %(allowed)s.")
        % {"v": value, "what": what, "allowed": ", ".join(labels.values())}
    )


def pay_grade_key(code: str) -> str:
    """'S 12', 's12' and 'S12' name the same pay grade."""
    return "".join(str(code).split()).casefold()

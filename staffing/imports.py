"""Import of positions, their occupancy and yearly costs from an XLSX workbook.

The workbook is the template :func:`template_bytes` writes: three sheets "Stellen",
"Besetzungen" and "Kosten" with German headers, row 1 the header, data from row 2. An import is
all or nothing and runs in stages:

1. :func:`read_workbook` (pure): the bytes must be an XLSX workbook (checked by content, not by
   name); the sheets' cells become typed values (German text or numeric cells), every header
   and every cell that cannot be read is a :class:`Problem`.
2. :func:`load_state` (a fixed number of queries, however long the file): the recipient's
   positions the file names (only those in the user's change scope), their occupancy and costs,
   the employers, blocks and pay grades the file mentions.
3. :func:`build_plan` (pure, no queries): resolves references, runs each model's own field
   rules and ``clean()`` (without their database lookups), then the rules across rows
   (``staffing.rules``: occupancy never above the FTE, within the position's period), and
   computes what would change. Problems name sheet, row (as Excel numbers it), column, message.
4. :func:`apply_plan`: every write in one transaction, positions with their occupancy through
   ``staffing.services.position_save``, costs through ``full_clean`` + ``save``; the acting user
   is recorded in the audit history of every row.

Semantics (the import never deletes positions or costs):

- Stellen: a row with an ID changes that position (it must be a position of the recipient's
  real plan in the user's change scope, else "unbekannte Stelle"); a row without ID creates one.
  A column missing from the sheet leaves that field unchanged; an empty cell empties it.
- Besetzungen: the rows of a position *replace* that position's occupancy. A position with no
  row in the sheet keeps its occupancy (a missing sheet changes no occupancy). To end an
  occupancy, fill in "Besetzt bis".
- Kosten: a row is identified by position, year and Stand; it adds or updates that row.
  Costs the file does not list stay as they are.
- A new position is referred to from Besetzungen and Kosten by its Bezeichnung (it has no ID
  yet); existing positions by their ID.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from funding.choices import POSITION_KINDS, CostStatus
from kim_admin.formatting import de_date, de_fte, de_money, de_number
from kim_admin.scoping import CHANGE
from kim_admin.validation import constraint_message
from kim_admin.versioning import bump_version
from staffing import rules
from staffing.models import Occupancy, Position, PositionCost
from staffing.services import OccupancyPeriod, position_save

MAX_FILE_BYTES = 5 * 1024 * 1024
# Uncompressed size of all parts: an XLSX is a zip file, and a small zip can unpack to a lot.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 10_000
XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

# --- columns ----------------------------------------------------------------------------------

ID = "id"
TEXT = "text"
DECIMAL = "decimal"
PERCENT = "percent"
DATE = "date"
YEAR = "year"
BLOCK = "block"
KIND = "kind"
STATUS = "status"
ORGANISATION = "organisation"
PAY_GRADE = "pay_grade"


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the model field (or position_id / position_title for references)
    kind: str
    help: str
    example: str = ""
    places: int = 2
    required: bool = False  # a value is required (in new rows)
    header_required: bool = False  # the sheet must have the column
    aliases: tuple[str, ...] = ()
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)


REF_ID_HELP = (
    "ID der Stelle aus der Tabelle Stellen. Leer bei einer Stelle, die mit dieser Datei neu "
    "angelegt wird: dann die Bezeichnung angeben."
)
REF_TITLE_HELP = (
    "Bezeichnung der Stelle. Pflicht nur für Stellen, die mit dieser Datei neu angelegt "
    "werden (ohne ID in der Tabelle Stellen); sonst zur Kontrolle."
)
MONEY_HELP = "Betrag in Euro, z. B. 57.000,00 oder als Zahl."

POSITIONS = SheetSpec(
    "Stellen",
    (
        Column(
            "ID",
            "id",
            ID,
            "Leer lassen für eine neue Stelle. Bei bestehenden Stellen nicht ändern.",
            "1005",
            header_required=True,
            width=8,
        ),
        Column(
            "Bezeichnung",
            "title",
            TEXT,
            "Bezeichnung der Stelle, z. B. Casemanagement KI 1.",
            required=True,
            header_required=True,
            width=34,
        ),
        Column(
            "Baustein",
            "block",
            BLOCK,
            "Förderbaustein: 1 (Koordination), 2 (Casemanagement) oder 3 (Ausländerbehörden).",
            "2",
            required=True,
            width=10,
        ),
        Column(
            "Förderart",
            "funding_kind",
            KIND,
            "Koordination, Assistenz, Casemanagement oder Ausländer- und Einbürgerungsbehörde.",
            required=True,
            width=22,
        ),
        Column(
            "Stellenanteil (VZ)",
            "fte",
            DECIMAL,
            "Anteil einer Vollzeitstelle, größer als 0 und höchstens 1, z. B. 0,5 oder 1.",
            "0,5",
            places=3,
            required=True,
            aliases=("Stellenanteil", "VZ"),
            width=12,
        ),
        Column(
            "Anstellungsträger (Kürzel)",
            "employer",
            ORGANISATION,
            "Kürzel der Organisation, die die Stelle besetzt, z. B. leverkusen oder "
            "caritas-leverkusen (auch der volle Name geht).",
            "leverkusen",
            required=True,
            aliases=("Anstellungsträger", "Anstellungsträgerin"),
            width=24,
        ),
        Column(
            "Organisationseinheit",
            "department",
            TEXT,
            "Z. B. Kommunales Integrationszentrum.",
            width=28,
        ),
        Column("Entgeltgruppe", "pay_grade", PAY_GRADE, "Z. B. S 12 oder E 11.", "S 12"),
        Column("Produkt", "budget_product", TEXT, "Haushaltsprodukt, z. B. 1.31.11.01."),
        Column("Sachkonto", "ledger_account", TEXT, "Z. B. 549900."),
        Column("Kostenstelle", "cost_centre", TEXT, "Z. B. 120550."),
        Column(
            "Beginn",
            "planned_start",
            DATE,
            "Geplanter Beginn der Stelle, als Datum TT.MM.JJJJ, z. B. 01.07.2023.",
            "01.07.2023",
            required=True,
            aliases=("Geplanter Beginn",),
            width=12,
        ),
        Column(
            "Ende",
            "end_date",
            DATE,
            "Ende der Stelle als Datum TT.MM.JJJJ; leer, wenn die Stelle unbefristet ist.",
            "31.12.2025",
            aliases=("Ende der Stelle",),
            width=12,
        ),
        Column("Anmerkungen", "notes", TEXT, "Freitext.", aliases=("Anmerkung",), width=30),
    ),
)

OCCUPANCIES = SheetSpec(
    "Besetzungen",
    (
        Column(
            "Stellen-ID",
            "position_id",
            ID,
            REF_ID_HELP,
            "1005",
            header_required=True,
            aliases=("ID", "Stellen ID"),
            width=10,
        ),
        Column(
            "Stelle (Bezeichnung)",
            "position_title",
            TEXT,
            REF_TITLE_HELP,
            aliases=("Stelle", "Bezeichnung"),
            width=34,
        ),
        Column(
            "Besetzt ab",
            "start",
            DATE,
            "Erster Tag der Besetzung, TT.MM.JJJJ, z. B. 01.07.2023.",
            "01.07.2023",
            required=True,
            header_required=True,
            width=12,
        ),
        Column(
            "Besetzt bis",
            "end",
            DATE,
            "Letzter Tag der Besetzung, TT.MM.JJJJ; leer, wenn sie andauert.",
            "30.06.2024",
            header_required=True,
            width=12,
        ),
        Column(
            "Anteil (VZ)",
            "fte",
            DECIMAL,
            "Besetzter Anteil einer Vollzeitstelle, z. B. 0,5. Alle Besetzungen einer Stelle "
            "zusammen nie mehr als ihr Stellenanteil.",
            "0,5",
            places=3,
            required=True,
            header_required=True,
            aliases=("Anteil", "Besetzter Anteil (VZ)", "Besetzter Anteil"),
            width=10,
        ),
        Column("Anmerkung", "note", TEXT, "Freitext, keine Namen.", aliases=("Anmerkungen",)),
    ),
)

COSTS = SheetSpec(
    "Kosten",
    (
        Column(
            "Stellen-ID",
            "position_id",
            ID,
            REF_ID_HELP,
            "1005",
            header_required=True,
            aliases=("ID", "Stellen ID"),
            width=10,
        ),
        Column(
            "Stelle (Bezeichnung)",
            "position_title",
            TEXT,
            REF_TITLE_HELP,
            aliases=("Stelle", "Bezeichnung"),
            width=34,
        ),
        Column(
            "Jahr",
            "year",
            YEAR,
            "Kalenderjahr, z. B. 2024.",
            "2024",
            required=True,
            header_required=True,
            width=8,
        ),
        Column(
            "Stand",
            "status",
            STATUS,
            "Plan, Prognose (einer Trägerin) oder Ist (tatsächliche Zahlungen).",
            "Plan",
            required=True,
            header_required=True,
            width=10,
        ),
        Column(
            "Arbeitgeberbrutto (€)",
            "employer_gross",
            DECIMAL,
            "Arbeitgeberbrutto des Jahres in Euro, z. B. 57.000,00 oder als Zahl.",
            "57.000,00",
            required=True,
            header_required=True,
            aliases=("Arbeitgeberbrutto",),
            width=16,
        ),
        Column(
            "Sachkosten (€)",
            "material",
            DECIMAL,
            MONEY_HELP + " Leer: 0.",
            "9.700,00",
            aliases=("Sachkosten",),
        ),
        Column(
            "Gemeinkosten (%)",
            "overhead_rate",
            PERCENT,
            "Gemeinkosten als Prozentsatz des Arbeitgeberbruttos, z. B. 20 oder 20 %. "
            "Entweder Prozentsatz oder Betrag, nicht beides.",
            "20",
            places=4,
            aliases=("Gemeinkosten %",),
        ),
        Column(
            "Gemeinkosten (€)",
            "overhead_amount",
            DECIMAL,
            "Gemeinkosten als Betrag in Euro. Entweder Prozentsatz oder Betrag, nicht beides.",
            "11.400,00",
            aliases=("Gemeinkosten €",),
        ),
        Column(
            "Einmalkosten (€)",
            "one_off",
            DECIMAL,
            "Einmalige Kosten, z. B. der Stellenbesetzung, in Euro. Leer: 0.",
            "2.500,00",
            aliases=("Einmalkosten",),
        ),
        Column("Anmerkung", "note", TEXT, "Freitext.", aliases=("Anmerkungen",), width=30),
    ),
)

SHEETS = (POSITIONS, OCCUPANCIES, COSTS)
SHEET_ORDER = {spec.name: index for index, spec in enumerate(SHEETS)}

# Position fields the Stellen sheet can set (model attribute names) and their FK models.
POSITION_FK_FIELDS = ("block", "employer", "pay_grade")
KIND_LABELS = {str(k.value): str(k.label) for k in POSITION_KINDS}
STATUS_LABELS = {str(value): str(label) for value, label in CostStatus.choices}


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: sheet, row as Excel numbers it (None: the whole file),
    column header (None: the whole row) and the German message."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def sort_key(self):
        spec = next((s for s in SHEETS if s.name == self.sheet), None)
        col = 0
        if spec and self.column:
            headers = [c.header for c in spec.columns]
            col = headers.index(self.column) + 1 if self.column in headers else len(headers) + 1
        return (SHEET_ORDER.get(self.sheet, -1), self.row or 0, col)


class ImportRefused(Exception):
    """Writing the import failed (nothing was written); ``messages`` are German."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class NotAnXlsx(Exception):
    """The upload is no XLSX workbook; the message is German."""


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


def _norm(text: str) -> str:
    text = str(text).replace("\u00a0", " ").replace("(", " ").replace(")", " ").casefold()
    return " ".join(text.split())


def _read_sheet(spec: SheetSpec, rows: Iterable, parsed: ParsedFile) -> None:
    problems = parsed.problems
    accepted = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            accepted.setdefault(_norm(name), column)
    rows = iter(rows)
    header_cells = next(rows, ())
    columns: dict[int, Column] = {}
    for index, cell in enumerate(header_cells):
        text = cell.value
        if text is None or str(text).strip() == "":
            continue
        column = accepted.get(_norm(text))
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
    wanted = _norm(str(value))
    for code, label in labels.items():
        if wanted in (_norm(code), _norm(label)):
            return code
    raise ValueError(
        _("„%(v)s“ ist keine gültige Angabe für %(what)s. Erlaubt: %(allowed)s.")
        % {"v": value, "what": what, "allowed": ", ".join(labels.values())}
    )


def pay_grade_key(code: str) -> str:
    """'S 12', 's12' and 'S12' name the same pay grade."""
    return "".join(str(code).split()).casefold()


# --- the database's side: one snapshot, a fixed number of queries ----------------------------


@dataclass
class PlanState:
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


def load_state(user, recipient, position_ids: Iterable[int], org_keys: Iterable[str]) -> PlanState:
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
        for organisation in Organisation.objects.filter(query):
            organisations[organisation.slug.casefold()] = organisation
            organisations.setdefault(organisation.name.casefold(), organisation)
    blocks: dict[int, list] = defaultdict(list)
    for block in BuildingBlock.objects.select_related("programme").order_by("programme", "number"):
        blocks[block.number].append(block)
    pay_grades = {pay_grade_key(g.code): g for g in PayGrade.objects.all()}
    return PlanState(
        recipient=recipient,
        positions=positions,
        occupancies=dict(occupancies),
        costs=dict(costs),
        organisations=organisations,
        blocks=dict(blocks),
        pay_grades=pay_grades,
    )


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
class CostPlan:
    row: int
    position: PositionPlan
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
class PositionPlan:
    row: int | None  # the Stellen row; None when the position is only referenced
    existing: Position | None
    values: dict[str, Any] = field(default_factory=dict)  # model attribute -> new value
    changes: list[Change] = field(default_factory=list)
    occupancies: list[OccupancyRow] | None = None  # the file's rows (None: not listed)
    occupancy_diff: OccupancyDiff = field(default_factory=OccupancyDiff)
    costs: list[CostPlan] = field(default_factory=list)
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
class Plan:
    positions: list[PositionPlan]
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
    def costs(self) -> list[CostPlan]:
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


def build_plan(parsed: ParsedFile, state: PlanState) -> Plan:
    """Resolve, validate and diff the parsed file against ``state``. No queries."""
    problems = list(parsed.problems)
    report = _Report(problems)
    plans: list[PositionPlan] = []
    by_id: dict[int, PositionPlan] = {}
    new_by_title: dict[str, list[PositionPlan]] = defaultdict(list)

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
        plan = PositionPlan(row=row.number, existing=existing)
        plan.valid = _position_values(plan, row, state, report)
        plans.append(plan)
        if existing:
            by_id[existing.pk] = plan
        elif plan.title:
            new_by_title[_norm(plan.title)].append(plan)

    def resolve(sheet: SheetSpec, row: Row) -> PositionPlan | None:
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
                plan = PositionPlan(row=None, existing=existing)
                by_id[pk] = plan
                plans.append(plan)
            if title and _norm(title) not in {
                _norm(plan.existing.title),
                _norm(plan.title),
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
            matches = new_by_title.get(_norm(title), [])
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
    owners: dict[int, PositionPlan] = {}
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
        cost = CostPlan(
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
    return Plan(positions=plans, problems=problems)


def _unknown_position(pk: int) -> str:
    # The same words whether the id exists elsewhere or not: nothing leaks.
    return _(
        "Unbekannte Stelle: Die ID %(id)s gehört zu keiner Stelle in Ihrem Stellenplan. "
        "Für eine neue Stelle die ID leer lassen."
    ) % {"id": pk}


def _cost_label(name: str) -> str:
    column = COSTS.column(name)
    return column.header if column else name


def _position_values(plan: PositionPlan, row: Row, state: PlanState, report: _Report) -> bool:
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


def _cost_model_check(cost: CostPlan, row: Row, report: _Report) -> bool:
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


def _cross_row_rules(plan: PositionPlan, state: PlanState, report: _Report) -> None:
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


def _diff_occupancies(plan: PositionPlan, state: PlanState) -> None:
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


# --- versions seen at the preview ------------------------------------------------------------


def seen_versions(plan: Plan, state: PlanState) -> dict[str, list[list[int]]]:
    """The versions of every stored row the file touches (positions with their occupancy and
    costs): the preview keeps them, the apply refuses when they moved."""
    ids = sorted(p.pk for p in plan.positions if p.pk)
    return {
        "positions": [[pk, state.positions[pk].version] for pk in ids],
        "occupancies": sorted(
            [o.pk, o.version] for pk in ids for o in state.occupancies.get(pk, [])
        ),
        "costs": sorted([c.pk, c.version] for pk in ids for c in state.costs.get(pk, {}).values()),
    }


# --- apply -------------------------------------------------------------------------------------


@dataclass
class Summary:
    created: list[tuple[int, str]]
    changed: list[tuple[int, str]]
    counts: dict[str, int]


def apply_plan(plan: Plan, state: PlanState, user, seen: dict | None = None) -> Summary:
    """Write the plan in one transaction, the user in every history record. Raises
    :class:`VersionConflict` when a position moved on since ``seen`` (the preview's versions),
    :class:`ImportRefused` when a rule refuses a row; nothing is written then."""
    if not plan.ok:
        raise ImportRefused([p.message for p in plan.problems])
    expected = {pk: version for pk, version in (seen or {}).get("positions", [])}
    created, changed = [], []
    saved: dict[int, Position] = {}
    try:
        with transaction.atomic():
            for item in plan.positions:
                if not item.needs_write:
                    if item.existing:
                        saved[id(item)] = item.existing
                    continue
                position = item.existing or Position(recipient=state.recipient, scenario=None)
                for name, value in item.values.items():
                    setattr(position, name, value)
                periods = None
                if item.occupancy_diff.any:
                    if position.pk:
                        # Deleted here, one by one, so the history records who removed them.
                        for occupancy in state.occupancies.get(position.pk, []):
                            occupancy._history_user = user
                            occupancy.delete()
                    periods = [
                        OccupancyPeriod(o.start, o.end, o.fte, o.note) for o in item.occupancies
                    ]
                try:
                    position_save(
                        position=position,
                        actor=user,
                        occupancies=periods,
                        expected_version=expected.get(position.pk) if position.pk else None,
                    )
                except ValidationError as error:
                    raise ImportRefused(
                        [f"{item.label}: {m}" for ms in error.message_dict.values() for m in ms]
                    ) from error
                saved[id(item)] = position
                (created if item.is_new else changed).append((position.pk, position.title))
            for cost in plan.costs:
                if not cost.needs_write:
                    continue
                position = saved.get(id(cost.position)) or cost.position.existing
                row = cost.existing or PositionCost(
                    position=position, year=cost.year, status=cost.status, **COST_DEFAULTS
                )
                for name, value in cost.values.items():
                    setattr(row, name, value)
                bump_version(row, cost.existing.version if cost.existing else None)
                try:
                    row.full_clean()
                except ValidationError as error:
                    raise ImportRefused(
                        [
                            f"{cost.position.label}, {cost.year}: {m}"
                            for ms in error.message_dict.values()
                            for m in ms
                        ]
                    ) from error
                row._history_user = user
                row.save()
                if cost.position.existing and (cost.position.pk, cost.position.title) not in (
                    changed + created
                ):
                    changed.append((cost.position.pk, cost.position.title))
            # Backstop: everything written stays in the user's change scope.
            written = {pk for pk, _title in created + changed}
            in_scope = Position.objects.restrict(user, CHANGE).filter(pk__in=written).count()
            if in_scope != len(written):
                raise ImportRefused([_("Die Datei enthält Stellen außerhalb Ihres Bereichs.")])
    except IntegrityError as error:
        raise ImportRefused([constraint_message(error)]) from error
    return Summary(created=created, changed=changed, counts=plan.counts())


# --- the template -------------------------------------------------------------------------------


def template_bytes(
    recipient,
    positions: list[Position],
    occupancies: dict[int, list[Occupancy]],
    costs: dict[int, list[PositionCost]],
    employers: list,
    block_numbers: list[int],
    pay_grade_codes: list[str],
) -> bytes:
    """The import workbook: three sheets with German headers, a comment on each header that
    explains its format, choice lists where sensible, prefilled with ``positions``."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = {
        BLOCK: [str(n) for n in block_numbers],
        KIND: list(KIND_LABELS.values()),
        STATUS: list(STATUS_LABELS.values()),
        ORGANISATION: [o.slug for o in employers],
        PAY_GRADE: pay_grade_codes,
    }
    strict = {BLOCK, KIND, STATUS}
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    last_row = 2000

    rows_by_sheet = {
        POSITIONS.name: [_position_cells(p) for p in positions],
        OCCUPANCIES.name: [
            [p.pk, p.title, o.start, o.end, o.fte, o.note]
            for p in positions
            for o in occupancies.get(p.pk, [])
        ],
        COSTS.name: [
            [
                p.pk,
                p.title,
                c.year,
                STATUS_LABELS.get(c.status, c.status),
                c.employer_gross,
                c.material,
                c.overhead_rate,
                c.overhead_amount,
                c.one_off,
                c.note,
            ]
            for p in positions
            for c in sorted(costs.get(p.pk, []), key=lambda c: (c.year, c.status))
        ],
    }
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.append([c.header for c in spec.columns])
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            text = column.help + (" " + _("Pflichtangabe.") if column.required else "")
            comment = Comment(text, "KIM-Verwaltung")
            comment.width, comment.height = 300, 110
            cell.comment = comment
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width
        for values in rows_by_sheet[spec.name]:
            sheet.append([_cell_value(v) for v in values])
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            number_format = NUMBER_FORMATS.get(column.kind)
            if column.kind == DECIMAL and column.places != 2:
                number_format = "General"
            if number_format:
                # The column's style formats what users type; prefilled cells get it too.
                sheet.column_dimensions[letter].number_format = number_format
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
            options = lists.get(column.kind)
            formula = '"' + ",".join(options or []) + '"'
            if options and len(formula) <= 255 and not any("," in o for o in options):
                validation = DataValidation(
                    type="list",
                    formula1=formula,
                    allow_blank=True,
                    showErrorMessage=column.kind in strict,
                    errorTitle=column.header,
                    error=_("Bitte einen Wert aus der Liste wählen."),
                )
                validation.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
        sheet.row_dimensions[1].height = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


NUMBER_FORMATS = {
    DATE: "DD.MM.YYYY",
    DECIMAL: "#,##0.00",
    PERCENT: "0.00",
    YEAR: "0",
    ID: "0",
    TEXT: "@",
    ORGANISATION: "@",
    PAY_GRADE: "@",
}


def _position_cells(position: Position) -> list:
    return [
        position.pk,
        position.title,
        position.block.number,
        KIND_LABELS.get(position.funding_kind, position.funding_kind),
        position.fte,
        position.employer.slug,
        position.department,
        position.pay_grade.code if position.pay_grade else None,
        position.budget_product,
        position.ledger_account,
        position.cost_centre,
        position.planned_start,
        position.end_date,
        position.notes,
    ]


def _cell_value(value):
    if value == "":
        return None
    return value

"""Exports of a list as XLSX and CSV: the rows of the filtered list, German headers, numbers as
numbers (XLSX cells are numeric with a number format; CSV as German Excel reads it: ``;``
between fields, a decimal comma, UTF-8 with BOM).

The XLSX sheet is ready to work with: the header frozen, an autofilter over the rows, and
below them a totals row for the columns the list's own totals row sums (its money and FTE
columns; never a rate, never forecast versions that would count twice). The totals are
``SUBTOTAL(109, …)`` formulas: they add the rows the autofilter leaves visible.

Every text a user typed is written inert (OWASP "CSV injection"): a cell that starts like a
formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is a text cell in XLSX and
starts with an apostrophe in CSV, so a spreadsheet never runs it; numbers stay numbers.
"""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")
# The query parameter of an export that the job worker makes (kim_admin.jobs).
JOB_FLAG = "_job"


def export_sync_rows() -> int:
    """Up to this many rows an export is made in the request; more go to the job worker."""
    from django.conf import settings

    return getattr(settings, "EXPORT_SYNC_ROWS", 2000)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the exports write it ("-3713.60", "-5,5", "+2"): it may start with a sign.
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take the text for a formula (and it is not a number)."""
    return text.startswith(FORMULA_START) and not _NUMBER.match(text)


def inert_text(text: str) -> str:
    """A text for a CSV cell that no spreadsheet runs as a formula: a leading apostrophe."""
    return "'" + text if looks_like_formula(text) else text


def make_text_cells_inert(sheet) -> None:
    """Mark every text cell of an openpyxl sheet that looks like a formula as plain text
    (openpyxl turns a string starting with "=" into a formula)."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and looks_like_formula(cell.value):
                cell.data_type = "s"


def table_rows(table) -> tuple[list[str], list[list]]:
    """Header and rows of a django-tables2 table, with the columns' export values."""
    rows = [list(row) for row in table.as_values()]
    return [str(h) for h in rows[0]], rows[1:]


def summed_columns(table) -> list[int]:
    """Positions (0-based, among the exported columns) of the columns the list's totals row
    sums (``KimTable.totals``), in the order ``table_rows`` writes them."""
    totals = getattr(table, "totals", None) or {}
    exported = [c for c in table.columns.iterall() if not c.column.exclude_from_export]
    return [i for i, column in enumerate(exported) if column.name in totals]


TOTALS_LABEL = "Summe (sichtbare Zeilen)"


def xlsx_bytes(
    header: list[str], rows: list[list], title: str = "Liste", summed: list[int] = ()
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    make_text_cells_inert(sheet)
    for column, name in enumerate(header, start=1):
        letter = get_column_letter(column)
        values = [sheet.cell(row=r, column=column).value for r in range(2, sheet.max_row + 1)]
        for r, value in enumerate(values, start=2):
            cell = sheet.cell(row=r, column=column)
            if isinstance(value, Decimal | float):
                cell.number_format = "#,##0.00" if _has_cents(value) else "#,##0.###"
            elif isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
        width = max([len(name)] + [len(str(v)) for v in values if v is not None] or [8])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    last_row = len(rows) + 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{last_row}"
    if summed:
        add_totals_row(sheet, header, summed, last_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_totals_row(sheet, header: list[str], summed: list[int], last_row: int) -> None:
    """Below the filtered range: the label in the first column that is not summed, and
    a SUBTOTAL over the visible rows under each summed column, bold."""
    row = last_row + 1
    label_column = next((i for i in range(len(header)) if i not in summed), None)
    if label_column is not None:
        sheet.cell(row=row, column=label_column + 1, value=TOTALS_LABEL)
    for index in summed:
        letter = get_column_letter(index + 1)
        cell = sheet.cell(row=row, column=index + 1)
        cell.value = f"=SUBTOTAL(109,{letter}2:{letter}{last_row})"
        above = sheet.cell(row=last_row, column=index + 1).number_format
        cell.number_format = above if last_row > 1 else "#,##0.00"
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def csv_text(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def export_response(table, export_format: str, filename: str, title: str) -> HttpResponse:
    header, rows = table_rows(table)
    if export_format == "xlsx":
        content = xlsx_bytes(header, rows, title, summed_columns(table))
        response = HttpResponse(content, content_type=XLSX_TYPE)
    else:
        response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response


def _has_cents(value) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if value is None or isinstance(value, int | float | Decimal | date | bool):
        return value
    return str(value)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # Shares and rates without trailing zeros (9.000 -> 9: PostgreSQL keeps a sum's scale,
        # SQLite does not); money keeps its cents.
        if value.as_tuple().exponent < -2:
            value = value.normalize()
            if value == value.to_integral():
                value = value.quantize(Decimal(1))
        return str(value).replace(".", ",")
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return inert_text(str(value))

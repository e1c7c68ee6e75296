"""Exports of a list as XLSX and CSV: the rows of the filtered list, German headers, numbers as
numbers (XLSX cells are numeric with a number format; CSV as German Excel reads it: ``;``
between fields, a decimal comma, UTF-8 with BOM).

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


def xlsx_bytes(header: list[str], rows: list[list], title: str = "Liste") -> bytes:
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
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
        response = HttpResponse(xlsx_bytes(header, rows, title), content_type=XLSX_TYPE)
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

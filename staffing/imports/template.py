"""The template workbook: the three sheets with German headers, help texts and the recipient's
current positions, occupancy and costs, ready to be edited and imported again."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from kim_admin.exports import make_text_cells_inert
from staffing.imports.columns import (
    BLOCK,
    COSTS,
    DATE,
    DECIMAL,
    ID,
    KIND,
    KIND_LABELS,
    OCCUPANCIES,
    ORGANISATION,
    PAY_GRADE,
    PERCENT,
    POSITIONS,
    SHEETS,
    STATUS,
    STATUS_LABELS,
    TEXT,
    YEAR,
)
from staffing.models import Occupancy, Position, PositionCost

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
        make_text_cells_inert(sheet)
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

"""What can be wrong with an import: one :class:`Problem` per bad cell or row, and the
exceptions that refuse a whole file."""

from __future__ import annotations

from dataclasses import dataclass

from staffing.imports.columns import SHEET_ORDER, SHEETS

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

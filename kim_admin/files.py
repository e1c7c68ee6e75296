"""Uploaded files are what they claim to be: a PDF parses as a PDF, an XLSX opens as a
workbook, and a small zip file cannot unpack into a large one (a "zip bomb" would tie a
worker up for many seconds). Used by the forecast attachments and the Excel import."""

from __future__ import annotations

import io
import logging
import zipfile

XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# What a workbook of a few thousand rows unpacks to is a few megabytes.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


def is_xlsx(content: bytes, max_unpacked: int = MAX_UNPACKED_BYTES) -> bool:
    """An XLSX workbook: a zip file whose parts unpack to at most ``max_unpacked`` bytes,
    that declares a workbook and that openpyxl opens."""
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_unpacked:
                return False
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        if XLSX_MAIN_TYPE not in types:
            return False
        load_workbook(io.BytesIO(content), read_only=True).close()
    except Exception:  # noqa: BLE001 - any failure to open means: no workbook
        return False
    return True


def unpacked_size(content: bytes) -> int | None:
    """The size of a zip file's parts once unpacked (None: no zip file)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def is_pdf(content: bytes) -> bool:
    """A PDF: pypdf reads its structure and at least one page (a file that merely starts with
    "%PDF-" is not one)."""
    from pypdf import PdfReader

    if b"%PDF-" not in content[:1024]:
        return False
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        return len(reader.pages) > 0 and reader.pages[0].mediabox is not None
    except Exception:  # noqa: BLE001 - any failure to parse means: no PDF
        return False

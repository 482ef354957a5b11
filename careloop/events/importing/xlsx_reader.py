"""An .xlsx export → the same header and rows of text the CSV reader gives, so one mapping, one set of
value parsers and one importer serve both (docs/importing.md, ".xlsx").

- The first sheet, or the mapping's `sheet:`; openpyxl's read-only mode streams rows, so a large
  workbook is not held in memory.
- Cells are typed in a workbook. Each becomes the text the value parsers read: a date-time cell as ISO
  8601 (`2024-03-05 14:30:00`, a wall-clock time in the mapping's time zone, as Excel stores no
  zone), a date-only cell as `2024-03-05`, a time-only cell as `14:30:00` (so a date column and a
  time column join as in a CSV), a whole number without `.0`, true/false as true/false.
- Problems name the file and sheet (`visits.xlsx[Visits]`), the row and the column.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from careloop.events.importing.csv_reader import CHUNK, CsvFile, RowError
from careloop.events.importing.report import ImportFileError, Problem

XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Excel's date format codes: a format with none of these time codes shows a date only.
TIME_CODES = ("h", "s", "am/pm", "a/p")


@dataclass
class XlsxFile(CsvFile):
    sheet: str = ""
    max_row: int = 0


def is_xlsx(path: str | Path) -> bool:
    return Path(path).suffix.lower() in XLSX_SUFFIXES


def _digest(file: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with file.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _open(file: Path, name: str) -> Any:
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        detail = "not a zip file" if isinstance(error, zipfile.BadZipFile) else type(error).__name__
        raise ImportFileError([Problem(name, None, f"is not an .xlsx workbook ({detail}); expected a file saved "
                                       "by Excel or LibreOffice as .xlsx (an old .xls: save it as .xlsx or CSV)")]) from None


def inspect_xlsx(path: str | Path, sheet: str | None = None) -> XlsxFile:
    file = Path(path)
    name = str(path)
    if not file.is_file():
        raise ImportFileError([Problem(name, None, "the file does not exist" if not file.exists() else "is not a file")])
    sha256, size = _digest(file)
    if size == 0:
        raise ImportFileError([Problem(name, None, "the file is empty; expected an .xlsx workbook")])
    workbook = _open(file, name)
    try:
        names = list(workbook.sheetnames)
        chosen = sheet if sheet is not None else (names[0] if names else "")
        if chosen not in names:
            raise ImportFileError([Problem(name, None, f"has no sheet {chosen!r}; its sheets are: {', '.join(names)}",
                                           field="sheet")])
        worksheet = workbook[chosen]
        shown = f"{name}[{chosen}]"
        first = next(worksheet.iter_rows(min_row=1, max_row=1), None)
        header = _header(first, shown)
        max_row = int(worksheet.max_row or 0)
    finally:
        workbook.close()
    return XlsxFile(file, shown, size, sha256, "utf-8", ",", header, sheet=chosen, max_row=max_row)


def _header(first: Any, shown: str) -> list[str]:
    texts = [cell_text(cell) for cell in first] if first is not None else []
    while texts and not texts[-1].strip():
        texts.pop()
    if not texts:
        raise ImportFileError([Problem(shown, 1, "the sheet is empty; expected a header row of column names, then one row per record")])
    blanks = [i for i, text in enumerate(texts) if not text.strip()]
    if blanks:
        letters = ", ".join(get_column_letter(i + 1) for i in blanks[:10])
        raise ImportFileError([Problem(shown, 1, f"has no column name in column {letters}; expected one name per column "
                                       "in the first row (are header cells merged? unmerge them and name each column)")])
    return [text.strip() for text in texts]


def cell_text(cell: Any) -> str:
    """A typed cell → the text the value parsers read."""
    value = getattr(cell, "value", cell)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0) and not _shows_time(cell):
            return value.date().isoformat()
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _shows_time(cell: Any) -> bool:
    number_format = str(getattr(cell, "number_format", "") or "").lower()
    return any(code in number_format for code in TIME_CODES)


class XlsxRowReader:
    """(row number, its cells as text) for every row after the header, like csv_reader.RowReader."""

    def __init__(self, xlsx: XlsxFile) -> None:
        self.xlsx = xlsx
        self._row = 0

    def position(self) -> int:
        if not self.xlsx.max_row:
            return 0
        return min(self.xlsx.size, self.xlsx.size * self._row // self.xlsx.max_row)

    def __iter__(self) -> Iterator[tuple[int, list[str] | RowError]]:
        workbook = _open(self.xlsx.path, self.xlsx.name)
        try:
            worksheet = workbook[self.xlsx.sheet]
            width = len(self.xlsx.header)
            for number, cells in enumerate(worksheet.iter_rows(min_row=2), 2):
                self._row = number
                texts = [cell_text(cell) for cell in cells]
                if not any(t.strip() for t in texts):
                    continue  # an empty row, as a blank line in a CSV
                if len(texts) < width:
                    texts += [""] * (width - len(texts))
                yield number, texts
        finally:
            workbook.close()

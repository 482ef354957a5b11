"""Bad rows → a CSV the user can fix and import again.

The file has the source's header, encoding and delimiter, so the same mapping reads it, plus one
last column, careloop_problem, with every reason for that row; the importer ignores that column.
Values a spreadsheet would run as formulas are neutralised, as in every export (events/csv_export.py).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from careloop.events.csv_export import neutralise_formula
from careloop.events.importing.csv_reader import CsvFile
from careloop.events.importing.rows import PROBLEM_COLUMN, BadRow


def default_quarantine_path(source: Path) -> Path:
    # The quarantine file is always CSV, also for an .xlsx source (fix it there, import it as CSV).
    suffix = source.suffix if source.suffix.lower() in {".csv", ".txt", ".tsv"} else ".csv"
    return source.with_name(f"{source.stem}.rejected{suffix}")


def write_quarantine(path: Path, csv_file: CsvFile, rows: list[BadRow]) -> None:
    encoding = "utf-8" if csv_file.encoding in {"utf-8-sig", "utf-16"} else csv_file.encoding
    # Mode 600: the rows are patient data, like the workspace (careloop/cli.py sets the same umask).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding=encoding, errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter=csv_file.delimiter, lineterminator="\r\n")
        # A fixed quarantine file that still has bad rows: its old reasons give way to the new ones.
        keep = [i for i, name in enumerate(csv_file.header) if name != PROBLEM_COLUMN]
        writer.writerow([*(csv_file.header[i] for i in keep), PROBLEM_COLUMN])
        for row in rows:
            values = [neutralise_formula(row.raw[i]) if i < len(row.raw) else "" for i in keep]
            reasons = "; ".join(_reason(p.__str__(), csv_file.name) for p in row.problems)
            writer.writerow([*values, reasons])


def _reason(message: str, file_name: str) -> str:
    # The file name is the same for every row; the line keeps pointing at the original file.
    return message.removeprefix(f"{file_name} ")

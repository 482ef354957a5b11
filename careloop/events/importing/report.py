"""Problems and the report of one import. Every problem says where (file, line, column and field),
the value found, and what was expected, in one sentence for a person, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

VALUE_SHOWN = 60


def shown(value: str) -> str:
    """A value as it appears in a message: quoted, and cut short (a hostile file can hold 10 MB in one field)."""
    if len(value) <= VALUE_SHOWN:
        return repr(value)
    return f"{value[:VALUE_SHOWN]!r}… ({len(value):,} characters)"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    column: str = ""  # the column name in the file's header (or the mapping's key)
    field: str = ""  # our field name
    value: str | None = None

    def where(self) -> str:
        # A spreadsheet's rows are rows, not lines: xlsx_reader names its files "book.xlsx[Sheet]".
        unit = "row" if ".xlsx[" in self.file or ".xlsm[" in self.file else "line"
        where = self.file if self.line is None else f"{self.file} {unit} {self.line}"
        if self.column:
            where += f', column "{self.column}"'
            if self.field and self.field != self.column:
                where += f" ({self.field})"
        elif self.field:
            where += f", {self.field}"
        return where

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.where()}: {self.message}"
        return f"{self.where()}: {shown(self.value)} {self.message}"


class ImportFileError(Exception):
    """Raised for problems that stop an import before any row is read (file, mapping, header)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class ImportReport:
    table: str
    file: str
    mapping: str
    encoding: str = ""
    delimiter: str = ""
    sha256: str = ""
    status: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    quarantine_file: str = ""
    run_id: str = ""
    earliest_event_at: datetime | None = None  # of the rows inserted or changed (importing/earliest.py)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{self.file} → {self.table}: {self.rows:,} rows read, {self.inserted:,} inserted, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected "
            f"({self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s)"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "file": self.file,
            "mapping": self.mapping,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sha256": self.sha256,
            "status": self.status,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
            "quarantine_file": self.quarantine_file,
            "import_run": self.run_id,
            "earliest_event_at": self.earliest_event_at.isoformat() if self.earliest_event_at else None,
            "problems": [str(p) for p in self.problems],
            "notes": self.notes,
        }

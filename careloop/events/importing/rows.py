"""One CSV row → the values of one event, or every problem with it.

The reading plan (which column, which converter, for each field) is built once per file from the
table, the mapping and the header, so the per-row work is a loop of precompiled converters.

The importer reads a batch of rows at a time (`read_batch`). Clean data, the common case, goes the fast
way: the batch is turned into columns and each column is read at once (values.py's column readers,
timestamps.py's cached `utc_text`), then the table's rules are checked column against column. If
anything in the batch is not clean (a bad value, a row of the wrong width, times out of order, a
repeated id, a time near a daylight-saving change), the batch is read again row by row (`read`), which
finds and words every problem exactly as before: the fast way decides nothing, it only skips work
(bench/ingest.py measures both ways on the same file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from typing import Any, Protocol

from careloop.events.importing.csv_reader import CsvFile, RowError
from careloop.events.importing.mapping import Mapping, Source
from careloop.events.importing.report import ImportFileError, Problem
from careloop.events.importing.tables import FieldSpec, TableSpec
from careloop.events.importing.timestamps import TimestampReader
from careloop.events.importing.values import (
    BadValue,
    ColumnReader,
    boolean_reader,
    code_column_reader,
    code_reader,
    exact_codes,
    integer_reader,
    text_column_reader,
    text_reader,
)

# Column the quarantine file adds; an import of a fixed quarantine file ignores it.
PROBLEM_COLUMN = "careloop_problem"
MAX_DST_NOTES = 20


@dataclass(frozen=True)
class Step:
    position: int  # index of the field in the table's fields
    field: str
    column: str  # the file's column name(s), for messages
    get: Callable[[list[str]], str]
    convert: Callable[[str], Any]
    read_column: ColumnReader | None = None  # the fast way (None: value by value with convert)
    indexes: tuple[int, ...] = ()  # the file's column(s) it reads, joined with a space (columnar.py)


@dataclass
class GoodRow:
    line: int
    values: list[Any]


@dataclass
class BadRow:
    line: int
    raw: list[str]
    problems: list[Problem]


@dataclass
class ReadBatch:
    """A batch of rows read: the good ones ready for UpsertWriter.write_values (the table's field order,
    timestamps as UTC text), the bad ones with their problems."""

    rows: int
    good: list[Sequence[Any]] = field(default_factory=list)
    good_lines: list[int] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    earliest: str | None = None  # the earliest timestamp of the good rows, UTC text
    position: int = 0  # how far into the file's bytes the batch ends, for the progress bar

    def earliest_time(self) -> datetime | None:
        return None if self.earliest is None else datetime.fromisoformat(self.earliest).replace(tzinfo=UTC)


def utc_text_of(value: Any) -> Any:
    """A datetime (naive UTC, or aware) as UTC text; any other value as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ")
    return value


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def _joined(indexes: tuple[int, ...]) -> Callable[[list[str]], str]:
    def get(row: list[str]) -> str:
        return " ".join(row[i].strip() for i in indexes)

    return get


def _no_email(read: Callable[[str], str]) -> Callable[[str], str]:
    def checked(raw: str) -> str:
        value = read(raw)
        if "@" in value:
            raise BadValue(
                "looks like an email address; expected a pseudonymous patient reference "
                "(names and contact details never go into the event tables)"
            )
        return value

    return checked


class RowReader:
    def __init__(self, spec: TableSpec, mapping: Mapping, csv_file: CsvFile) -> None:
        self.spec = spec
        self.file = csv_file.name
        self.header = csv_file.header
        self.timestamps = TimestampReader(mapping.timezone, mapping.formats)
        self.steps: list[Step] = []
        self.template: list[Any] = [f.default for f in spec.fields]
        self.id_position = spec.field_names.index(spec.id_field)
        self.seen_ids: dict[str, int] = {}
        self.dst_notes: list[str] = []
        self.dst_count = 0
        self.ignored_columns: list[str] = []
        problems = self._plan(mapping)
        if problems:
            raise ImportFileError(problems)
        positions = {name: i for i, name in enumerate(spec.field_names)}
        self.order_rules = [(positions[a], positions[b], a, b) for a, b in spec.order_rules]
        self.either_or = [(positions[a], positions[b], a, b) for a, b in spec.either_or]
        self.columns = {step.position: step for step in self.steps}
        self.timestamp_positions = [i for i, f in enumerate(spec.fields) if f.kind == "timestamp"]
        self.column_template = [utc_text_of(value) for value in self.template]

    # --- the plan ---

    def _plan(self, mapping: Mapping) -> list[Problem]:
        index: dict[str, int] = {}
        loose: dict[str, int] = {}
        for i, name in enumerate(self.header):
            index.setdefault(name, i)
            loose.setdefault(_normal(name), i)
        problems: list[Problem] = []
        used: set[int] = set()
        for position, spec_field in enumerate(self.spec.fields):
            source = mapping.sources.get(spec_field.name)
            convert = self._converter(spec_field, mapping)
            if source is None:
                continue
            if source.constant is not None:
                try:
                    self.template[position] = convert(source.constant)
                except BadValue as bad:
                    problems.append(Problem(mapping.name, source.line, str(bad), field=spec_field.name, value=source.constant))
                continue
            found = [index.get(c, loose.get(_normal(c))) for c in source.columns]
            missing = [c for c, i in zip(source.columns, found) if i is None]
            if missing:
                if mapping.canonical and not spec_field.required:
                    continue
                problems.append(self._missing_column(mapping, source, spec_field, missing))
                continue
            indexes = tuple(i for i in found if i is not None)
            used.update(indexes)
            get = itemgetter(indexes[0]) if len(indexes) == 1 else _joined(indexes)
            self.steps.append(Step(
                position, spec_field.name, " + ".join(source.columns), get, convert,
                self._column_reader(spec_field, mapping, convert), indexes,
            ))
        self.ignored_columns = [n for i, n in enumerate(self.header) if i not in used and n and n != PROBLEM_COLUMN]
        return problems

    def _missing_column(self, mapping: Mapping, source: Source, spec_field: FieldSpec, missing: list[str]) -> Problem:
        columns = ", ".join(f'"{c}"' for c in missing)
        header = ", ".join(self.header[:30]) + (" …" if len(self.header) > 30 else "")
        if mapping.canonical:
            return Problem(
                self.file, 1,
                f"has no column {columns}, which {self.spec.table} need; the header has: {header}. "
                "Name the columns as careloop does, or give a mapping with --mapping (docs/importing.md)",
                field=spec_field.name,
            )
        return Problem(
            mapping.name, source.line,
            f"names column {columns}, which is not in {self.file}'s header; the header has: {header}",
            field=f"columns.{spec_field.name}",
        )

    def _column_reader(self, spec_field: FieldSpec, mapping: Mapping, convert: Callable[[str], Any]) -> ColumnReader | None:
        """The fast way to read this field's column, when `convert` is this class's own converter (a
        subclass that checks more, such as the contact store's, is read value by value)."""
        if type(self)._converter is not RowReader._converter:
            return None
        extra = mapping.codes.get(spec_field.name, {})
        if spec_field.kind == "timestamp":
            return self._timestamp_column(spec_field.required)
        if spec_field.kind == "code":
            return code_column_reader(convert, exact_codes(spec_field.codes, extra))
        if spec_field.kind == "text":
            return text_column_reader(
                text_reader(spec_field.required, spec_field.max_length, spec_field.default),
                spec_field.max_length, no_email=spec_field.name == "patient_ref",
            )
        return None

    def _timestamp_column(self, required: bool) -> ColumnReader:
        utc_texts = self.timestamps.utc_texts

        def column(values: Sequence[str]) -> list[Any]:
            texts = utc_texts(values)
            if required and None in texts:
                raise BadValue
            return texts

        return column

    def _converter(self, spec_field: FieldSpec, mapping: Mapping) -> Callable[[str], Any]:
        extra = mapping.codes.get(spec_field.name, {})
        if spec_field.kind == "timestamp":
            reader = self.timestamps

            def read_timestamp(raw: str) -> Any:
                value = reader(raw)
                if value is None and spec_field.required:
                    raise BadValue("is empty; expected a value (this field is required)")
                return value

            return read_timestamp
        if spec_field.kind == "code":
            return code_reader(spec_field.required, spec_field.codes, extra, spec_field.default)
        if spec_field.kind == "integer":
            return integer_reader(spec_field.required, spec_field.default)
        if spec_field.kind == "boolean":
            return boolean_reader(spec_field.required, spec_field.default, extra)
        read = text_reader(spec_field.required, spec_field.max_length, spec_field.default)
        return _no_email(read) if spec_field.name == "patient_ref" else read

    # --- a batch of rows ---

    def read_batch(self, batch: Sequence[tuple[int, list[str] | RowError]]) -> ReadBatch:
        lines = [line for line, _ in batch]
        rows = [row for _, row in batch]
        read = self._read_columns(lines, rows)
        if read is None:
            return self._read_rows(batch)
        good, earliest = read
        return ReadBatch(len(batch), good, lines, earliest=earliest)

    def _read_rows(self, batch: Sequence[tuple[int, list[str] | RowError]]) -> ReadBatch:
        result = ReadBatch(len(batch))
        for line, row in batch:
            read = BadRow(line, [], [Problem(self.file, line, row.message)]) if isinstance(row, RowError) else self.read(line, row)
            if isinstance(read, BadRow):
                result.bad.append(read)
                continue
            values = read.values
            for i in self.timestamp_positions:
                values[i] = utc_text_of(values[i])
            result.good.append(values)
            result.good_lines.append(line)
        result.earliest = self._earliest(result.good)
        return result

    def good_rows(self, batch: ReadBatch) -> list[GoodRow]:
        """The batch's good rows in read()'s form (timestamps as naive UTC datetimes), for a writer that
        takes GoodRows (the contact store's)."""
        rows = []
        for line, values in zip(batch.good_lines, batch.good):
            row = list(values)
            for i in self.timestamp_positions:
                if row[i] is not None:
                    row[i] = datetime.fromisoformat(row[i])
            rows.append(GoodRow(line, row))
        return rows

    def _earliest(self, good: list[Sequence[Any]]) -> str | None:
        found = [v for row in good for i in self.timestamp_positions if (v := row[i]) is not None]
        return min(found) if found else None

    def _read_columns(self, lines: list[int], rows: list[Any]) -> tuple[list[Sequence[Any]], str | None] | None:
        """Every row's values and the earliest timestamp, or None if any row is not clean (then the batch
        is read row by row)."""
        width = len(self.header)
        if not rows or any(type(row) is not list or len(row) != width for row in rows):
            return None
        count = len(rows)
        values: list[Sequence[Any]] = [[value] * count for value in self.column_template]
        notes = len(self.timestamps.dst_notes)
        try:
            for step in self.steps:
                raw: Sequence[str] = list(map(step.get, rows))  # an itemgetter for one column: no Python per row
                if step.read_column is not None:
                    values[step.position] = step.read_column(raw)
                elif step.position in self.timestamp_positions:
                    values[step.position] = [utc_text_of(step.convert(v)) for v in raw]
                else:
                    values[step.position] = [step.convert(v) for v in raw]
        except BadValue:
            del self.timestamps.dst_notes[notes:]
            return None
        if len(self.timestamps.dst_notes) != notes:
            del self.timestamps.dst_notes[notes:]
            return None
        if not self._columns_keep_rules(values):
            return None
        ids = values[self.id_position]
        if len(set(ids)) != count or not self.seen_ids.keys().isdisjoint(ids):
            return None
        self.seen_ids.update(zip(ids, lines))
        firsts = [min((v for v in values[i] if v is not None), default=None) for i in self.timestamp_positions]
        known = [v for v in firsts if v is not None]
        return list(zip(*values)), min(known) if known else None

    def _columns_keep_rules(self, values: list[Sequence[Any]]) -> bool:
        for early, late, _, _ in self.order_rules:
            if any(a is not None and b is not None and b < a for a, b in zip(values[early], values[late])):
                return False
        for first, second, _, _ in self.either_or:
            if any(a is not None and b is not None for a, b in zip(values[first], values[second])):
                return False
        return True

    # --- one row ---

    def read(self, line: int, row: list[str]) -> GoodRow | BadRow:
        if len(row) != len(self.header) and not self._only_empty_extras(row):
            return BadRow(line, row, [self._width_problem(line, row)])
        values = list(self.template)
        problems: list[Problem] = []
        for step in self.steps:
            raw = step.get(row)
            try:
                values[step.position] = step.convert(raw)
            except BadValue as bad:
                problems.append(Problem(self.file, line, str(bad), step.column, step.field, raw))
        if self.timestamps.dst_notes:
            self._note_dst(line)
        if not problems:
            self._check_order(line, row, values, problems)
            self._check_unique_id(line, values[self.id_position], problems)
        if problems:
            return BadRow(line, row, problems)
        return GoodRow(line, values)

    def _only_empty_extras(self, row: list[str]) -> bool:
        # Spreadsheets often end rows with empty cells past the last column.
        return len(row) > len(self.header) and not any(v.strip() for v in row[len(self.header) :])

    def _width_problem(self, line: int, row: list[str]) -> Problem:
        return Problem(
            self.file, line,
            f"has {len(row):,} values but the header has {len(self.header)} columns; expected one value per "
            "column (is a delimiter inside a value without quotes around it?)",
        )

    def _check_order(self, line: int, row: list[str], values: list[Any], problems: list[Problem]) -> None:
        for early, late, early_name, late_name in self.order_rules:
            if values[early] is not None and values[late] is not None and values[late] < values[early]:
                step = self.columns.get(late)
                raw = step.get(row) if step else str(values[late])
                early_step = self.columns.get(early)
                early_raw = early_step.get(row).strip() if early_step else str(values[early])
                problems.append(
                    Problem(
                        self.file, line,
                        f"is before {early_name} ({early_raw}); expected {late_name} at or after {early_name}",
                        step.column if step else "", late_name, raw,
                    )
                )
        for first, second, first_name, second_name in self.either_or:
            if values[first] is not None and values[second] is not None:
                problems.append(
                    Problem(
                        self.file, line,
                        f"{first_name} and {second_name} are both set; expected at most one of them",
                        field=second_name,
                    )
                )

    def _check_unique_id(self, line: int, source_id: str, problems: list[Problem]) -> None:
        first = self.seen_ids.setdefault(source_id, line)
        if first != line:
            step = self.columns[self.id_position]
            problems.append(
                Problem(
                    self.file, line,
                    f"appeared already on line {first}; expected each {self.spec.id_field} once in a file",
                    step.column, self.spec.id_field, source_id,
                )
            )

    def _note_dst(self, line: int) -> None:
        for note in self.timestamps.dst_notes:
            self.dst_count += 1
            if len(self.dst_notes) < MAX_DST_NOTES:
                self.dst_notes.append(f"{self.file} line {line}: {note}")
        self.timestamps.dst_notes.clear()


class RowSource(Protocol):
    """A file's rows as the CSV and .xlsx readers give them."""

    def __iter__(self) -> Iterator[tuple[int, list[str] | RowError]]: ...

    def position(self) -> int: ...


def read_batches(source: RowSource, reader: RowReader, size: int) -> Iterator[ReadBatch]:
    """The file's rows read `size` at a time. The next batch is read in a second thread while the caller
    writes this one: sqlite3 and psycopg let go of Python's interpreter lock while the database works,
    so on two cores reading and writing overlap (bench/ingest.py measures it). Only the reading thread
    touches the file and the reader; only the caller touches the database."""
    lines: Iterable[tuple[int, list[str] | RowError]] = iter(source)

    def next_batch() -> ReadBatch | None:
        batch = list(islice(lines, size))
        if not batch:
            return None
        read = reader.read_batch(batch)
        read.position = source.position()
        return read

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="careloop-import-read") as pool:
        pending = pool.submit(next_batch)
        while (read := pending.result()) is not None:
            pending = pool.submit(next_batch)
            yield read

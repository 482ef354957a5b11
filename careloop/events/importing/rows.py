"""One CSV row → the values of one event, or every problem with it.

The reading plan (which column, which converter, for each field) is built once per file from the
table, the mapping and the header, so the per-row work is a loop of precompiled converters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from careloop.events.importing.csv_reader import CsvFile
from careloop.events.importing.mapping import Mapping, Source
from careloop.events.importing.report import ImportFileError, Problem
from careloop.events.importing.tables import FieldSpec, TableSpec
from careloop.events.importing.timestamps import TimestampReader
from careloop.events.importing.values import BadValue, boolean_reader, code_reader, integer_reader, text_reader

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


@dataclass
class GoodRow:
    line: int
    values: list[Any]


@dataclass
class BadRow:
    line: int
    raw: list[str]
    problems: list[Problem]


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
            self.steps.append(Step(position, spec_field.name, " + ".join(source.columns), get, convert))
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

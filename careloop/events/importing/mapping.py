"""Column mappings: a YAML file saying which of a practice system's columns fills which of our fields,
how its dates are written, its time zone, encoding, delimiter and codes. docs/importing.md shows one.

Without a mapping the file must use our own column names (what careloop's CSV export writes). Every
problem in a mapping is reported with its line in the mapping file, all at once.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careloop.events.importing.report import ImportFileError, Problem
from careloop.events.importing.tables import TableSpec
from careloop.journeys.journey_file import did_you_mean

TOP_KEYS = ("table", "timezone", "encoding", "delimiter", "formats", "columns", "codes", "sheet")
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "\\t": "\t"}


@dataclass(frozen=True)
class Source:
    """Where one field's value comes from: one column, several joined with a space (a date column and
    a time column), or a constant for every row (an export per location)."""

    columns: tuple[str, ...] = ()
    constant: str | None = None
    line: int | None = None


@dataclass
class Mapping:
    name: str
    timezone: ZoneInfo
    encoding: str = "auto"
    delimiter: str = "auto"
    formats: tuple[str, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    canonical: bool = False  # our own column names; optional columns may be absent
    sheet: str | None = None  # .xlsx: the sheet to read (default the first)


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def canonical_mapping(spec: TableSpec) -> Mapping:
    return Mapping(
        name="(careloop's own column names)",
        timezone=practice_zone(),
        sources={name: Source((name,)) for name in spec.field_names},
        canonical=True,
    )


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _MappingReader:
    def __init__(self, filename: str, spec: TableSpec) -> None:
        self.filename = filename
        self.spec = spec
        self.problems: list[Problem] = []

    def problem(self, node: Node | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.filename, _line(node) if node is not None else None, message, field=key))

    def pairs(self, node: Node, key: str) -> list[tuple[str, Node, Node]]:
        if not isinstance(node, MappingNode):
            self.problem(node, key, "expected `name: value` lines")
            return []
        found: list[tuple[str, Node, Node]] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value) if isinstance(key_node, ScalarNode) else ""
            if name in seen:
                self.problem(key_node, name, f"appears twice (first on line {seen[name]})")
                continue
            seen[name] = _line(key_node)
            found.append((name, key_node, value_node))
        return found

    def scalar(self, node: Node, key: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            self.problem(node, key, "expected a value")
            return None
        return str(node.value)

    def read(self, root: Node) -> Mapping:
        mapping = Mapping(name=self.filename, timezone=practice_zone())
        top = self.pairs(root, "(top)")
        for key, key_node, value in top:
            if key not in TOP_KEYS:
                self.problem(key_node, key, f"unknown key{did_you_mean(key, TOP_KEYS)}; expected: {', '.join(TOP_KEYS)}")
            elif key == "table":
                table = self.scalar(value, key)
                if table is not None and table != self.spec.table:
                    self.problem(value, key, f"this mapping is for {table!r}, not {self.spec.table!r}")
            elif key == "timezone":
                self.zone(value, mapping)
            elif key == "encoding":
                self.encoding(value, mapping)
            elif key == "delimiter":
                self.delimiter(value, mapping)
            elif key == "sheet":
                mapping.sheet = self.scalar(value, key)
            elif key == "formats":
                mapping.formats = self.formats(value)
            elif key == "columns":
                mapping.sources = self.columns(value)
            else:
                mapping.codes = self.codes(value)
        if isinstance(root, MappingNode) and not any(key == "columns" for key, _, _ in top):
            self.problem(root, "columns", "is missing: a mapping lists `columns:`, one `our_field: Their column` a line")
        return mapping

    def zone(self, node: Node, mapping: Mapping) -> None:
        name = self.scalar(node, "timezone")
        if name is None:
            return
        try:
            mapping.timezone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(node, "timezone", f"{name!r} is not a time zone; expected an IANA name such as America/New_York")

    def encoding(self, node: Node, mapping: Mapping) -> None:
        name = self.scalar(node, "encoding")
        if name is None:
            return
        if name != "auto":
            try:
                codecs.lookup(name)
            except LookupError:
                self.problem(node, "encoding", f"{name!r} is not an encoding; expected auto, utf-8, latin-1 or cp1252")
                return
        mapping.encoding = name

    def delimiter(self, node: Node, mapping: Mapping) -> None:
        value = self.scalar(node, "delimiter")
        if value is None:
            return
        value = DELIMITER_NAMES.get(value, value)
        if value != "auto" and len(value) != 1:
            self.problem(node, "delimiter", f"{value!r} is not one character; expected auto, comma, semicolon, tab or pipe")
            return
        mapping.delimiter = value

    def formats(self, node: Node) -> tuple[str, ...]:
        items = node.value if isinstance(node, SequenceNode) else [node]
        found = []
        for item in items:
            text = self.scalar(item, "formats")
            if text is None:
                continue
            if "%" not in text:
                self.problem(item, "formats", f"{text!r} is not a date format; expected strftime codes such as %m/%d/%Y %I:%M %p")
                continue
            found.append(text)
        return tuple(found)

    def columns(self, node: Node) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        names = self.spec.field_names
        for key, key_node, value in self.pairs(node, "columns"):
            if key not in names:
                self.problem(
                    key_node,
                    f"columns.{key}",
                    f"is not a field of {self.spec.table}{did_you_mean(key, names)}; expected one of: {', '.join(names)}",
                )
                continue
            source = self.source(value, f"columns.{key}")
            if source is not None:
                sources[key] = source
        for spec_field in self.spec.fields:
            if spec_field.required and spec_field.name not in sources and isinstance(node, MappingNode):
                self.problem(node, "columns", f"has no column for {spec_field.name}, which {self.spec.table} need")
        return sources

    def source(self, node: Node, key: str) -> Source | None:
        if isinstance(node, ScalarNode) and not node.tag.endswith(":null"):
            return Source((str(node.value),), line=_line(node))
        if isinstance(node, SequenceNode) and node.value:
            columns = [self.scalar(item, key) for item in node.value]
            if all(c is not None for c in columns):
                return Source(tuple(c for c in columns if c is not None), line=_line(node))
            return None
        if isinstance(node, MappingNode):
            pairs = self.pairs(node, key)
            if len(pairs) == 1 and pairs[0][0] == "value":
                constant = self.scalar(pairs[0][2], key)
                return Source(constant=constant, line=_line(node)) if constant is not None else None
        self.problem(node, key, "expected a column name, a list of columns to join, or `{value: constant}`")
        return None

    def codes(self, node: Node) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for key, key_node, value in self.pairs(node, "codes"):
            if key not in self.spec.field_names:
                self.problem(key_node, f"codes.{key}", f"is not a field of {self.spec.table}{did_you_mean(key, self.spec.field_names)}")
                continue
            spec_field = self.spec.field(key)
            if spec_field.kind == "boolean":
                allowed: Sequence[str] = ("true", "false")
            elif spec_field.kind == "code":
                allowed = [value for value, _ in spec_field.codes]
            else:
                self.problem(key_node, f"codes.{key}", "takes no codes: only fields with a fixed list of values (or true/false) do")
                continue
            table: dict[str, str] = {}
            for theirs, _, ours_node in self.pairs(value, f"codes.{key}"):
                ours = self.scalar(ours_node, f"codes.{key}.{theirs}")
                if ours is None:
                    continue
                ours = ours.lower() if spec_field.kind == "boolean" else ours
                if ours not in allowed:
                    self.problem(ours_node, f"codes.{key}.{theirs}", f"{ours!r} is not one of: {', '.join(allowed)}")
                    continue
                table[theirs] = ours
            found[key] = table
        return found


def read_mapping(path: str | Path, spec: TableSpec) -> Mapping:
    filename = str(path)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError([Problem(filename, None, "the mapping file does not exist")]) from None
    except UnicodeDecodeError:
        raise ImportFileError([Problem(filename, None, "the mapping file is not UTF-8 text; save it as UTF-8")]) from None
    except OSError as error:
        raise ImportFileError([Problem(filename, None, f"the mapping file cannot be read: {error.strerror}")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ImportFileError([Problem(filename, line, f"not valid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise ImportFileError([Problem(filename, None, f"not valid YAML: {error}")]) from None
    if root is None:
        raise ImportFileError([Problem(filename, 1, "the mapping file is empty; it needs at least `columns:`")])
    reader = _MappingReader(filename, spec)
    mapping = reader.read(root)
    if reader.problems:
        raise ImportFileError(sorted(reader.problems, key=lambda p: p.line or 0))
    return mapping


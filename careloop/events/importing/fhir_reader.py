"""FHIR NDJSON on disk → (file, line, resource), with every bad line reported (docs/importing.md, "FHIR").

An import reads one of:
- one `.ndjson` file;
- a folder of them (every `*.ndjson` but our own `*.rejected.ndjson`);
- a Bulk Data `$export` folder, or its `manifest.json`: `output[].type` says which resource type each
  file holds and `output[].url` names it (the last part of the URL is the file's name in the folder),
  as the FHIR Bulk Data Access IG (v2.0.0, "Bulk Data Output File Request") writes it.

A file's resource type comes from the manifest, or from its name when one part of it is a resource type
(`Appointment.ndjson`, `1.Encounter.ndjson`, `Task_000.ndjson`); a line of another type in such a file is
a problem. Lines are parsed one at a time with orjson straight from bytes (NDJSON is UTF-8 by definition),
so a 10 MB line costs 10 MB once, and invalid UTF-8 is reported with its line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import orjson

from careloop.events.importing.report import ImportFileError, Problem

MANIFEST_NAME = "manifest.json"
REJECTED_SUFFIX = ".rejected.ndjson"
# Types a file name may announce. Only names careloop reads or counts: a file named after anything
# else is read as a mix of types rather than guessed at.
NAMED_TYPES = frozenset({
    "Appointment", "Encounter", "EncounterHistory", "ServiceRequest", "Task", "Communication", "Slot",
    "Schedule", "Patient", "QuestionnaireResponse", "Practitioner", "PractitionerRole", "Location",
    "Organization", "OperationOutcome",
})
NAME_PARTS = re.compile(r"[._\-\s]+")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # as messages show it
    resource_type: str | None  # the only type it may hold, or None for a mix


@dataclass
class FhirSource:
    """What one import reads: its files, a fingerprint of all of them, and notes for the report."""

    path: Path
    name: str
    files: list[SourceFile]
    notes: list[str]
    transaction_time: str | None = None  # the manifest's transactionTime: when the export's data was true


class BadLine(NamedTuple):
    message: str


def type_from_name(path: Path) -> str | None:
    stem = path.name.removesuffix(".ndjson")
    return next((part for part in NAME_PARTS.split(stem) if part in NAMED_TYPES), None)


def find_sources(path: str | Path) -> FhirSource:
    """Raises ImportFileError when there is nothing to read or the manifest is wrong."""
    given = Path(path)
    name = str(path)
    if not given.exists():
        raise ImportFileError([Problem(name, None, "does not exist; expected an .ndjson file or a folder of them")])
    if given.is_file() and given.name == MANIFEST_NAME:
        return read_manifest(given, name)
    if given.is_file():
        return FhirSource(given, name, [SourceFile(given, name, type_from_name(given))], [])
    if (given / MANIFEST_NAME).is_file():
        return read_manifest(given / MANIFEST_NAME, name)
    files = sorted(p for p in given.glob("*.ndjson") if p.is_file() and not p.name.endswith(REJECTED_SUFFIX))
    if not files:
        raise ImportFileError([Problem(name, None, "has no .ndjson file and no manifest.json; expected FHIR NDJSON files")])
    return FhirSource(given, name, [SourceFile(p, str(p), type_from_name(p)) for p in files], [])


def read_manifest(manifest: Path, shown: str) -> FhirSource:
    name = str(manifest)
    try:
        data = orjson.loads(manifest.read_bytes())
    except orjson.JSONDecodeError as error:
        raise ImportFileError([Problem(name, None, f"is not valid JSON ({error}); expected a Bulk Data manifest")]) from None
    outputs = data.get("output") if isinstance(data, dict) else None
    if not isinstance(outputs, list):
        raise ImportFileError([Problem(name, None, "has no output list; expected a Bulk Data manifest", field="output")])
    problems: list[Problem] = []
    files: list[SourceFile] = []
    for i, entry in enumerate(outputs):
        kind = entry.get("type") if isinstance(entry, dict) else None
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(kind, str) or not isinstance(url, str) or not url:
            problems.append(Problem(name, None, "expected an object with a type and a url", field=f"output[{i}]"))
            continue
        local = manifest.parent / unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        if not local.is_file():
            problems.append(
                Problem(name, None, f"names {local.name}, which is not in {manifest.parent}; expected the exported "
                        "files beside the manifest", field=f"output[{i}].url", value=url)
            )
            continue
        files.append(SourceFile(local, str(local), kind))
    if problems:
        raise ImportFileError(problems)
    notes = []
    errors = data.get("error")
    if isinstance(errors, list) and errors:
        notes.append(f"{name}: the export reported {len(errors)} error file(s) (OperationOutcome); they are not imported")
    moment = data.get("transactionTime")
    return FhirSource(manifest.parent, shown, files, notes, moment if isinstance(moment, str) else None)


def parse_line(raw: bytes, expected_type: str | None) -> dict[str, Any] | BadLine:
    """One NDJSON line → the resource, or what is wrong with it. Never raises."""
    try:
        resource = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return BadLine(_not_json(raw, error))
    if not isinstance(resource, dict):
        return BadLine(f"is a JSON {_json_kind(resource)}; expected one FHIR resource as a JSON object per line")
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        return BadLine("has no resourceType; expected a FHIR resource (a JSON object with a resourceType)")
    if expected_type is not None and kind != expected_type:
        return BadLine(f"is a {kind[:60]!r}; expected only {expected_type} resources in this file")
    return resource


def _not_json(raw: bytes, error: orjson.JSONDecodeError) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return (f"byte 0x{raw[bad.start]:02X} at column {bad.start + 1:,} is not UTF-8; expected UTF-8 "
                "(FHIR NDJSON is always UTF-8)")
    return f"is not valid JSON ({error.msg} at column {error.pos + 1:,}); expected one complete JSON object per line (is the line cut off?)"


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


class LineReader:
    """(line number, resource or BadLine) for each non-blank line of one file; `sha256` is the file's
    digest once the lines have been read."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.sha256 = ""
        self.size = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
        digest = hashlib.sha256()
        expected = self.source.resource_type
        with self.source.path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                digest.update(raw)
                self.size += len(raw)
                if number == 1 and raw.startswith(UTF8_BOM):
                    raw = raw[len(UTF8_BOM):]
                raw = raw.rstrip(b"\r\n")
                if not raw or raw.isspace():
                    continue
                yield number, parse_line(raw, expected)
        self.sha256 = digest.hexdigest()


def read_lines(path: Path, numbers: set[int]) -> Iterator[bytes]:
    """The raw bytes of the given lines (for the quarantine file), each ending with a newline."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number in numbers:
                yield raw if raw.endswith(b"\n") else raw + b"\n"

"""Reading the fields careloop uses from one FHIR resource (a dict straight from orjson), checking each
as it is read and collecting one Problem per wrong field, with its path (`Encounter.statusHistory[1].period.end`).

Only the fields used are checked (the rest are counted, not validated): direct dict access costs a
fraction of building a full resource model (DESIGN.md; bench/bench_import_fhir.py measures it).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, NamedTuple

from careloop.events.importing.report import Problem


class Where(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made per resource, and this is the cheap kind.
    file: str
    line: int


class Fields:
    def __init__(self, resource: dict[str, Any], where: Where) -> None:
        self.resource = resource
        self.where = where
        self.kind: str = resource["resourceType"]
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str, value: Any = None) -> None:
        shown = None if value is None else (value if isinstance(value, str) else repr(value))
        self.problems.append(Problem(self.where.file, self.where.line, message, field=f"{self.kind}.{path}", value=shown))

    def id(self) -> str:
        value = self.resource.get("id")
        if not isinstance(value, str) or not value:
            self.problem("id", "is missing; expected the resource's id (the source system's id)", value)
            return ""
        if len(value) > 64:
            self.problem("id", "is longer than 64 characters; expected a FHIR id", value)
        return value

    def code(self, key: str, allowed: Collection[str], *, required: bool = True) -> str | None:
        value = self.resource.get(key)
        if value is None:
            if required:
                self.problem(key, f"is missing; expected one of: {', '.join(allowed)}")
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problem(key, f"is not a known code; expected one of: {', '.join(allowed)}", value)
            return None
        return value

    def instant(self, value: Any, path: str, *, required: bool = False) -> datetime | None:
        """A FHIR dateTime with a time, as naive UTC (the importer's internal form). FHIR requires a zone
        whenever a time is given (R4 §2.24.0.1, dateTime), so a value without one is refused, not guessed."""
        if value is None:
            if required:
                self.problem(path, "is missing; expected a date and time with a zone, e.g. 2024-03-05T09:00:00-05:00")
            return None
        if not isinstance(value, str):
            self.problem(path, "is not text; expected a date and time such as 2024-03-05T09:00:00-05:00", value)
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem(path, "is not a date and time; expected e.g. 2024-03-05T09:00:00-05:00", value)
            return None
        if moment.tzinfo is None:
            if len(value) > len("2024-03-05"):
                self.problem(path, "has no time zone; expected one (FHIR requires it when a time is given), e.g. …Z or …-05:00", value)
            else:
                self.problem(path, "is a date without a time; expected a date and time with a zone", value)
            return None
        return moment.astimezone(UTC).replace(tzinfo=None)

    def period(self, value: Any, path: str) -> tuple[datetime | None, datetime | None]:
        if value is None:
            return None, None
        if not isinstance(value, dict):
            self.problem(path, "is not a Period; expected an object with start and end", value)
            return None, None
        start = self.instant(value.get("start"), f"{path}.start")
        end = self.instant(value.get("end"), f"{path}.end")
        if start is not None and end is not None and end < start:
            self.problem(f"{path}.end", f"is before its start ({value.get('start')}); expected end at or after start", value.get("end"))
            return start, None
        return start, end

    def reference(self, value: Any, path: str) -> tuple[str, str] | None:
        """("Patient", "123") from {"reference": "Patient/123"}, also from absolute URLs and versioned
        references (…/Patient/123/_history/2)."""
        if value is None:
            return None
        text = value.get("reference") if isinstance(value, dict) else None
        if not isinstance(text, str):
            self.problem(path, "is not a Reference; expected an object with reference \"Type/id\"", value)
            return None
        parts = text.split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) < 2 or not parts[-1] or not parts[-2]:
            self.problem(f"{path}.reference", "is not a reference; expected \"Type/id\"", text)
            return None
        return parts[-2], parts[-1]

    def references(self, key: str) -> list[tuple[str, str, str]]:
        """(type, id, path) for each reference of a list field such as basedOn or inResponseTo."""
        found = []
        for i, item in enumerate(self.list(key)):
            path = f"{key}[{i}]"
            ref = self.reference(item, path)
            if ref is not None:
                found.append((ref[0], ref[1], path))
        return found

    def list(self, key: str) -> list[Any]:
        value = self.resource.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, "is not a list; expected a JSON array", value)
            return []
        return value


def codings(concept: Any) -> list[tuple[str, str, str]]:
    """(system, code, display) of a CodeableConcept's codings, plus its text as a code-less display."""
    if not isinstance(concept, dict):
        return []
    found = [
        (str(c.get("system", "")), str(c.get("code", "")), str(c.get("display", "")))
        for c in concept.get("coding") or () if isinstance(c, dict)
    ]
    text = concept.get("text")
    if isinstance(text, str):
        found.append(("", "", text))
    return found


def concept_codes(concept: Any) -> list[str]:
    return [code for _, code, _ in codings(concept) if code]


def concept_words(concept: Any) -> str:
    """A CodeableConcept as a person would name it: its text, else a coding's display, else a code."""
    if isinstance(concept, dict) and isinstance(concept.get("text"), str) and concept["text"]:
        return str(concept["text"])
    entries = codings(concept)
    return next((d for _, _, d in entries if d), "") or next((c for _, c, _ in entries if c), "")

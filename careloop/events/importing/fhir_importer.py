"""`careloop import fhir PATH`: FHIR R4 NDJSON (a file, a folder, or a Bulk Data export with its manifest)
into the visits, referrals and messages tables, with the CSV importer's guarantees (docs/importing.md):

- atomic: by default one transaction for every table; any bad resource and nothing is written;
- `quarantine`: good rows are written, and the lines of every bad resource (with the other resources
  of the same row) go to NAME.rejected.ndjson, to fix and import again;
- idempotent, through the same UpsertWriter and content hash: the same export twice changes nothing;
- provenance: one ImportRun per table, with the SHA-256 of the files read.

The whole export is read before anything is written: resources refer to each other across files
(fhir_mapping.py joins them), so memory holds the few fields used per resource, not the resources.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from careloop.events.importing.fhir_fields import Where
from careloop.events.importing.fhir_mapping import Collector, MappedRow, check_row, row_values
from careloop.events.importing.fhir_reader import REJECTED_SUFFIX, BadLine, FhirSource, LineReader, find_sources, read_lines
from careloop.events.importing.fhir_store import StorePlan, plan_store, store_everything
from careloop.events.importing.earliest import EarliestTime
from careloop.events.importing.importer import MAX_PROBLEMS_KEPT, ImportOptions, RollBack, _os_user, progress_bar
from careloop.events.importing.report import ImportReport, Problem
from careloop.events.importing.rows import GoodRow
from careloop.events.importing.tables import table_spec
from careloop.events.importing.writer import BATCH_ROWS, UpsertWriter
from careloop.events.models import EventTable, ImportRun
from careloop.events.signals import events_imported

MAPPING_NAME = "FHIR R4 NDJSON"
TABLES: tuple[str, ...] = (EventTable.VISITS, EventTable.REFERRALS, EventTable.MESSAGES)


@dataclass
class FhirReport:
    path: str
    sha256: str = ""
    status: str = ""
    files: list[str] = field(default_factory=list)
    lines: int = 0  # resources read (non-blank lines)
    rejected: int = 0  # lines not imported because they, or a resource of the same row, are wrong
    resources: Counter[str] = field(default_factory=Counter)
    tables: dict[str, ImportReport] = field(default_factory=dict)
    not_imported: dict[str, int] = field(default_factory=dict)
    unused_fields: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quarantine_file: str = ""
    seconds: float = 0.0

    @property
    def resources_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        lines = [
            f"{self.path}: {self.lines:,} resources read from {len(self.files)} file(s), {self.rejected:,} rejected "
            f"({self.seconds:.1f} s, {self.resources_per_second:,.0f} resources/s)",
            "  by type: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.resources.items())),
        ]
        for table, report in self.tables.items():
            lines.append(f"  → {table}: {report.rows:,} rows, {report.inserted:,} inserted, {report.updated:,} updated, "
                         f"{report.unchanged:,} unchanged, {report.rejected:,} rejected")
        for reason, n in sorted(self.not_imported.items()):
            lines.append(f"  not imported: {n:,} × {reason}")
        for kind, fields in sorted(self.unused_fields.items()):
            shown = ", ".join(f"{name} ({n:,})" for name, n in sorted(fields.items(), key=lambda item: (-item[1], item[0])))
            lines.append(f"  {kind} fields present but not used: {shown}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": MAPPING_NAME,
            "sha256": self.sha256,
            "status": self.status,
            "files": self.files,
            "resources": self.lines,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "resources_per_second": round(self.resources_per_second),
            "by_type": dict(sorted(self.resources.items())),
            "tables": {table: _table_json(report) for table, report in self.tables.items()},
            "not_imported": self.not_imported,
            "unused_fields": self.unused_fields,
            "quarantine_file": self.quarantine_file,
            "problems": [str(p) for p in self.problems],
            "notes": self.notes,
        }


def _table_json(report: ImportReport) -> dict[str, Any]:
    keys = ("rows", "inserted", "updated", "unchanged", "rejected", "import_run")
    return {key: report.as_json()[key] for key in keys}


@dataclass
class Reading:
    """Pass 1's results over every file: the collector, the lines already known bad, the files' digests."""

    collector: Collector = field(default_factory=Collector)
    bad: dict[str, set[int]] = field(default_factory=dict)  # file → bad line numbers
    digests: dict[str, str] = field(default_factory=dict)


def import_fhir(path: str | Path, options: ImportOptions | None = None) -> FhirReport:
    """Raises ImportFileError when there is nothing to read; otherwise returns the report."""
    options = options or ImportOptions()
    started_at = timezone.now()
    clock = time.perf_counter()
    source = find_sources(path)
    report = FhirReport(source.name, files=[f.name for f in source.files], notes=list(source.notes))
    reading = read_everything(source, report, options)
    report.sha256 = combined_sha256(reading.digests)
    collector = reading.collector
    good, bad_rows = sort_rows(collector.rows(), reading, report)
    report.resources = collector.resources
    report.not_imported = dict(collector.skipped)
    report.unused_fields = {kind: dict(counts) for kind, counts in collector.unused_fields.items()}
    report.notes += [f"{n:,} rows: {note}" for note, n in sorted(collector.notes.items())]
    report.rejected = sum(len(lines) for lines in reading.bad.values())
    for table in TABLES:
        report.tables[table] = ImportReport(table, source.name, MAPPING_NAME, "utf-8", sha256=report.sha256,
                                            rows=len(good[table]) + bad_rows[table], rejected=bad_rows[table])
    store = plan_store(source, collector, report)
    report.not_imported = dict(collector.skipped)  # again: planning the store skips slots too
    report.notes += [f"{n:,} rows: {note}" for note, n in sorted(collector.notes.items()) if note.startswith("visit_type: Slot")]
    try:
        with transaction.atomic():
            write_tables(report, good, options, started_at)
            write_store(report, store, reading, options)
            if report.rejected and not options.quarantine:
                raise RollBack
            if report.rejected:
                report.quarantine_file = str(options.quarantine_path or default_quarantine_path(source))
                write_quarantine(Path(report.quarantine_file), source, reading.bad)
            report.status = ImportRun.Status.QUARANTINED if report.rejected else ImportRun.Status.IMPORTED
            finish_runs(report, clock)
    except RollBack:
        report.status = ImportRun.Status.REJECTED
        for table_report in report.tables.values():
            table_report.inserted = table_report.updated = table_report.unchanged = 0
        record_runs(report, options, started_at)
        finish_runs(report, clock)
    return report


def write_store(report: FhirReport, store: StorePlan, reading: Reading, options: ImportOptions) -> None:
    """Patients to the contact store, slots to snapshots, QuestionnaireResponses to surveys
    (fhir_store.py); a response the surveys app refuses is a bad line like any other."""
    for problem in store_everything(report.tables, store, _run_pk):
        _keep(report, problem)
        reading.bad.setdefault(problem.file, set()).add(problem.line or 0)
    report.rejected = sum(len(lines) for lines in reading.bad.values())


def read_everything(source: FhirSource, report: FhirReport, options: ImportOptions) -> Reading:
    reading = Reading()
    add = reading.collector.add
    size = sum(f.path.stat().st_size for f in source.files)
    done = 0
    with progress_bar(options.console, source.path.name, size, options.on_progress) as (progress, task):
        for source_file in source.files:
            lines = LineReader(source_file)
            for number, item in lines:
                report.lines += 1
                if isinstance(item, BadLine):
                    reading.bad.setdefault(source_file.name, set()).add(number)
                    _keep(report, Problem(source_file.name, number, item.message))
                else:
                    add(item, Where(source_file.name, number))
                if not report.lines % 50_000:
                    progress.update(task, completed=done + lines.size, rows=report.lines)
            done += lines.size
            reading.digests[source_file.name] = lines.sha256
        progress.update(task, completed=size, rows=report.lines)
    return reading


def _keep(report: FhirReport, problem: Problem) -> None:
    if len(report.problems) < MAX_PROBLEMS_KEPT:
        report.problems.append(problem)


def sort_rows(rows: list[MappedRow], reading: Reading, report: FhirReport) -> tuple[dict[str, list[GoodRow]], Counter[str]]:
    """Good rows by table, and how many rows each table lost; every bad resource's line is marked bad,
    and with it the lines of every resource of the same row."""
    collector = reading.collector
    for facts in [f for by_id in collector.facts.values() for f in by_id.values()] + collector.duplicates + collector.histories:
        for problem in facts.problems:
            _keep(report, problem)
        if facts.problems:
            reading.bad.setdefault(facts.where.file, set()).add(facts.where.line)
    specs = {table: table_spec(table) for table in TABLES}
    good: dict[str, list[GoodRow]] = {table: [] for table in TABLES}
    lost: Counter[str] = Counter()
    for row in rows:
        spec = specs[row.table]
        problems = check_row(spec, row)
        for problem in problems:
            _keep(report, problem)
        if problems or any(f.where.line in reading.bad.get(f.where.file, ()) for f in row.facts):
            lost[row.table] += 1
            for f in row.facts:
                reading.bad.setdefault(f.where.file, set()).add(f.where.line)
            continue
        good[row.table].append(GoodRow(row.where.line, row_values(spec, row)))
    return good, lost


def write_tables(report: FhirReport, good: dict[str, list[GoodRow]], options: ImportOptions, started_at: datetime) -> None:
    record_runs(report, options, started_at)
    for table, rows in good.items():
        table_report = report.tables[table]
        if report.rejected and not options.quarantine:
            continue  # all or nothing: the rows would be rolled back anyway
        spec = table_spec(table)
        writer = UpsertWriter(spec, _run_pk(table_report))
        earliest = EarliestTime(spec)
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            before, moment = writer.inserted + writer.updated, earliest.of(batch)
            writer.write(batch)
            if writer.inserted + writer.updated > before:
                earliest.keep(moment)
        table_report.inserted, table_report.updated, table_report.unchanged = writer.inserted, writer.updated, writer.unchanged
        table_report.earliest_event_at = earliest.value
        if writer.inserted or writer.updated:
            transaction.on_commit(announcement(table, _run_pk(table_report), earliest.value))


def announcement(table: str, run_id: int, earliest: datetime | None = None) -> Callable[[], None]:
    def send() -> None:
        events_imported.send(sender=ImportRun, table=table, import_run_id=run_id, earliest=earliest)

    return send


def _run_pk(table_report: ImportReport) -> int:
    return int(table_report.run_id.split(":", 1)[0])


def record_runs(report: FhirReport, options: ImportOptions, started_at: datetime) -> None:
    for table, table_report in report.tables.items():
        run = ImportRun.objects.create(
            table=table, file_name=report.path[:500], sha256=report.sha256, mapping_name=MAPPING_NAME,
            encoding="utf-8", user=options.user, run_by=_os_user(), started_at=started_at, finished_at=started_at,
            status=ImportRun.Status.REJECTED,
        )
        table_report.run_id = f"{run.pk}:{run.external_id}"


def finish_runs(report: FhirReport, clock: float) -> None:
    report.seconds = time.perf_counter() - clock
    for table_report in report.tables.values():
        pk, external_id = table_report.run_id.split(":", 1)
        table_report.status = report.status
        table_report.seconds = report.seconds
        ImportRun.objects.filter(pk=int(pk)).update(
            finished_at=timezone.now(), status=report.status, rows=table_report.rows, inserted=table_report.inserted,
            updated=table_report.updated, unchanged=table_report.unchanged, rejected=table_report.rejected,
            quarantine_file=report.quarantine_file[:500],
        )
        table_report.run_id = external_id


def combined_sha256(digests: dict[str, str]) -> str:
    """One file: its SHA-256. Several: the SHA-256 of their `sha256sum` lines in name order, so the same
    export read again has the same fingerprint."""
    if len(digests) == 1:
        return next(iter(digests.values()))
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def default_quarantine_path(source: FhirSource) -> Path:
    if source.path.is_file():
        return source.path.with_name(source.path.name.removesuffix(".ndjson") + REJECTED_SUFFIX)
    return source.path / f"careloop{REJECTED_SUFFIX}"


def write_quarantine(path: Path, source: FhirSource, bad: dict[str, set[int]]) -> None:
    # Mode 600: the lines are patient data, like the workspace (careloop/cli.py sets the same umask).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for source_file in source.files:
            numbers = bad.get(source_file.name)
            if numbers:
                handle.writelines(read_lines(source_file.path, numbers))

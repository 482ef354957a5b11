"""Import one CSV file into one event table: atomic, idempotent, every problem reported.

- Default: the whole file is one transaction. Rows are read, checked and written in batches; if any
  row is bad, reading goes on to the end to report every bad row, then the transaction is rolled
  back: nothing is written. (Streaming keeps memory flat on a million-row file.)
- `quarantine`: the good rows are written and the bad ones go, with their reasons, to a CSV to fix
  and import again.
- Every run, rejected ones included, is recorded as an ImportRun with the file's SHA-256.
- A CSV file into an event table is first tried the columnar way (columnar.py: Arrow parses and checks
  whole columns; four times the import rate, bench/ingest.py); if it finds anything not plainly clean,
  it takes back what it wrote (a savepoint) and the file is read again the rows.py way, which reports
  every problem as above.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from careloop.accounts.models import User
from careloop.events.importing.columnar import import_columns
from careloop.events.importing.contact_rows import ContactWriter, row_reader_for, writer_for
from careloop.events.importing.csv_reader import CsvFile, RowReader, inspect_csv
from careloop.events.importing.mapping import Mapping, canonical_mapping, read_mapping
from careloop.events.importing.quarantine import default_quarantine_path, write_quarantine
from careloop.events.importing.report import ImportReport
from careloop.events.importing.rows import BadRow, ReadBatch, read_batches
from careloop.events.importing.rows import RowReader as ValueReader
from careloop.events.importing.tables import table_spec
from careloop.events.importing.writer import BATCH_ROWS, UpsertWriter
from careloop.events.importing.xlsx_reader import XlsxFile, XlsxRowReader, inspect_xlsx, is_xlsx
from careloop.events.importing.earliest import EarliestTime
from careloop.events.models import ImportRun
from careloop.events.signals import events_imported

# Above this many bad rows the report keeps counting but stops keeping them: the quarantine file or a
# fixed mapping is the way forward, not a million lines on a screen.
MAX_PROBLEMS_KEPT = 10_000


Writer = UpsertWriter | ContactWriter


class RollBack(Exception):
    """Leaves the import's transaction so that nothing it wrote stays."""


@dataclass
class ImportOptions:
    quarantine: bool = False
    quarantine_path: Path | None = None
    user: User | None = None
    console: Console | None = None
    # Called as reading goes on with (bytes read, bytes in all, rows read): the web upload's progress.
    on_progress: ProgressCallback | None = None
    # False: skip the columnar fast path (columnar.py) and read the file the way rows.py does (batches,
    # row by row where a batch is not clean): the benchmark's baseline and the tests that compare both
    # ways; the stored rows and the report are the same.
    columnar: bool = True


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0
        return Text(f"{rows:>11,} rows {rows / elapsed if elapsed else 0:>9,.0f} rows/s")


ProgressCallback = Callable[[int, int, int], None]


class ReportedProgress:
    """The progress bar, and the caller's callback told the same figures (bytes read, total, rows)."""

    def __init__(self, progress: Progress, size: int, on_progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.size = size
        self.on_progress = on_progress

    def update(self, task: TaskID, *, completed: int, rows: int) -> None:
        self.progress.update(task, completed=completed, rows=rows)
        if self.on_progress is not None:
            self.on_progress(completed, self.size, rows)


@contextmanager
def progress_bar(console: Console | None, name: str, size: int,
                 on_progress: ProgressCallback | None = None) -> Iterator[tuple[ReportedProgress, TaskID]]:
    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), RowsPerSecond(),
        console=console, disable=not console.is_terminal, transient=False,
    )
    with progress:
        yield ReportedProgress(progress, size, on_progress), progress.add_task(f"importing {name}", total=size, rows=0)


def import_file(table: str, path: str | Path, mapping_path: str | Path | None = None,
                options: ImportOptions | None = None) -> ImportReport:
    """Raises ImportFileError for a file or mapping that cannot be read at all; otherwise returns the
    report (status rejected, imported or quarantined)."""
    options = options or ImportOptions()
    started_at = timezone.now()
    clock = time.perf_counter()
    spec = table_spec(table)
    mapping: Mapping = read_mapping(mapping_path, spec) if mapping_path else canonical_mapping(spec)
    csv_file = (inspect_xlsx(path, mapping.sheet) if is_xlsx(path)
                else inspect_csv(path, encoding=mapping.encoding, delimiter=mapping.delimiter))
    values = row_reader_for(spec, mapping, csv_file)
    report = ImportReport(table, csv_file.name, mapping.name, csv_file.encoding, csv_file.delimiter, csv_file.sha256)
    if csv_file.note:
        report.notes.append(f"{csv_file.name}: {csv_file.note}")
    if values.ignored_columns:
        report.notes.append(f"{csv_file.name}: columns not imported: {', '.join(values.ignored_columns)}")
    bad_rows: list[BadRow] = []
    try:
        with transaction.atomic():
            run = new_run(spec.table, csv_file, mapping, options, started_at)
            writer = writer_for(spec, run.pk)
            refused = read_and_write_columns(csv_file, values, writer, report, options) if options.columnar else "asked for"
            if refused is not None:  # read again from the start the rows.py way, which words every problem
                values, writer = row_reader_for(spec, mapping, csv_file), writer_for(spec, run.pk)
                read_and_write(csv_file, values, writer, report, bad_rows, options)
            earliest = report.earliest_event_at
            report.inserted, report.updated, report.unchanged = writer.inserted, writer.updated, writer.unchanged
            if report.rejected and not options.quarantine:
                raise RollBack
            if report.rejected:
                report.quarantine_file = str(options.quarantine_path or default_quarantine_path(csv_file.path))
                write_quarantine(Path(report.quarantine_file), csv_file, bad_rows)
            report.status = ImportRun.Status.QUARANTINED if report.rejected else ImportRun.Status.IMPORTED
            finish_run(run, report, clock)
            if report.inserted or report.updated:
                run_id = run.pk
                transaction.on_commit(
                    lambda: events_imported.send(sender=ImportRun, table=spec.table, import_run_id=run_id,
                                                 earliest=earliest)
                )
    except RollBack:
        report.status = ImportRun.Status.REJECTED
        report.inserted = report.updated = report.unchanged = 0
        run = new_run(spec.table, csv_file, mapping, options, started_at)
        finish_run(run, report, clock)
    report.notes += values.dst_notes
    if values.dst_count > len(values.dst_notes):
        report.notes.append(f"… and {values.dst_count - len(values.dst_notes):,} more times at a daylight-saving change")
    if report.rows == 0 and not report.rejected:
        report.notes.append(f"{csv_file.name} has a header but no rows: nothing to import")
    return report


def read_and_write_columns(csv_file: CsvFile, values: ValueReader, writer: Writer, report: ImportReport,
                           options: ImportOptions) -> str | None:
    """The columnar fast path (columnar.py); None when it imported the file, else why it did not."""
    if isinstance(csv_file, XlsxFile) or not isinstance(writer, UpsertWriter):
        return "not a CSV file into an event table"
    with progress_bar(options.console, csv_file.path.name, csv_file.size, options.on_progress) as (progress, task):
        refused = import_columns(csv_file, values, writer, report,
                                 lambda position, rows: progress.update(task, completed=position, rows=rows))
        if refused is None:
            progress.update(task, completed=csv_file.size, rows=report.rows)
    return refused


def read_and_write(csv_file: CsvFile, values: ValueReader, writer: Writer, report: ImportReport,
                   bad_rows: list[BadRow], options: ImportOptions) -> None:
    """Rows are read and written BATCH_ROWS at a time (rows.py reads a clean batch column by column)."""
    rows: RowReader | XlsxRowReader = XlsxRowReader(csv_file) if isinstance(csv_file, XlsxFile) else RowReader(csv_file)
    earliest = EarliestTime(values.spec)
    with progress_bar(options.console, csv_file.path.name, csv_file.size, options.on_progress) as (progress, task):
        for read in read_batches(rows, values, BATCH_ROWS):
            report.rows += read.rows
            report.rejected += len(read.bad)
            for bad in read.bad:
                if len(report.problems) < MAX_PROBLEMS_KEPT:
                    report.problems.extend(bad.problems)
            if options.quarantine:
                bad_rows.extend(read.bad)
            if read.good and (not report.rejected or options.quarantine):
                write_batch(writer, values, read, earliest)
            progress.update(task, completed=read.position, rows=report.rows)
        report.earliest_event_at = earliest.value
        progress.update(task, completed=csv_file.size, rows=report.rows)


def write_batch(writer: Writer, values: ValueReader, batch: ReadBatch, earliest: EarliestTime) -> None:
    """Write one batch; its earliest time counts only when it inserted or changed a row."""
    before = writer.inserted + writer.updated
    if isinstance(writer, UpsertWriter):
        writer.write_values(batch.good)
    else:
        writer.write(values.good_rows(batch))
    if writer.inserted + writer.updated > before:
        earliest.keep(batch.earliest_time())


def new_run(table: str, csv_file: CsvFile, mapping: Mapping, options: ImportOptions, started_at: datetime) -> ImportRun:
    return ImportRun.objects.create(
        table=table,
        file_name=csv_file.name[:500],
        sha256=csv_file.sha256,
        mapping_name=mapping.name[:500],
        encoding=csv_file.encoding,
        user=options.user,
        run_by=_os_user(),
        started_at=started_at,
        finished_at=started_at,
        status=ImportRun.Status.REJECTED,
    )


def finish_run(run: ImportRun, report: ImportReport, clock: float) -> None:
    report.seconds = time.perf_counter() - clock
    report.run_id = str(run.external_id)
    run.finished_at = timezone.now()
    run.status = report.status
    run.rows, run.inserted, run.updated = report.rows, report.inserted, report.updated
    run.unchanged, run.rejected = report.unchanged, report.rejected
    run.quarantine_file = report.quarantine_file[:500]
    run.save()


def _os_user() -> str:
    try:
        return getpass.getuser()[:150]
    except (KeyError, OSError):
        return ""

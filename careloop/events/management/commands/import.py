from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.report import ImportFileError, ImportReport
from careloop.events.models import EventTable, ImportRun

# Exit codes a script can act on (docs/importing.md).
EXIT_REJECTED = 1  # nothing written: the file, the mapping or some rows are wrong
EXIT_QUARANTINED = 3  # the good rows are in; the bad ones wait in the quarantine file
SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = "Import a CSV export into an event table: atomic, idempotent, every bad row reported (docs/importing.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", choices=EventTable.values, help="the event table to fill")
        parser.add_argument("path", metavar="PATH", help="the CSV file")
        parser.add_argument("--mapping", metavar="FILE", help="YAML column mapping (default: careloop's own column names)")
        parser.add_argument(
            "--quarantine", nargs="?", const="", default=None, metavar="FILE",
            help="import the good rows and write the bad ones, with reasons, to FILE (default NAME.rejected.csv)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args: Any, table: str, path: str, mapping: str | None, quarantine: str | None,
               as_json: bool, **options: Any) -> None:
        import_options = ImportOptions(
            quarantine=quarantine is not None,
            quarantine_path=Path(quarantine) if quarantine else None,
        )
        try:
            report = import_file(table, path, mapping, import_options)
        except ImportFileError as error:
            raise CommandError(f"nothing was imported:\n{error}", returncode=EXIT_REJECTED) from None
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.print_report(report)
        if report.status == ImportRun.Status.REJECTED:
            raise CommandError(
                f"nothing was imported: {report.rejected:,} of {report.rows:,} rows are wrong. Fix them, or run "
                "again with --quarantine to import the good rows and get the bad ones in a file to fix.",
                returncode=EXIT_REJECTED,
            )
        if report.status == ImportRun.Status.QUARANTINED:
            raise SystemExit(EXIT_QUARANTINED)

    def print_report(self, report: ImportReport) -> None:
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(str(problem))
        hidden = len(report.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            self.stderr.write(f"… and {hidden:,} more problems (--quarantine writes every bad row with its reason).")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(report.summary())
        if report.quarantine_file:
            self.stdout.write(
                f"{report.rejected:,} bad rows, with the reason for each, are in {report.quarantine_file}: "
                "fix them there and import that file again."
            )

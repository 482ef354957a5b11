from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.fhir_importer import import_fhir
from careloop.events.importing.report import ImportFileError, ImportReport, Problem
from careloop.events.importing.tables import CONTACTS
from careloop.events.models import EventTable, ImportRun

# Exit codes a script can act on (docs/importing.md).
EXIT_REJECTED = 1  # nothing written: the file, the mapping or some rows are wrong
EXIT_QUARANTINED = 3  # the good rows are in; the bad ones wait in the quarantine file
SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = "Import a CSV export into an event table: atomic, idempotent, every bad row reported (docs/importing.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", choices=[*EventTable.values, CONTACTS, "fhir"],
                            help="the event table to fill, contacts for the contact store, or fhir for FHIR R4 NDJSON")
        parser.add_argument("path", metavar="PATH",
                            help="the CSV or .xlsx file (fhir: an .ndjson file, a folder, or a Bulk Data export)")
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
        if table == "fhir":
            self.import_fhir(path, mapping, import_options, as_json)
            return
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

    def import_fhir(self, path: str, mapping: str | None, options: ImportOptions, as_json: bool) -> None:
        if mapping:
            raise CommandError("--mapping is for CSV files; FHIR resources are read as FHIR R4 defines them",
                               returncode=EXIT_REJECTED)
        try:
            report = import_fhir(path, options)
        except ImportFileError as error:
            raise CommandError(f"nothing was imported:\n{error}", returncode=EXIT_REJECTED) from None
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.print_problems(report.problems)
            for note in report.notes:
                self.stdout.write(f"note: {note}")
            self.stdout.write(report.summary())
            if report.quarantine_file:
                self.stdout.write(f"{report.rejected:,} bad lines are in {report.quarantine_file} (the problems are "
                                  "listed above): fix them there and import that file again.")
        if report.status == ImportRun.Status.REJECTED:
            raise CommandError(
                f"nothing was imported: {report.rejected:,} of {report.lines:,} resources are wrong or belong with one "
                "that is. Fix them, or run again with --quarantine to import the good ones.",
                returncode=EXIT_REJECTED,
            )
        if report.status == ImportRun.Status.QUARANTINED:
            raise SystemExit(EXIT_QUARANTINED)

    def print_problems(self, problems: list[Problem]) -> None:
        for problem in problems[:SHOWN_PROBLEMS]:
            self.stderr.write(str(problem))
        hidden = len(problems) - SHOWN_PROBLEMS
        if hidden > 0:
            self.stderr.write(f"… and {hidden:,} more problems (--json lists up to 10,000).")

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

"""careloop manage survey_instruments {list,load [FILE],export-fhir KEY,load-fhir FILE}: the survey
instruments and their versions, as instrument files or as FHIR R4 Questionnaires (surveys/fhir_io.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.surveys.fhir_io import QuestionnaireProblem, questionnaire_to_fhir, read_questionnaire_file, spec_from_questionnaire
from careloop.surveys.instrument_file import (
    InstrumentFileError,
    active_instrument_version,
    load_instrument_file,
    load_instrument_spec,
    shipped_instrument_files,
)
from careloop.surveys.models import InstrumentVersion


class Command(BaseCommand):
    help = "List survey instruments, or load instrument files (the shipped ones by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,load,export-fhir,load-fhir}")
        actions.add_parser("list", help="every instrument version, the active ones marked")
        load = actions.add_parser("load", help="load instrument files (default: every shipped instrument)")
        load.add_argument("files", nargs="*", metavar="FILE")
        export = actions.add_parser("export-fhir", help="write an instrument version as a FHIR R4 Questionnaire (JSON)")
        export.add_argument("key")
        export.add_argument("--version", type=int, help="the version (default: the active one)")
        export.add_argument("--output", help="file to write (default: standard output)")
        load_fhir = actions.add_parser("load-fhir", help="load FHIR R4 Questionnaire JSON files as instrument versions")
        load_fhir.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options["files"] or [str(path) for path in shipped_instrument_files()])
            return
        if action == "export-fhir":
            self.export_fhir(options["key"], options["version"], options["output"])
            return
        if action == "load-fhir":
            self.load_fhir(options["files"])
            return
        for version in InstrumentVersion.objects.select_related("instrument").order_by("instrument__key", "version"):
            mark = "active" if version.is_active else "      "
            self.stdout.write(f"{version.instrument.key:<20} v{version.version:<3} {mark} {', '.join(version.languages)}")

    def load(self, files: list[str]) -> None:
        for file in files:
            before = InstrumentVersion.objects.count()
            try:
                version = load_instrument_file(file)
            except InstrumentFileError as error:
                raise CommandError(f"{file} was not loaded, nothing changed for it:\n{error}") from None
            state = "loaded" if InstrumentVersion.objects.count() > before else "unchanged"
            self.stdout.write(f"{version.instrument.key} v{version.version}: {state}")

    def export_fhir(self, key: str, version_number: int | None, output: str | None) -> None:
        if version_number is None:
            version = active_instrument_version(key)
        else:
            version = InstrumentVersion.objects.filter(instrument__key=key, version=version_number).first()
        if version is None:
            known = ", ".join(sorted(set(InstrumentVersion.objects.values_list("instrument__key", flat=True)))) or "none"
            raise CommandError(f"no instrument {key!r}{f' version {version_number}' if version_number else ''} is loaded (instruments: {known})")
        text = json.dumps(questionnaire_to_fhir(version), ensure_ascii=False, indent=2) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{key} v{version.version} written to {output}")
        else:
            self.stdout.write(text, ending="")

    def load_fhir(self, files: list[str]) -> None:
        for file in files:
            before = InstrumentVersion.objects.count()
            try:
                version = load_instrument_spec(spec_from_questionnaire(read_questionnaire_file(file), file), source_file=file)
            except (QuestionnaireProblem, InstrumentFileError) as error:
                raise CommandError(f"{file} was not loaded, nothing changed for it:\n{error}") from None
            state = "loaded" if InstrumentVersion.objects.count() > before else "unchanged"
            self.stdout.write(f"{version.instrument.key} v{version.version}: {state}")

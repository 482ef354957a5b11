"""careloop manage survey_instruments {list,load [FILE]}: the survey instruments and their versions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.surveys.instrument_file import InstrumentFileError, load_instrument_file, shipped_instrument_files
from careloop.surveys.models import InstrumentVersion


class Command(BaseCommand):
    help = "List survey instruments, or load instrument files (the shipped ones by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,load}")
        actions.add_parser("list", help="every instrument version, the active ones marked")
        load = actions.add_parser("load", help="load instrument files (default: every shipped instrument)")
        load.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options["files"] or [str(path) for path in shipped_instrument_files()])
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

"""`careloop init` lives in the project package, not in one app: it prepares the workspace for every
stage of the loop (the journey, then the survey instruments its survey standards point at)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.journeys.journey_file import (
    DEFAULT_JOURNEY_PATH,
    JourneyFileError,
    active_journey,
    load_journey_file,
    load_journey_spec,
    read_journey_file,
)
from careloop.journeys.models import Journey
from careloop.surveys.instrument_file import load_shipped_instruments


class Command(BaseCommand):
    help = (
        "Create or migrate the workspace, then load a journey file: FILE if given, else the default "
        "template when no journey is active yet. Loading the active journey's content again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--journey", metavar="FILE", help="journey file to load (see docs/journey-file.md)")

    def handle(self, *args: Any, journey: str | None, **options: Any) -> None:
        try:
            # Check the file before touching the workspace: a mistyped path creates nothing.
            spec = read_journey_file(journey) if journey else None
            call_command("migrate", interactive=False, verbosity=0)
            before = active_journey()
            if spec is not None:
                loaded = load_journey_spec(spec, source_file=str(journey))
            else:
                loaded = before or load_journey_file(DEFAULT_JOURNEY_PATH)
        except JourneyFileError as error:
            raise CommandError(f"the journey file was not loaded, nothing changed:\n{error}") from None
        if before is None or loaded.pk != before.pk:
            how = f"loaded now from {loaded.source_file}"
        elif journey:
            how = f"unchanged: {journey} has the same content"
        else:
            how = "already active; `careloop init --journey FILE` loads another"
        instruments = load_shipped_instruments()
        self.stdout.write(workspace_summary(loaded, how))
        self.stdout.write(f"Survey instruments ready: {', '.join(sorted(v.instrument.key for v in instruments))}.")


def workspace_summary(journey: Journey, how: str) -> str:
    owners = journey.touchpoints.exclude(owner=None).values("owner").distinct().count()
    return (
        f"careloop workspace ready in {settings.HOME} (database: {database_description()}). "
        f'Active journey: "{journey.name}" version {journey.version}, {journey.touchpoints.count()} touchpoints, '
        f"{journey.standards.count()} standards, {owners} accountable owners ({how}). "
        "Next: `careloop user add EMAIL --role manager`, then `careloop serve`."
    )


def database_description() -> str:
    database = settings.DATABASES["default"]
    if "sqlite" in str(database["ENGINE"]):
        return f"SQLite {database['NAME']}"
    # Never print a password: engine, host and database name are enough to know where it went.
    engine = "PostgreSQL" if "postgresql" in str(database["ENGINE"]) else str(database["ENGINE"]).rsplit(".", 1)[-1]
    return f"{engine} {database.get('NAME')} on {database.get('HOST') or 'localhost'}"

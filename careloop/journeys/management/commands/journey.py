from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from careloop.journeys.journey_file import JourneyFileError, active_journey, export_journey, load_journey_file
from careloop.journeys.models import Journey


class Command(BaseCommand):
    help = "Journey file commands: export the active journey, show it as a table, or load a new version."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,show,load}")
        export = actions.add_parser("export", help="write the journey as a journey file (stdout by default)")
        export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
        export.add_argument("--version", type=int, dest="journey_version", help="an older version (default: active)")
        actions.add_parser("show", help="the active journey's touchpoints and standards as a short table")
        load = actions.add_parser("load", help="load FILE as a new journey version (same as init --journey)")
        load.add_argument("file", metavar="FILE")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options["file"])
            return
        if action == "export":
            self.export(chosen_journey(options.get("journey_version")), options.get("output"))
            return
        self.stdout.write(journey_table(chosen_journey(None)))

    def export(self, journey: Journey, output: str | None) -> None:
        text = export_journey(journey)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stdout.write(f"Wrote journey version {journey.version} to {output}.")

    def load(self, file: str) -> None:
        before = active_journey()
        try:
            journey = load_journey_file(file)
        except JourneyFileError as error:
            raise CommandError(f"the journey file was not loaded, nothing changed:\n{error}") from None
        if before is not None and before.pk == journey.pk:
            self.stdout.write(f"Journey version {journey.version} already has this content; nothing changed.")
        else:
            self.stdout.write(f"Loaded {file} as journey version {journey.version}, now active.")


def chosen_journey(version: int | None) -> Journey:
    if version is not None:
        journey = Journey.objects.filter(version=version).first()
        if journey is None:
            raise CommandError(f"there is no journey version {version}")
        return journey
    active = active_journey()
    if active is None:
        raise CommandError("no journey is loaded yet: run `careloop init` first")
    return active


def journey_table(journey: Journey) -> str:
    loaded = timezone.localtime(journey.loaded_at).strftime("%Y-%m-%d %H:%M")
    lines = [f"{journey.name}, version {journey.version} (active), loaded {loaded}", ""]
    touchpoints = journey.touchpoints.select_related("owner").order_by("order")
    lines.append(f"{'touchpoint':<24} {'channel':<10} {'owner':<26} standards")
    for t in touchpoints:
        label = f"{t.key}{' *' if t.is_origin else ''}"
        owner = t.owner.name if t.owner else "-"
        lines.append(f"{label:<24} {t.channel:<10} {owner:<26} {t.standards.count()}")
    lines += ["", "* origin: patients can enter the journey here", ""]
    lines.append(f"{'standard':<36} {'kind':<9} {'threshold':<20} {'goal':>6}")
    for s in journey.standards.order_by("order"):
        threshold = f"{s.threshold:g} {s.threshold_unit}" if s.threshold is not None else "-"
        goal = f"{s.goal:g}"
        lines.append(f"{s.key:<36} {s.kind:<9} {threshold:<20} {goal:>6}")
    return "\n".join(lines)

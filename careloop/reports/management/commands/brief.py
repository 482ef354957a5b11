"""`careloop brief [--week YYYY-Www] [--pdf FILE] [--json] [--email]`: the weekly brief."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.measures.series import today_in_practice
from careloop.reports.brief import BriefError, build_brief, last_complete_week, parse_week
from careloop.reports.pdf import brief_pdf


class Command(BaseCommand):
    help = "Show the weekly brief (default: the last complete week); write it as a PDF; email it to staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", help="ISO week, e.g. 2026-W07 (default: the last complete week)")
        parser.add_argument("--pdf", metavar="FILE", help="write the one-page PDF to FILE")
        parser.add_argument("--json", action="store_true", help="print the brief as JSON")
        parser.add_argument("--email", action="store_true", help="email it to staff now (once per week)")

    def handle(self, *args: Any, week: str | None, pdf: str | None, json: bool, email: bool, **options: Any) -> None:
        try:
            week_start = parse_week(week) if week else last_complete_week(today_in_practice())
            brief = build_brief(week_start)
        except BriefError as error:
            raise CommandError(str(error)) from None
        if pdf:
            path = Path(pdf)
            if not path.parent.is_dir():
                raise CommandError(f"--pdf {pdf}: the folder {path.parent} does not exist.")
            path.write_bytes(brief_pdf(brief))
        if email:
            from careloop.reports.tasks import send_brief

            sent = send_brief(week_start)
            self.stderr.write(f"emailed to {sent} people" if sent else f"the brief for {brief.week} was already emailed")
        if json:
            self.stdout.write(_dumps(brief.as_dict()))
            return
        self.stdout.write(_text(brief.as_dict()))
        if pdf:
            self.stdout.write(f"PDF written to {pdf}")


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _text(data: dict[str, Any]) -> str:
    lines = [f"Weekly brief, week {data['week']}"]
    lines.append(f"Moment of the week: {data['moment'] or 'none chosen'}")
    if data["recognised"]:
        lines.append("Recognised: " + ", ".join(data["recognised"]))
    lines.append("Standards off goal and signals:")
    lines += [f"  {s['name']}: {s['figure']} (goal {s['goal']}){' NEW' if s['new_signal'] else ''}{' signal: ' + s['signal'] if s['signal'] else ''}" for s in data["standards"]] or ["  none"]
    cases = data["cases"]
    lines.append(f"Cases: {cases['open']} open, {cases['late']} late, {cases['recovered']} recovered")
    theme = data["theme"]
    lines.append(f"Theme of the week: {theme['theme']} ({theme['comments']} comments)" if theme else "Theme of the week: no comments")
    if theme:
        lines += [f'  "{q}"' for q in theme["quotes"]]
    lines.append("Governance actions due:")
    lines += [f"  {a['action']} ({a['owner']}, due {a['due_on']})" for a in data["actions_due"]] or ["  none"]
    return "\n".join(lines)

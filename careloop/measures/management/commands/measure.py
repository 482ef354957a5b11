"""`careloop measure`: recompute the measurements and print the latest period of each standard.

Exit status: 0 every standard was measured; 1 some standard could not be measured (each says why,
in one line — a missing field, a broken holiday file — and the others are stored and printed);
3 the analytics database could not be opened (nothing measured); 2 a wrong option (argparse's)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.measures.engine import TABLE_BREAKDOWNS, AnalyticsUnavailable
from careloop.measures.latest import StandardLatest, latest_measurements
from careloop.measures.periods import PeriodKind
from careloop.measures.models import Breakdown
from careloop.measures.recompute import recompute_measurements

NOT_ENOUGH_DATA = "not enough data"
STANDARDS_FAILED = 1
ANALYTICS_UNAVAILABLE = 3
# Every breakdown the engine stores (calls by queue and agent too), in a stable order.
BREAKDOWN_CHOICES = list(dict.fromkeys([*(b for b in Breakdown.values if b), *(d for ds in TABLE_BREAKDOWNS.values() for d in ds)]))


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


def _figure(entry: StandardLatest, share: float | None, mean: float | None = None) -> str:
    """A share as a percentage; a survey mean (0-100) or NPS (-100..100) as the number it is."""
    if entry.score in ("mean", "nps"):
        value = mean if mean is not None else share
        return "" if value is None else f"{value:.1f}"
    return _percent(share)


def _goal(entry: StandardLatest) -> str:
    sign = "≤" if entry.direction == "lower_is_better" else "≥"
    if entry.score in ("mean", "nps"):
        return f"{sign} {entry.goal:g}"
    return f"{sign} {entry.goal * 100:g} %"


def _rows(entries: list[StandardLatest]) -> list[list[str]]:
    rows = [["standard", "period", "group", "n", "share", "95 % CI", "goal", "goal met"]]
    for entry in entries:
        if not entry.measurements:
            rows.append([entry.key, "", "", "", entry.notice or "no data", "", _goal(entry), ""])
        for m in entry.measurements:
            period = m.period_label + ("" if m.complete else " (so far)")
            if m.suppressed:
                figures = [str(m.n), NOT_ENOUGH_DATA, "", _goal(entry), ""]
            else:
                figure, ci = _figure(entry, m.share, m.mean), f"{_figure(entry, m.ci_low)} – {_figure(entry, m.ci_high)}"
                figures = [str(m.n), figure, ci, _goal(entry), "yes" if m.goal_met else "no"]
            rows.append([entry.key, period, m.breakdown_value or "practice", *figures])
    return rows


def format_table(entries: list[StandardLatest]) -> str:
    rows = _rows(entries)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)


class Command(BaseCommand):
    help = "Recompute the standards' measurements and print the latest period of each (or --json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", choices=PeriodKind.values, default=PeriodKind.MONTH)
        parser.add_argument("--by", choices=BREAKDOWN_CHOICES, default="")
        parser.add_argument("--json", dest="as_json", action="store_true", help="One JSON object instead of a table.")
        parser.add_argument(
            "--no-recompute", action="store_true", help="Print the stored measurements without recomputing them."
        )

    def handle(self, *args: Any, period: str, by: str, as_json: bool, no_recompute: bool, **options: Any) -> None:
        errors: list[str] = []
        if not no_recompute:
            try:
                report = recompute_measurements()
            except AnalyticsUnavailable as error:
                raise CommandError(str(error), returncode=ANALYTICS_UNAVAILABLE) from None
            errors = report.errors
        entries = latest_measurements(period, by)
        if as_json:
            document = {"period": period, "by": by or None, "standards": [e.as_dict() for e in entries], "errors": errors}
            self.stdout.write(_dumps(document))
        else:
            self.stdout.write(format_table(entries))
            for problem in errors:
                self.stderr.write(problem)
        if errors:
            raise CommandError(f"{len(errors)} standard(s) could not be measured; see above.", returncode=STANDARDS_FAILED)


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, default=str)

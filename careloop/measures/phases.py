"""Phases of a standard's SPC chart: recorded process changes turned into the change points that
spc.xmr / spc.laney_p take (NHSRplotthedots' `rebase`), so limits are recalculated from each change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date


def change_points(period_starts: Sequence[date], changed_on: Iterable[date]) -> list[int]:
    """Chart indices where a new segment begins, one per change that falls inside the chart.

    A change takes effect from the first period that starts on or after its date: a period that
    began before the change mixes the old process and the new, so it stays with the old limits
    (a change on Wednesday 5 March starts the new limits with the week of Monday 10 March).
    Changes before the first period or after the last start no segment (spc.py needs every
    segment to hold at least one point); two changes in the same period make one change point."""
    points: set[int] = set()
    for day in changed_on:
        index = next((i for i, start in enumerate(period_starts) if start >= day), None)
        if index is not None and 0 < index < len(period_starts):
            points.add(index)
    return sorted(points)

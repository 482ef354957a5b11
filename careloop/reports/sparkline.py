"""A small SVG line of a standard's recent weeks for the brief: black on white, so it prints in
black and white. The goal is a dashed line and the latest week a filled square, so nothing
depends on colour. (The full SPC chart is on the standard's page.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 120
HEIGHT = 32
PAD = 3


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    path: str
    goal_y: float | None
    last_x: float | None
    last_y: float | None
    label: str

    @property
    def marker_x(self) -> float | None:
        """The latest week's filled square, centred on the point."""
        return None if self.last_x is None else round(self.last_x - 2, 2)

    @property
    def marker_y(self) -> float | None:
        return None if self.last_y is None else round(self.last_y - 2, 2)


def draw_sparkline(values: Sequence[float | None], *, goal: float | None, label: str) -> Sparkline:
    """Gaps (None: not enough data) break the line."""
    known = [v for v in values if v is not None]
    if not known:
        return Sparkline(WIDTH, HEIGHT, "", None, None, None, label)
    low = min(known + ([goal] if goal is not None else []))
    high = max(known + ([goal] if goal is not None else []))
    if high == low:
        high, low = high + 0.5, low - 0.5
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(PAD + (high - value) / (high - low) * (HEIGHT - 2 * PAD), 2)

    parts = []
    pen_down = False
    last_x = last_y = None
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        x = round(PAD + i * step, 2)
        parts.append(f"{'L' if pen_down else 'M'}{x},{y(value)}")
        pen_down = True
        last_x, last_y = x, y(value)
    return Sparkline(WIDTH, HEIGHT, " ".join(parts), y(goal) if goal is not None else None, last_x, last_y, label)

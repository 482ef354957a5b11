"""The SPC chart of a standard, drawn on the server as SVG: no JavaScript, readable on paper.

This module computes the geometry (every coordinate a number); the template
measures/partials/spc_chart.svg.html writes the markup, so every piece of text — a process change's
description is typed by a person — is escaped by Django's autoescaping, never marked safe.

What is drawn (NHS England, "Making Data Count", and NHSRplotthedots' ptd_create_ggplot):
- the values as a line with one marker per period; a gap where a period has too few events
  ("not enough data") or none;
- the mean and the process limits as step lines, which step at each recorded process change
  (and, on a Laney p′ chart, from point to point as the denominator changes);
- the goal as a dashed line; each recorded change as a dashed vertical line with its description;
- point types by colour AND shape (WCAG 2.1 SC 1.4.1: colour is never the only cue):
  common cause a grey circle, improvement a blue square, concern an orange diamond, neutral special
  cause a purple triangle. Colours are NHSRplotthedots' grey (#7B7D7D) and purple (#490092), and
  the NHS blue (#005EB8) and orange (#ED8B00) the journey map already uses for met / not met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from careloop.measures import spc
from careloop.measures.series import StandardSeries

WIDTH = 960
HEIGHT = 360
LEFT = 64
RIGHT = 110
TOP = 24
BOTTOM = 64
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
MARKER = 5.0
# At most this many period labels on the x axis; the rest are in the table under the chart.
MAX_X_LABELS = 13


@dataclass(frozen=True)
class PointLook:
    colour: str
    shape: str
    label: str


POINT_LOOKS: dict[str, PointLook] = {
    spc.PointType.COMMON_CAUSE: PointLook("#7b7d7d", "circle", "Common cause"),
    spc.PointType.SPECIAL_CAUSE_IMPROVEMENT: PointLook("#005eb8", "square", "Special cause: improvement"),
    spc.PointType.SPECIAL_CAUSE_CONCERN: PointLook("#ed8b00", "diamond", "Special cause: concern"),
    spc.PointType.SPECIAL_CAUSE_NEUTRAL: PointLook("#490092", "triangle", "Special cause: neither better nor worse"),
}


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    value: float
    label: str
    period: str
    point_type: str
    colour: str
    shape: str
    # For a diamond or a triangle: the SVG path.
    path: str
    # The words of the tooltip.
    text: str

    @property
    def box_x(self) -> float:
        """Top-left corner of a square marker."""
        return round(self.x - MARKER - 0.5, 2)

    @property
    def box_y(self) -> float:
        return round(self.y - MARKER - 0.5, 2)


@dataclass(frozen=True)
class Gap:
    x: float
    width: float
    period: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Annotation:
    x: float
    text: str
    short: str
    changed_on: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass
class ChartDrawing:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_width: int = PLOT_WIDTH
    plot_height: int = PLOT_HEIGHT
    title: str = ""
    description: str = ""
    y_axis_label: str = ""
    x_axis_label: str = ""
    # SVG path data; '' when there is nothing to draw.
    value_path: str = ""
    mean_path: str = ""
    upper_path: str = ""
    lower_path: str = ""
    goal_y: float | None = None
    goal_label: str = ""
    markers: list[Marker] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    legend: list[PointLook] = field(default_factory=list)

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height

    @property
    def right(self) -> int:
        return self.left + self.plot_width


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    def y(self, value: float) -> float:
        return round(TOP + (self.high - value) / (self.high - self.low) * PLOT_HEIGHT, 2)


def format_figure(value: float, as_share: bool) -> str:
    if as_share:
        return f"{value * 100:.1f} %"
    return f"{value:.1f}"


def is_share_series(series: StandardSeries) -> bool:
    return all(p.measurement is None or p.measurement.share is not None or p.measurement.suppressed for p in series.points)


def _scale(series: StandardSeries, as_share: bool) -> Scale:
    figures: list[float] = [p.value for p in series.points if p.value is not None]
    if series.chart is not None:
        for point in series.chart.points:
            figures += [point.mean] + [v for v in (point.lower, point.upper) if v is not None]
    figures.append(series.standard.goal)
    low, high = min(figures), max(figures)
    pad = (high - low) * 0.08 or (0.05 if as_share else 1.0)
    low, high = low - pad, high + pad
    if as_share:
        low, high = max(0.0, low), min(1.0, high)
    return Scale(*_nice_bounds(low, high))


def _nice_step(span: float) -> float:
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _nice_bounds(low: float, high: float) -> tuple[float, float]:
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def _ticks(scale: Scale, as_share: bool) -> list[Tick]:
    step = _nice_step(scale.high - scale.low)
    ticks = []
    value = scale.low
    while value <= scale.high + step / 1000:
        label = f"{value * 100:.0f} %" if as_share else f"{value:g}"
        ticks.append(Tick(scale.y(value), label))
        value += step
    return ticks


def _step_path(xs: list[float], levels: list[float | None], breaks: list[bool], half: float) -> str:
    """A step line: one horizontal piece per point at its level (its limit or mean), joined by
    vertical steps; a new piece starts after a gap, a change point, or a missing level."""
    parts: list[str] = []
    open_run = False
    for x, level, broken in zip(xs, levels, breaks, strict=True):
        if level is None:
            open_run = False
            continue
        if not open_run or broken:
            parts.append(f"M{x - half:.2f},{level:.2f}")
        else:
            parts.append(f"V{level:.2f}")
        parts.append(f"H{x + half:.2f}")
        open_run = True
    return "".join(parts)


def _marker(x: float, y: float, value: float, period: str, point_type: str, as_share: bool, rule: str) -> Marker:
    look = POINT_LOOKS[point_type]
    size = MARKER
    if look.shape == "diamond":
        path = f"M{x:.2f},{y - size * 1.3:.2f}L{x + size * 1.3:.2f},{y:.2f}L{x:.2f},{y + size * 1.3:.2f}L{x - size * 1.3:.2f},{y:.2f}Z"
    elif look.shape == "triangle":
        path = f"M{x:.2f},{y - size * 1.3:.2f}L{x + size * 1.2:.2f},{y + size:.2f}L{x - size * 1.2:.2f},{y + size:.2f}Z"
    else:
        path = ""
    why = f" ({rule.replace('_', ' ')})" if rule else ""
    text = f"{period}: {format_figure(value, as_share)} — {look.label.lower()}{why}"
    return Marker(x, y, value, format_figure(value, as_share), period, point_type, look.colour, look.shape, path, text)


def draw_chart(series: StandardSeries, title: str) -> ChartDrawing:
    as_share = is_share_series(series)
    drawing = ChartDrawing(title=title)
    drawing.legend = list(POINT_LOOKS.values())
    drawing.x_axis_label = "Week starting (Monday)" if series.period_kind == "week" else "Month"
    drawing.y_axis_label = "Share meeting the standard" if as_share else "Score"
    if series.standard.kind == "rate":
        drawing.y_axis_label = "Share of events"
    # A recovery standard's "met" counts what its metric names: for the reopen rate that is a case
    # reopened, which is not "meeting the standard" (careloop/recovery/case_counts.py).
    if series.standard.kind == "recovery":
        drawing.y_axis_label = "Share of cases reopened" if series.standard.definition.get("metric") == "reopen_rate" else "Share of cases"
    if not series.points:
        drawing.description = "No complete period has been measured yet."
        return drawing
    scale = _scale(series, as_share)
    step = PLOT_WIDTH / len(series.points)
    half = step / 2
    xs = [round(LEFT + (i + 0.5) * step, 2) for i in range(len(series.points))]
    drawing.y_ticks = _ticks(scale, as_share)
    drawing.goal_y = scale.y(series.standard.goal)
    drawing.goal_label = f"Goal {format_figure(series.standard.goal, as_share)}"

    value_parts: list[str] = []
    previous_charted = False
    means: list[float | None] = []
    uppers: list[float | None] = []
    lowers: list[float | None] = []
    breaks: list[bool] = []
    last_segment = -1
    for x, point in zip(xs, series.points, strict=True):
        spc_point = series.spc_point(point)
        if point.value is None or spc_point is None:
            drawing.gaps.append(Gap(round(x - half, 2), round(step, 2), point.period.label(), x, TOP + PLOT_HEIGHT / 2))
            previous_charted = False
            means.append(None)
            uppers.append(None)
            lowers.append(None)
            breaks.append(True)
            continue
        y = scale.y(point.value)
        value_parts.append(f"{'L' if previous_charted else 'M'}{x:.2f},{y:.2f}")
        previous_charted = True
        rule = spc_point.rule.value if spc_point.rule is not None else ""
        drawing.markers.append(_marker(x, y, point.value, point.period.label(), spc_point.point_type, as_share, rule))
        means.append(scale.y(spc_point.mean))
        uppers.append(None if spc_point.upper is None else scale.y(spc_point.upper))
        lowers.append(None if spc_point.lower is None else scale.y(spc_point.lower))
        breaks.append(spc_point.segment != last_segment)
        last_segment = spc_point.segment
    drawing.value_path = "".join(value_parts)
    drawing.mean_path = _step_path(xs, means, breaks, half)
    drawing.upper_path = _step_path(xs, uppers, breaks, half)
    drawing.lower_path = _step_path(xs, lowers, breaks, half)
    drawing.annotations = _annotations(series, xs, half)
    every = max(1, math.ceil(len(xs) / MAX_X_LABELS))
    drawing.x_labels = [XLabel(x, p.period.label()) for i, (x, p) in enumerate(zip(xs, series.points)) if i % every == 0]
    drawing.description = _description(series, as_share)
    return drawing


def _annotations(series: StandardSeries, xs: list[float], half: float) -> list[Annotation]:
    """A dashed line where each recorded change starts new limits, with its description."""
    starts = [p.period.start for p in series.points]
    annotations = []
    for change in series.changes:
        index = next((i for i, start in enumerate(starts) if start >= change.changed_on), None)
        if index is None or index == 0:
            continue
        short = change.description if len(change.description) <= 28 else change.description[:27] + "…"
        annotations.append(Annotation(round(xs[index] - half, 2), change.description, short, change.changed_on.isoformat()))
    return annotations


def _description(series: StandardSeries, as_share: bool) -> str:
    charted = series.charted
    gaps = len(series.points) - len(charted)
    text = f"{len(charted)} periods charted"
    if gaps:
        text += f", {gaps} without enough data"
    if series.chart is not None and series.chart.mean is not None:
        text += f"; current mean {format_figure(series.chart.mean, as_share)}"
    concerns = sum(1 for p in (series.chart.points if series.chart else ()) if p.point_type is spc.PointType.SPECIAL_CAUSE_CONCERN)
    if concerns:
        text += f"; {concerns} points of special cause for concern"
    return text + "."

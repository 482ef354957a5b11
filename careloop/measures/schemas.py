"""JSON shapes of the measurements API."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class MeasurementOut(Schema):
    period: str
    period_label: str
    period_start: date
    period_end: date
    complete: bool
    breakdown: str
    breakdown_value: str
    n: int
    n_met: int | None
    share: float | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    goal_met: bool | None
    suppressed: bool


class StandardMeasurementsOut(Schema):
    key: str
    name: str
    touchpoint: str
    owner: str
    kind: str
    goal: float
    direction: str
    min_n: int
    score: str
    notice: str
    measurements: list[MeasurementOut]


class LatestMeasurementsOut(Schema):
    period: str
    by: str | None
    standards: list[StandardMeasurementsOut]

"""The SPC chart's SVG: one marker per charted period with its shape and colour, limit lines at the
y of limits computed by hand, a step where a recorded change starts new limits, gaps for periods
without enough data, and every bit of typed text escaped."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string

from careloop.journeys.models import Standard
from careloop.measures import spc
from careloop.measures.models import Measurement, ProcessChange
from careloop.measures.series import standard_series
from careloop.measures.spc_chart import PLOT_HEIGHT, TOP, draw_chart
from tests.measures.engine_events import make_standard

MONDAY = date(2025, 1, 6)
TODAY = date(2025, 12, 1)


def _survey_standard() -> Standard:
    # A survey mean (0-100) is charted as XmR: its limits are mean ± 2.66 × mean moving range.
    definition = {"instrument": "cg-cahps-visit", "items": ["x"], "score": "mean"}
    return make_standard("score", "survey", definition, goal=80, min_n=10)


def _week(standard: Standard, week: int, value: float | None, n: int = 40) -> None:
    start = MONDAY + timedelta(weeks=week)
    Measurement.objects.create(
        standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
        n=n, n_met=0, mean=value, suppressed=value is None, goal_met=None if value is None else value >= 80,
    )


def _svg(standard: Standard) -> tuple[Any, str]:
    series = standard_series(standard, "week", today=TODAY)
    chart = draw_chart(series, "Score <weekly>")
    return chart, render_to_string("measures/partials/spc_chart.svg.html", {"chart": chart})


def _path_levels(d: str) -> list[float]:
    """The y of every horizontal piece of a step path ("M x,y H x V y H x …")."""
    return [float(v) for v in re.findall(r"(?:M[\d.]+,|V)([\d.]+)", d)]


def test_it_draws_one_marker_per_period_and_limits_at_the_hand_computed_y(db: Any) -> None:
    standard = _survey_standard()
    values = [70, 74, 72, 76, 74, 78]
    for week, value in enumerate(values):
        _week(standard, week, value)
    chart, svg = _svg(standard)
    # By hand: mean 74; moving ranges 4, 2, 4, 2, 4 → mean 3.2; limits 74 ± 2.66 × 3.2 = 65.488 and 82.512.
    mean, upper, lower = 74.0, 74 + 2.66 * 3.2, 74 - 2.66 * 3.2
    # The y scale: padded bounds rounded to a "nice" step. 8 % of (82.512 - 65.488) padding, step 5.
    low, high = 60.0, 85.0

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * PLOT_HEIGHT, 2)

    assert len(chart.markers) == 6 and svg.count('class="point common_cause"') == 6
    assert set(_path_levels(chart.upper_path)) == {y(upper)}
    assert set(_path_levels(chart.lower_path)) == {y(lower)}
    assert set(_path_levels(chart.mean_path)) == {y(mean)}
    assert chart.goal_y == y(80)
    assert [m.y for m in chart.markers] == [y(v) for v in values]
    # Every marker says what it is in words, too (its <title>), not by colour alone.
    assert "2025-W02: 70.0 — common cause" in svg


def test_it_steps_the_limits_at_a_recorded_change_and_annotates_it(db: Any) -> None:
    standard = _survey_standard()
    for week, value in enumerate([70, 74, 72, 76, 90, 92, 90, 92]):
        _week(standard, week, value)
    # Changed on the Monday of week 4: new limits from that week on.
    ProcessChange.objects.create(standard=standard, changed_on=MONDAY + timedelta(weeks=4), description='Second nurse <b>"on"</b> Mondays')
    chart, svg = _svg(standard)
    # By hand: segment 1 mean 73, moving ranges 4, 2, 4 → 3.333…; segment 2 mean 91, ranges 2, 2, 2 → 2.
    series = standard_series(standard, "week", today=TODAY)
    assert series.change_points == [4]
    assert isinstance(series.chart, spc.XmrResult)
    assert series.chart.segments[0].upper == pytest.approx(73 + 2.66 * 10 / 3)
    assert series.chart.segments[1].upper == pytest.approx(91 + 2.66 * 2)
    # Two pieces per limit line, the second starting a new sub-path at the change.
    assert chart.upper_path.count("M") == 2 and len(set(_path_levels(chart.upper_path))) == 2
    (note,) = chart.annotations
    assert note.changed_on == "2025-02-03"
    assert note.x == pytest.approx(chart.markers[4].x - (chart.markers[1].x - chart.markers[0].x) / 2, abs=0.02)
    # The typed description is escaped, never markup.
    assert "<b>" not in svg and "&lt;b&gt;&quot;on&quot;&lt;/b&gt;" in svg.replace("&#x27;", "'")


def test_it_leaves_a_gap_saying_not_enough_data_for_a_suppressed_week(db: Any) -> None:
    standard = _survey_standard()
    for week, value in enumerate([70, 74, None, 76, 74]):
        _week(standard, week, value, n=40 if value is not None else 3)
    chart, svg = _svg(standard)
    assert len(chart.markers) == 4
    assert [g.period for g in chart.gaps] == ["2025-W04"]
    assert 'data-period="2025-W04"' in svg and "not enough data" in svg
    # The value line breaks at the gap: two sub-paths.
    assert chart.value_path.count("M") == 2


def test_it_marks_a_concern_as_an_orange_diamond(db: Any) -> None:
    standard = _survey_standard()
    for week, value in enumerate([80, 81, 80, 79, 80, 81, 80, 79, 80, 81, 80, 79, 50]):
        _week(standard, week, value)
    chart, svg = _svg(standard)
    concern = [m for m in chart.markers if m.point_type == "special_cause_concern"]
    assert [m.period for m in concern] == ["2025-W14"]
    assert concern[0].shape == "diamond" and concern[0].colour == "#ed8b00"
    assert re.search(r'<path class="point special_cause_concern" data-period="2025-W14" d="M[^"]+Z" fill="#ed8b00"', svg)


def test_it_says_so_when_nothing_is_measured_yet(db: Any) -> None:
    chart, svg = _svg(_survey_standard())
    assert chart.markers == [] and "No complete period has been measured yet." in svg


@pytest.mark.parametrize(
    ("metric", "label"),
    [("reopen_rate", "Share of cases reopened"), ("first_contact_within_sla", "Share of cases")],
)
def test_it_names_what_a_recovery_standards_share_counts(db: Any, metric: str, label: str) -> None:
    # The reopen rate's "met" is a reopened case: calling it "meeting the standard" would say the opposite.
    standard = make_standard("recovery", "recovery", {"metric": metric, "scope": "practice"}, goal=0.05, min_n=5)
    chart, svg = _svg(standard)
    assert chart.y_axis_label == label and label in svg

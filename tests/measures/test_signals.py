"""Signals from hand-made series: each SPC rule in the concerning direction, the missed-goal rule,
direction, deduplication (detection twice, a run that grows), status changes, the Django signal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from careloop.journeys.models import Standard
from careloop.measures import spc
from careloop.measures.models import Measurement, Signal, SignalKind, SignalStatus
from careloop.measures.signals import (
    SignalStatusError,
    change_signal_status,
    concern_episodes,
    detect_signals,
    detect_signals_for,
    missed_goal_episodes,
    open_signals,
    signal_raised,
)
from tests.conftest import Cast
from tests.measures.engine_events import make_standard

FIRST_MONDAY = date(2025, 1, 6)
TODAY = date(2025, 12, 1)


def _standard(direction: str = "higher_is_better", goal: float = 0.8, key: str = "calls-answered") -> Standard:
    definition = {"table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds"}
    return make_standard(key, "duration", definition, threshold=30, goal=goal, direction=direction, min_n=10)


def _weeks(standard: Standard, met_counts: list[int], n: int = 100, breakdown: str = "", value: str = "") -> None:
    """One week per count, from Monday 6 January 2025, n events each."""
    for i, met in enumerate(met_counts):
        start = FIRST_MONDAY + timedelta(weeks=i)
        share = met / n
        Measurement.objects.create(
            standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            breakdown=breakdown, breakdown_value=value, n=n, n_met=met, share=share,
            goal_met=share >= standard.goal if standard.direction == "higher_is_better" else share <= standard.goal,
        )


# --- the rules on plain chart points ---------------------------------------------------------------


def test_it_makes_one_episode_of_consecutive_concern_points_with_the_strongest_rule() -> None:
    # 20 points steady at 10 ± 1, then 7 falling points (trend) ending far below the limits.
    values: list[float] = [10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 9]
    values += [9.5, 9, 8.5, 8, 7.5, 7, 2]
    chart = spc.xmr(values, direction="higher_is_better")
    episodes = concern_episodes(chart.points)
    assert len(episodes) == 1
    (episode,) = episodes
    # 9.5 (index 20) rises from the 9 before it, then 9.5 … 2 fall for 7 points: one episode 20..26;
    # the last point is outside the limits, which outranks the trend.
    assert (episode.first, episode.last) == (20, 26)
    assert episode.rule == "outside_limits" and episode.triggered == 26


def test_it_dates_a_run_signal_at_the_seventh_point() -> None:
    values = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 12] + [9.8, 9.9, 9.7, 9.9, 9.8, 9.9, 9.7]
    chart = spc.xmr(values, direction="higher_is_better")
    # mean = (6*22 + 68.7) / 19 = 10.5632; the last 7 points are all below it: a run of concern.
    assert chart.points[-1].rule is spc.Rule.RUN
    (episode,) = concern_episodes(chart.points)
    assert (episode.first, episode.triggered, episode.last) == (12, 18, 18)
    assert episode.rule == "run"


def test_it_ignores_special_cause_in_the_good_direction() -> None:
    # Limits fixed on the first 12 points (mean 10, mean moving range 1): the 30 is far above them.
    values = [10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 9, 30]
    better = spc.xmr(values, direction="higher_is_better", baseline=12)
    assert better.points[-1].point_type is spc.PointType.SPECIAL_CAUSE_IMPROVEMENT
    assert concern_episodes(better.points) == []
    # The same high point is a concern when lower is better.
    (episode,) = concern_episodes(spc.xmr(values, direction="lower_is_better", baseline=12).points)
    assert (episode.first, episode.rule) == (12, "outside_limits")


def test_it_finds_two_of_three_near_the_limit() -> None:
    # Baseline: mean 10.5, mean moving range 1, so limits 7.84 and 13.16 and the two-thirds line
    # at 10.5 - 1.7733 = 8.727. 8.3 is beyond it (inside the limit); 9.9 is below the mean too.
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11]
    chart = spc.xmr([*values, 8.3, 9.9, 8.3], baseline=len(values))
    assert chart.lower == pytest.approx(7.84)
    # 8.3 and 8.3 are flagged, 9.9 between them is not: one finding, one episode through it.
    assert [p.rule for p in chart.points[16:]] == [spc.Rule.TWO_OF_THREE, None, spc.Rule.TWO_OF_THREE]
    (episode,) = concern_episodes(chart.points)
    assert episode.rule == "two_of_three"
    assert (episode.first, episode.triggered, episode.last) == (16, 16, 18)


def test_it_splits_episodes_at_a_change_point() -> None:
    # Index 10 is far below its segment's limits, and so is index 11, the first point after the
    # change (segment 2: mean 9, limits 6.34-11.66): adjacent concerns, but two episodes.
    values = [10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 0] + [0, 10, 11, 10, 9, 10, 11, 10, 9, 10]
    chart = spc.xmr(values, change_points=[11])
    assert chart.segments[1].lower == pytest.approx(6.34)
    assert [(e.first, e.last) for e in concern_episodes(chart.points)] == [(10, 10), (11, 11)]


def test_it_finds_goal_missed_three_periods_in_a_row_and_not_across_a_gap() -> None:
    met: list[bool | None] = [True, False, False, True, False, False, False, False, None, False, False]
    (episode,) = missed_goal_episodes(met, 3)
    assert (episode.first, episode.triggered, episode.last) == (4, 6, 7)
    assert missed_goal_episodes(met, 2)[0].first == 1
    assert len(missed_goal_episodes(met, 2)) == 3


# --- detection on stored measurements --------------------------------------------------------------


def test_it_raises_a_concern_signal_once_however_often_detection_runs(db: Any) -> None:
    standard = _standard()
    # 20 weeks around 85 %, then a week at 50 %: outside the p' limits, a concern.
    _weeks(standard, [85, 87, 84, 86, 85, 83, 86, 88, 85, 84, 86, 85, 87, 84, 85, 86, 84, 85, 87, 86, 50])
    received: list[Signal] = []

    def receiver(sender: Any, instance: Signal, **kwargs: Any) -> None:
        received.append(instance)

    signal_raised.connect(receiver)
    try:
        first = detect_signals([standard], today=TODAY)
        second = detect_signals([standard], today=TODAY)
    finally:
        signal_raised.disconnect(receiver)
    spc_signals = Signal.objects.filter(kind=SignalKind.SPECIAL_CAUSE)
    assert spc_signals.count() == 1
    signal = spc_signals.get()
    assert signal.rule == "outside_limits"
    assert signal.first_period == signal.triggered_period == FIRST_MONDAY + timedelta(weeks=20)
    assert signal.value == pytest.approx(0.5)
    assert (signal.period_kind, signal.breakdown, signal.status) == ("week", "", "open")
    assert first.created == 1 and second.created == 0 and second.unchanged == 1
    assert received == [signal]


def test_it_extends_a_missed_goal_signal_as_the_run_grows(db: Any) -> None:
    standard = _standard(goal=0.8)
    _weeks(standard, [85, 86, 70, 71, 72])
    detect_signals_for(standard, today=TODAY)
    signal = Signal.objects.get(kind=SignalKind.MISSED_GOAL)
    assert (signal.first_period, signal.triggered_period, signal.last_period) == (
        FIRST_MONDAY + timedelta(weeks=2), FIRST_MONDAY + timedelta(weeks=4), FIRST_MONDAY + timedelta(weeks=4)
    )
    _weeks_from(standard, 5, [73])
    report = detect_signals_for(standard, today=TODAY)
    signal.refresh_from_db()
    assert Signal.objects.filter(kind=SignalKind.MISSED_GOAL).count() == 1
    assert signal.last_period == FIRST_MONDAY + timedelta(weeks=5) and report.created == 0


def _weeks_from(standard: Standard, offset: int, met_counts: list[int]) -> None:
    for i, met in enumerate(met_counts, start=offset):
        start = FIRST_MONDAY + timedelta(weeks=i)
        Measurement.objects.create(
            standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            n=100, n_met=met, share=met / 100, goal_met=met / 100 >= standard.goal,
        )


def test_it_judges_concern_by_the_standards_direction(db: Any) -> None:
    # Abandonment (lower is better): a jump from ~4 % to 20 % is a concern; a drop would not be.
    worse = _standard(direction="lower_is_better", goal=0.05, key="abandonment")
    _weeks(worse, [4, 5, 3, 4, 5, 4, 3, 4, 5, 4, 4, 3, 5, 4, 20])
    better = _standard(direction="higher_is_better", goal=0.01, key="same-shape-higher-better")
    _weeks(better, [4, 5, 3, 4, 5, 4, 3, 4, 5, 4, 4, 3, 5, 4, 20])
    detect_signals([worse, better], today=TODAY)
    assert Signal.objects.get(standard=worse, rule="outside_limits").triggered_period == FIRST_MONDAY + timedelta(weeks=14)
    # Higher is better: the jump is an improvement, no signal for it (the 14 weeks before, all
    # below the raised mean, are a run of concern: that one is right, and dated earlier).
    assert not Signal.objects.filter(standard=better, rule="outside_limits").exists()


def test_it_skips_the_current_incomplete_period_and_suppressed_periods(db: Any) -> None:
    standard = _standard()
    _weeks(standard, [85, 87, 84, 86, 85, 83, 86, 88, 85, 84, 86, 85])
    # The week in progress on TODAY would be a huge drop, but it is not over yet.
    Measurement.objects.create(
        standard=standard, period_kind="week", period_start=date(2025, 12, 1), period_end=date(2025, 12, 8),
        n=100, n_met=10, share=0.1, goal_met=False,
    )
    detect_signals([standard], today=date(2025, 12, 3))
    assert not Signal.objects.filter(kind=SignalKind.SPECIAL_CAUSE).exists()


def test_it_detects_per_provider_too(db: Any) -> None:
    standard = _standard()
    _weeks(standard, [85, 87, 84, 86, 85, 83, 86, 88, 85, 84, 86, 85, 87, 84, 40], breakdown="provider", value="dr-ramirez")
    detect_signals([standard], today=TODAY)
    signal = Signal.objects.get(kind=SignalKind.SPECIAL_CAUSE)
    assert (signal.breakdown, signal.breakdown_value) == ("provider", "dr-ramirez")


def test_it_lists_open_and_acknowledged_signals_but_not_closed_ones(db: Any, cast: Cast) -> None:
    standard = _standard(goal=0.9)
    _weeks(standard, [70, 71, 72])
    other = _standard(goal=0.9, key="calls-answered-billing")
    _weeks(other, [70, 71, 72])
    detect_signals([standard, other], today=TODAY)
    first, second = Signal.objects.get(standard=standard), Signal.objects.get(standard=other)
    change_signal_status(first, "acknowledged", "", cast.maria)
    assert set(open_signals()) == {first, second}
    change_signal_status(second, "closed", "New hire started; watching.", cast.maria)
    assert list(open_signals()) == [first]
    assert list(open_signals(other)) == []
    second.refresh_from_db()
    assert second.status_changed_by == cast.maria and second.status_note == "New hire started; watching."


def test_it_signals_missed_goals_for_the_whole_practice_only(db: Any) -> None:
    standard = _standard(goal=0.9)
    _weeks(standard, [70, 71, 72], breakdown="provider", value="np-chen")
    detect_signals([standard], today=TODAY)
    assert not Signal.objects.exists()


def test_it_refuses_closing_without_a_note_and_reopening(db: Any, cast: Cast) -> None:
    standard = _standard(goal=0.9)
    _weeks(standard, [70, 71, 72])
    detect_signals([standard], today=TODAY)
    signal = Signal.objects.get()
    with pytest.raises(SignalStatusError, match="Say why"):
        change_signal_status(signal, "closed", "  ", cast.maria)
    change_signal_status(signal, "closed", "Seasonal; agreed at huddle.", cast.maria)
    with pytest.raises(SignalStatusError, match="cannot become open"):
        change_signal_status(signal, "open", "", cast.maria)
    # A closed episode found again by detection stays closed: no duplicate, no reopening.
    detect_signals([standard], today=TODAY)
    assert Signal.objects.get().status == SignalStatus.CLOSED


def test_it_refuses_a_stale_status_change(db: Any, cast: Cast) -> None:
    standard = _standard(goal=0.9)
    _weeks(standard, [70, 71, 72])
    detect_signals([standard], today=TODAY)
    mine, theirs = Signal.objects.get(), Signal.objects.get()
    change_signal_status(theirs, "closed", "Done.", cast.maria)
    with pytest.raises(SignalStatusError):
        change_signal_status(mine, "acknowledged", "", cast.fran)


def test_it_uses_the_missed_periods_setting(db: Any, settings: Any) -> None:
    settings.SIGNAL_MISSED_PERIODS = 5
    standard = _standard(goal=0.9)
    _weeks(standard, [70, 71, 72, 73])
    detect_signals([standard], today=TODAY)
    assert not Signal.objects.filter(kind=SignalKind.MISSED_GOAL).exists()


def test_it_refuses_a_second_row_for_the_same_run_at_the_database(db: Any) -> None:
    """Two detections at once both try to create the row: the unique constraint lets one win and
    get_or_create hands the other the winner's row, so no run is ever stored twice."""
    from django.db import IntegrityError, transaction

    standard = _standard()
    fields = {
        "standard": standard, "period_kind": "week", "kind": SignalKind.MISSED_GOAL, "rule": "missed_goal",
        "first_period": FIRST_MONDAY, "triggered_period": FIRST_MONDAY, "last_period": FIRST_MONDAY,
    }
    Signal.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signal.objects.create(**fields)
    # The same run as a different kind of signal is a different row.
    Signal.objects.create(**(fields | {"kind": SignalKind.SPECIAL_CAUSE, "rule": "run"}))
    assert Signal.objects.count() == 2

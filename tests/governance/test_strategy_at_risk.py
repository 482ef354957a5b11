"""Strategic goals with the state of their standards: at risk when one is off goal or signalling."""

from __future__ import annotations

from datetime import date

from careloop.governance.models import StrategicGoal
from careloop.governance.strategy import StandardState, goal_views
from careloop.measures.models import Measurement, Signal, SignalKind, SignalRule
from tests.conftest import Cast, client_for
from tests.governance.helpers import standard


def _month(std: object, start: date, met: int, n: int = 100) -> None:
    from careloop.journeys.models import Standard

    assert isinstance(std, Standard)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    Measurement.objects.create(standard=std, period_kind="month", period_start=start, period_end=end,
                               n=n, n_met=met, share=met / n, goal_met=met / n >= std.goal)


def test_it_marks_a_goal_at_risk_when_a_standard_is_off_goal_or_signalling(cast: Cast) -> None:
    answered = standard("calls-answered", goal=0.9)
    booked = standard("booked-in-time", goal=0.8)
    billing = standard("billing-answered", goal=0.8)
    _month(answered, date(2025, 1, 1), 95)
    _month(answered, date(2025, 2, 1), 85)  # latest month: 85 % < 90 % goal
    _month(booked, date(2025, 2, 1), 90)
    _month(billing, date(2025, 2, 1), 95)
    Signal.objects.create(standard=billing, period_kind="week", kind=SignalKind.SPECIAL_CAUSE, rule=SignalRule.TREND,
                          first_period=date(2025, 2, 3), triggered_period=date(2025, 2, 3), last_period=date(2025, 2, 3))
    grow = StrategicGoal.objects.create(title="Grow new-patient volume", order=0)
    grow.standards.set([answered, booked])
    keep = StrategicGoal.objects.create(title="Keep established patients", order=1)
    keep.standards.set([booked])
    billing_goal = StrategicGoal.objects.create(title="Reduce billing complaints", order=2)
    billing_goal.standards.set([billing])
    views = goal_views(date(2025, 3, 15))
    states = {v.goal.title: {s.standard.key: s.state for s in v.standards} for v in views}
    assert states["Grow new-patient volume"] == {"calls-answered": StandardState.OFF_GOAL, "booked-in-time": StandardState.MET}
    assert states["Reduce billing complaints"] == {"billing-answered": StandardState.SIGNAL}
    assert [v.at_risk for v in views] == [True, False, True]
    page = client_for(cast.sam).get("/governance/strategy/").content.decode()
    assert "2 at risk" in page and "AT RISK" in page and "on track" in page


def test_it_lets_the_committee_add_a_goal_linked_to_a_touchpoint(cast: Cast) -> None:
    std = standard()
    response = client_for(cast.cora).post("/governance/strategy/new/", {"title": "Faster phones", "touchpoints": [std.touchpoint.pk]})
    assert response.status_code == 302
    goal = StrategicGoal.objects.get()
    assert [s.standard for s in goal_views(date(2025, 3, 1))[0].standards] == [std]
    assert client_for(cast.cora).post("/governance/strategy/new/", {"title": "Nothing linked"}).status_code == 200
    assert client_for(cast.sam).get("/governance/strategy/new/").status_code == 404

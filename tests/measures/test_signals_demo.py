"""The demo's deliberate signal: a new receptionist takes the appointments line on Mondays from
about four months before the data ends (careloop/demo/calls.py), and the standards engine's signals
find it, with nothing but the demo command (which measures, then looks for signals)."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from careloop.demo.calls import NEW_RECEPTIONIST
from careloop.events.models import Call
from careloop.measures.models import Measurement, Signal, SignalKind
from tests.conftest import Cast, client_for

TODAY = "2025-06-02"
# months_before(2025-06-02, 4)
STARTS = date(2025, 2, 2)


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    settings.HOME = tmp_path
    call_command("demo", "--no-serve", "--months", "6", "--seed", "42", "--today", TODAY, stdout=StringIO())


def test_it_finds_the_new_receptionists_monday_calls_as_a_concern_signal(db: Any, demo: None, cast: Cast) -> None:
    # She works only Mondays on the appointments line, from her first day on.
    her_days = set(Call.objects.filter(agent=NEW_RECEPTIONIST).values_list("started_at__date", flat=True))
    assert her_days and min(her_days) >= STARTS and {d.weekday() for d in her_days} == {0}

    concern = Signal.objects.filter(
        standard__key="call-answered-30s", kind=SignalKind.SPECIAL_CAUSE, period_kind="week", breakdown=""
    )
    assert concern.exists()
    assert all(s.triggered_period >= STARTS for s in concern), [str(s) for s in concern]
    # Its weeks are below the standard's earlier level: the share fell after she started.
    signal = concern.order_by("triggered_period").first()
    assert signal is not None and signal.value is not None
    before = Measurement.objects.filter(
        standard__key="call-answered-30s", period_kind="week", breakdown="", period_start__lt=STARTS,
        period_start__gte=date(2024, 12, 9),
    )
    assert before.count() >= 7
    mean_before = sum(m.share or 0 for m in before) / before.count()
    assert signal.value < mean_before

    # Some standards are off goal in the last complete month, as in a real practice.
    off_goal = Measurement.objects.filter(period_kind="month", breakdown="", period_start=date(2025, 5, 1), goal_met=False)
    assert off_goal.count() >= 3

    # The standard page shows the signal on the chart: orange diamonds for concern points.
    response = client_for(cast.maria).get("/measures/standards/call-answered-30s/?kind=week")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="point special_cause_concern"') >= 1
    assert "Calls answered within 30 seconds" in html

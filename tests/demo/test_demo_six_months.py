"""The six-month demo's two stories, from one `careloop demo --no-serve --months 6 --seed 42 --today
2025-06-02` shared by both tests (tests/conftest.py's demo_built_once; the build is the costliest in
the suite):

- the deliberate signal: a new receptionist takes the appointments line on Mondays from about four months
  before the data ends (careloop/demo/calls.py), and the standards engine's signals find it, with nothing
  but the demo command (which measures, then looks for signals);
- the governance story (issue 8, "done means"): a review started from that signal, its action done
  mid-period and recorded on the SPC chart, a moment of the week with recognised staff, and the brief of
  the last demo week as page, PDF and email in the local mailbox."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from careloop.demo.calls import NEW_RECEPTIONIST, NEW_RECEPTIONIST_MONTHS_BEFORE_END
from careloop.demo.clinic_calendar import months_before
from careloop.demo.governance_story import FIX_WEEKS_AFTER_START
from careloop.events.models import Call
from careloop.governance.models import ActionStatus, Moment, MomentStatus, Review, StrategicGoal
from careloop.governance.recognition import week_start_of
from careloop.measures.models import Measurement, ProcessChange, Signal, SignalKind
from careloop.reports.brief import build_brief
from careloop.reports.pdf import brief_pdf
from tests.conftest import BuiltDemo, Cast, client_for, demo_built_once

TODAY = date(2025, 6, 2)
# months_before(2025-06-02, 4): the new receptionist's first possible day.
STARTS = date(2025, 2, 2)
# The last complete week before Monday 2 June 2025: 26 May (ISO 2025-W22).
LAST_WEEK = date(2025, 5, 26)


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDemo]:
    options = ("--months", "6", "--seed", "42", "--today", TODAY.isoformat())
    with demo_built_once(django_db_blocker, tmp_path_factory.mktemp("demo-home"), *options) as demo:
        yield demo


def test_it_finds_the_new_receptionists_monday_calls_as_a_concern_signal(db: Any, built: BuiltDemo, cast: Cast) -> None:
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


def test_it_tells_the_governance_story_in_the_demo(db: Any, built: BuiltDemo, cast: Cast) -> None:
    review = Review.objects.get()
    assert review.signal is not None and review.signal.standard.key == "call-answered-30s"
    assert review.signal.first_period >= months_before(TODAY, NEW_RECEPTIONIST_MONTHS_BEFORE_END) - timedelta(days=6)
    fix_on = week_start_of(months_before(TODAY, NEW_RECEPTIONIST_MONTHS_BEFORE_END)) + timedelta(weeks=FIX_WEEKS_AFTER_START)
    done = review.actions.get(status=ActionStatus.DONE)
    change = ProcessChange.objects.get(source="governance")
    assert (done.done_on, change.changed_on, change.standard) == (fix_on, fix_on, review.standard)
    assert review.signal.first_period < fix_on < TODAY
    assert review.causes.count() == 1 and len(review.causes.get().whys) == 5
    assert StrategicGoal.objects.count() == 3
    page = client_for(cast.cora).get(f"/governance/reviews/{review.external_id}/").content.decode()
    assert "SPC verdict: Improved" in page

    moment = Moment.objects.get(status=MomentStatus.PICKED)
    assert moment.week_start == LAST_WEEK and moment.recognitions.exists()

    brief = build_brief(LAST_WEEK)
    assert brief.moment == moment and brief.recognised
    reader = PdfReader(io.BytesIO(brief_pdf(brief)))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    # The print stylesheet sets headings in capitals.
    assert "2025-W22" in text and "MOMENT OF THE WEEK" in text and "Thank you:" in text
    [log] = [p for p in (built.home / "mail").glob("*.log") if "Weekly brief 2025-W22" in p.read_text(errors="replace")]
    assert "careloop-brief-2025-W22.pdf" in log.read_text(errors="replace")

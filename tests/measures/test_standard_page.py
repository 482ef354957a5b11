"""The standard page, its drill-down to the events that failed, recording a process change and
working a signal: does it work, does it refuse bad input, does it check access (and audit)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from careloop.accounts.models import AuditEntry
from careloop.events.models import Visit
from careloop.journeys.models import Standard
from careloop.measures.models import Measurement, ProcessChange, Signal, SignalStatus
from tests.conftest import Cast, client_for
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, make_standard, rooming_standard

MONDAY = date(2025, 1, 6)


def _weekly(standard: Standard, met_counts: list[int], n: int = 20) -> None:
    for week, met in enumerate(met_counts):
        start = MONDAY + timedelta(weeks=week)
        Measurement.objects.create(
            standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
            n=n, n_met=met, share=met / n, goal_met=met / n >= standard.goal,
        )


def _breakdown(standard: Standard, week: int, kind: str, value: str, n: int, met: int) -> None:
    start = MONDAY + timedelta(weeks=week)
    suppressed = n < standard.min_n
    Measurement.objects.create(
        standard=standard, period_kind="week", period_start=start, period_end=start + timedelta(days=7),
        breakdown=kind, breakdown_value=value, n=n, n_met=met, suppressed=suppressed,
        share=None if suppressed else met / n, goal_met=None if suppressed else met / n >= standard.goal,
    )


def test_it_shows_the_chart_verdicts_breakdown_and_values(cast: Cast) -> None:
    standard = rooming_standard(min_n=5)
    _weekly(standard, [16, 17, 15, 16, 17, 16])
    _breakdown(standard, 5, "provider", "dr-okafor", 12, 11)
    _breakdown(standard, 5, "provider", "np-chen", 3, 1)
    response = client_for(cast.sam).get("/measures/standards/arrival-to-rooming/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="point ') == 6 and "<svg class=\"spc-chart\"" in html
    assert "Common cause variation" in html and "Hit and miss" in html
    # The breakdown table: dr-okafor 11/12 = 91.7 % with its Wilson interval; np-chen below min_n.
    assert "91.7 %" in html and "not enough data" in html
    assert "33.3 %" not in html  # np-chen's 1 of 3 is never shown as a number
    # The values table, newest first, with the link to that week's failures.
    assert "/measures/standards/arrival-to-rooming/failures/?kind=week&amp;period=2025-02-10" in html


def test_it_switches_to_months_and_answers_404_for_an_unknown_standard(cast: Cast) -> None:
    rooming_standard()
    client = client_for(cast.sam)
    response = client.get("/measures/standards/arrival-to-rooming/?kind=month")
    assert response.status_code == 200 and "No complete period has been measured yet." in response.content.decode()
    assert client.get("/measures/standards/no-such-standard/").status_code == 404


def test_it_lists_failed_events_without_patient_identity_for_staff(cast: Cast) -> None:
    rooming_standard()
    five_visits_three_within_fifteen_minutes()
    response = client_for(cast.sam).get("/measures/standards/arrival-to-rooming/failures/?kind=week&period=2025-03-03")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 events did not meet the standard" in html
    assert "took 16 min" in html and "took 40 min" in html
    assert "P-" not in html and not AuditEntry.objects.exists()


def test_it_shows_and_audits_patient_identity_for_the_manager(cast: Cast) -> None:
    rooming_standard()
    five_visits_three_within_fifteen_minutes()
    response = client_for(cast.maria).get("/measures/standards/arrival-to-rooming/failures/?kind=week&period=2025-03-03")
    html = response.content.decode()
    shown = set(re.findall(r">(P-\d+)</a>", html))
    # The two who waited 16 and 40 minutes.
    late = {v.patient_ref for v in Visit.objects.all() if v.roomed_at and v.arrived_at and v.roomed_at - v.arrived_at > timedelta(minutes=15)}
    assert response.status_code == 200 and shown == late and len(late) == 2
    entries = AuditEntry.objects.filter(record_kind="failed_events", user=cast.maria)
    assert {e.patient_ref for e in entries} == shown
    assert all(e.fields == ["patient_ref", "visit"] and e.record_id == "arrival-to-rooming 2025-W10" for e in entries)


def test_it_refuses_a_period_that_is_not_a_period_start_and_surveys(cast: Cast) -> None:
    rooming_standard()
    client = client_for(cast.maria)
    response = client.get("/measures/standards/arrival-to-rooming/failures/?kind=week&period=2025-03-05")
    assert response.status_code == 400 and "is not the first day of a week" in response.content.decode()
    assert client.get("/measures/standards/arrival-to-rooming/failures/?period=garbage").status_code == 400
    make_standard("pulse", "survey", {"instrument": "nps", "items": ["likely-to-recommend"], "score": "nps"}, goal=50)
    response = client.get("/measures/standards/pulse/failures/?kind=month&period=2025-03-01")
    assert "measured from patients&#x27; answers" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_it_records_a_process_change_for_those_allowed(cast: Cast) -> None:
    standard = rooming_standard()
    url = "/measures/standards/arrival-to-rooming/changes/"
    assert client_for(cast.sam).post(url, {"changed_on": "2025-03-03", "description": "x"}).status_code == 404
    assert client_for(cast.fran).post(url, {"changed_on": "2025-03-03", "description": "x"}).status_code == 404
    bad = client_for(cast.maria).post(url, {"changed_on": "2025-03-03", "description": "   "})
    assert bad.status_code == 400 and not ProcessChange.objects.exists()
    assert client_for(cast.maria).post(url, {"changed_on": "3099-01-01", "description": "typo"}).status_code == 400
    response = client_for(cast.cora).post(url, {"changed_on": "2025-03-03", "description": "A second medical assistant"})
    assert response.status_code == 302 and response["Location"] == "/measures/standards/arrival-to-rooming/"
    change = ProcessChange.objects.get()
    assert (change.standard, change.changed_on, change.recorded_by, change.source) == (
        standard, date(2025, 3, 3), cast.cora, "manual"
    )


def test_it_lets_the_committee_close_a_signal_with_a_note(cast: Cast) -> None:
    standard = rooming_standard()
    signal = Signal.objects.create(
        standard=standard, period_kind="week", kind="missed_goal", rule="missed_goal",
        first_period=MONDAY, triggered_period=MONDAY + timedelta(weeks=2), last_period=MONDAY + timedelta(weeks=2),
    )
    url = f"/measures/signals/{signal.external_id}/"
    assert client_for(cast.fran).post(url, {"status": "closed", "note": "x"}).status_code == 404
    no_note = client_for(cast.cora).post(url, {"status": "closed", "note": ""})
    assert no_note.status_code == 400 and "Say why" in no_note.content.decode()
    assert client_for(cast.cora).post(url, {"status": "closed", "note": "Rota fixed."}).status_code == 302
    signal.refresh_from_db()
    assert (signal.status, signal.status_note, signal.status_changed_by) == (SignalStatus.CLOSED, "Rota fixed.", cast.cora)


def test_it_shows_open_signals_and_off_goal_standards_on_the_home_page(cast: Cast) -> None:
    standard = rooming_standard()
    Measurement.objects.create(
        standard=standard, period_kind="month", period_start=date(2025, 1, 1), period_end=date(2025, 2, 1),
        n=40, n_met=20, share=0.5, goal_met=False,
    )
    Signal.objects.create(
        standard=standard, period_kind="month", kind="missed_goal", rule="missed_goal",
        first_period=date(2025, 1, 1), triggered_period=date(2025, 1, 1), last_period=date(2025, 1, 1),
    )
    html = client_for(cast.sam).get("/").content.decode()
    assert "1 open signal." in html and "1 standard off goal in January 2025" in html
    assert "/measures/standards/arrival-to-rooming/?kind=month" in html


def test_it_judges_rate_and_pending_events_as_the_engine_does(cast: Cast) -> None:
    from careloop.events.models import Call
    from careloop.measures.drilldown import failed_events
    from careloop.measures.periods import Period
    from tests.measures.engine_events import local

    abandonment = make_standard(
        "abandonment", "rate", {"table": "calls", "condition": {"field": "abandoned_at", "is_set": True}},
        goal=0.05, direction="lower_is_better", touchpoint="phone-call",
    )
    answered = make_standard(
        "answered", "duration", {"table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds"},
        threshold=30, touchpoint="phone-call",
    )
    start = local("2025-03-03 09:00")
    Call.objects.create(call_id="C1", queue="appointments", started_at=start, answered_at=start + timedelta(seconds=12))
    Call.objects.create(call_id="C2", queue="appointments", started_at=start, answered_at=start + timedelta(seconds=95))
    Call.objects.create(call_id="C3", queue="appointments", started_at=start, abandoned_at=start + timedelta(seconds=70))
    # Still ringing at the moment of measuring, 10 s in: pending, not failed (yet).
    Call.objects.create(call_id="C4", queue="appointments", started_at=local("2025-03-07 16:59"))
    week = Period("week", date(2025, 3, 3), date(2025, 3, 10))
    as_of = local("2025-03-07 16:59") + timedelta(seconds=10)

    rate = failed_events(cast.maria, abandonment, week, as_of=as_of)
    assert [(e.event_id, e.what) for e in rate.events] == [("C3", "abandoned")]
    duration = failed_events(cast.maria, answered, week, as_of=as_of)
    assert [(e.event_id, e.what) for e in duration.events] == [("C2", "took 95 s"), ("C3", "no end recorded")]
    # Calls carry no patient: nothing to show, nothing audited.
    assert not duration.shows_patients and not AuditEntry.objects.exists()
    # Once its 30 s have passed unanswered, the ringing call has failed too.
    later = failed_events(cast.maria, answered, week, as_of=as_of + timedelta(seconds=30))
    assert [e.event_id for e in later.events] == ["C2", "C3", "C4"]

"""`careloop measure`: recomputes, then prints the latest period of each standard, or one JSON object."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.measures.models import Measurement
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, local, make_standard, rooming_standard, visit


def run(*options: str) -> str:
    out = StringIO()
    call_command("measure", *options, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def practice(db: Any) -> None:
    rooming_standard()
    five_visits_three_within_fifteen_minutes()  # March 2025: 3 of 5, the latest complete month
    visit(local("2025-03-20 09:00"), 5, provider="np-chen")
    make_standard("net-promoter-score", "survey", {"instrument": "nps", "items": ["likely-to-recommend"], "score": "nps"}, goal=50)


def test_it_prints_the_latest_month_of_each_standard(practice: None) -> None:
    lines = run().splitlines()
    assert lines[0].split() == ["standard", "period", "group", "n", "share", "95", "%", "CI", "goal", "goal", "met"]
    # 4 of 6 visits within 15 minutes: 66.7 %, Wilson 30.0 % to 90.3 %.
    assert lines[1].split() == ["arrival-to-rooming", "2025-03", "practice", "6", "66.7", "%", "30.0", "%", "–", "90.3", "%", "≥", "80", "%", "no"]
    assert lines[2].split() == ["net-promoter-score", "no", "survey", "data", "yet", "≥", "50"]


def test_it_says_not_enough_data_instead_of_a_share(practice: None) -> None:
    out = run("--by", "provider")
    np_chen = next(line for line in out.splitlines() if "np-chen" in line)
    assert np_chen.split() == ["arrival-to-rooming", "2025-03", "np-chen", "1", "not", "enough", "data", "≥", "80", "%"]
    assert "100.0 %" not in out


def test_it_prints_weeks_as_iso_weeks(practice: None) -> None:
    # The latest complete week with data is 17-23 March 2025: ISO week 12, one visit (suppressed).
    rooming = next(line for line in run("--period", "week").splitlines() if line.startswith("arrival-to-rooming"))
    assert rooming.split() == ["arrival-to-rooming", "2025-W12", "practice", "1", "not", "enough", "data", "≥", "80", "%"]


def test_it_writes_one_json_object(practice: None) -> None:
    document = json.loads(run("--json", "--by", "provider"))
    assert (document["period"], document["by"], document["errors"]) == ("month", "provider", [])
    rooming, nps = document["standards"]
    assert nps["notice"] == "no survey data yet" and nps["measurements"] == []
    by_provider = {m["breakdown_value"]: m for m in rooming["measurements"]}
    assert by_provider["dr-okafor"]["n"] == 5 and by_provider["dr-okafor"]["share"] == 0.6
    assert by_provider["np-chen"] == by_provider["np-chen"] | {"n": 1, "n_met": None, "share": None, "suppressed": True, "goal_met": None}


def test_it_changes_nothing_when_run_twice(practice: None) -> None:
    run()
    before = list(Measurement.objects.values_list("pk", "computed_at", "n"))
    run()
    assert list(Measurement.objects.values_list("pk", "computed_at", "n")) == before


def test_it_fails_with_one_sentence_when_a_standard_names_a_missing_field(practice: None) -> None:
    make_standard("broken", "duration", {"table": "visits", "start": "arrived_at", "end": "seated_at", "unit": "minutes"}, threshold=5)
    with pytest.raises(CommandError, match=r"1 standard\(s\) could not be measured"):
        run()


def test_it_refuses_an_unreachable_analytics_url(practice: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELOOP_ANALYTICS_URL", "duckdb:///nowhere/events.duckdb")
    with pytest.raises(CommandError, match=r"^CARELOOP_ANALYTICS_URL \(duckdb:///nowhere/events.duckdb\): no DuckDB file"):
        run()

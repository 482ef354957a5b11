"""Recovery standards in the journey file (`measure: {kind: recovery, metric: …, scope: …}`): loaded,
exported as written, and every mistake named with its line and field, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careloop.journeys.journey_file import export_journey, load_journey_file
from careloop.journeys.models import Standard
from tests.journeys.test_journey_file_errors import assert_nothing_written, journey_file, problems

# Line 1 is `journey:`; the recovery standard's measure starts on line 19.
RECOVERY = """\
journey:
  name: Small practice
owners:
  - key: front-desk-lead
    name: Fran Ortiz
touchpoints:
  - key: check-in
    name: Check-in
    channel: in_person
    origin: true
    owner: front-desk-lead
standards:
  - key: reopen-rate
    touchpoint: check-in
    name: Resolved cases reopened
    measure:
      kind: recovery
      metric: reopen_rate
      scope: practice
    goal: 0.05
    direction: lower_is_better
    source: careloop's default ceiling
"""


def edited(old: str, new: str) -> str:
    assert RECOVERY.count(old) == 1, old
    return RECOVERY.replace(old, new)


def test_it_loads_a_recovery_standard_and_exports_it_as_written(db: Any, tmp_path: Path) -> None:
    journey = load_journey_file(journey_file(tmp_path, RECOVERY))
    standard = Standard.objects.get(journey=journey)
    assert (standard.kind, standard.definition, standard.direction) == (
        "recovery", {"kind": "recovery", "metric": "reopen_rate", "scope": "practice"}, "lower_is_better"
    )
    assert standard.threshold is None and standard.threshold_unit == ""
    assert "    measure:\n      kind: recovery\n      metric: reopen_rate\n      scope: practice\n" in export_journey(journey)


def test_it_scopes_a_recovery_standard_to_its_touchpoint_by_default(db: Any, tmp_path: Path) -> None:
    journey = load_journey_file(journey_file(tmp_path, edited("      scope: practice\n", "")))
    assert Standard.objects.get(journey=journey).definition["scope"] == "touchpoint"


def test_it_names_a_metric_that_does_not_exist(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("metric: reopen_rate", "metric: reopen_rates")) == [
        "line 18, standards[0].measure.metric: 'reopen_rates' is not one of: first_contact_within_sla, "
        "resolved_within_sla, reopen_rate, close_the_loop_resolved (did you mean 'reopen_rate'?)"
    ]
    assert_nothing_written()


def test_it_refuses_a_median_which_is_watched_not_a_standard(db: Any, tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, edited("metric: reopen_rate", "metric: median_hours_to_first_contact"))
    assert problem.startswith("line 18, standards[0].measure.metric: 'median_hours_to_first_contact' is not one of:")


def test_it_requires_a_metric(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("      metric: reopen_rate\n", "")) == [
        "line 17, standards[0].measure: missing required key 'metric'"
    ]


def test_it_names_an_unknown_scope(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("scope: practice", "scope: owner")) == [
        "line 19, standards[0].measure.scope: 'owner' is not one of: touchpoint, practice"
    ]


def test_it_refuses_a_reopen_rate_where_higher_is_better(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("direction: lower_is_better", "direction: higher_is_better")) == [
        "line 21, standards[0].direction: metric reopen_rate counts resolved cases that were reopened, "
        "so its direction is lower_is_better"
    ]


def test_it_refuses_a_first_contact_share_where_lower_is_better(db: Any, tmp_path: Path) -> None:
    text = edited("metric: reopen_rate", "metric: first_contact_within_sla")
    assert problems(tmp_path, text) == [
        "line 21, standards[0].direction: metric first_contact_within_sla counts cases whose patient was first "
        "contacted within the SLA, so its direction is higher_is_better"
    ]


def test_it_refuses_a_threshold_the_case_clock_already_sets(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    goal: 0.05\n", "    threshold: 1\n    goal: 0.05\n")) == [
        "line 20, standards[0].threshold: a recovery standard has no threshold for one event; put the target in goal"
    ]


def test_it_refuses_a_goal_that_is_not_a_share(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("goal: 0.05", "goal: 5")) == [
        "line 20, standards[0].goal: goal 5 is a share (0.9 means 90 %) and must be between 0 and 1"
    ]


def test_it_refuses_a_field_other_kinds_use(db: Any, tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, edited("      scope: practice\n", "      scope: practice\n      table: visits\n"))
    assert problem == "line 20, standards[0].measure.table: unknown key 'table'; expected one of: kind, metric, scope"

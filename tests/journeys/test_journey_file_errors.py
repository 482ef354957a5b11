"""A bad journey file: every problem named with its file, line and field, and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careloop.accounts.models import StaffMember
from careloop.journeys.journey_file import JourneyFileError, load_journey_file
from careloop.journeys.models import Journey, Standard, Touchpoint

# Line numbers in the tests below are counted in this file (line 1 is `journey:`).
SMALL = """\
journey:
  name: Small practice
owners:
  - key: front-desk-lead
    name: Fran Ortiz
touchpoints:
  - key: phone-call
    name: Phone call
    channel: phone
    origin: true
    owner: front-desk-lead
    next: [check-in]
  - key: check-in
    name: Check-in
    channel: in_person
    owner: front-desk-lead
standards:
  - key: call-answered-30s
    touchpoint: phone-call
    name: Calls answered within 30 seconds
    measure:
      kind: duration
      table: calls
      start: started_at
      end: answered_at
      unit: seconds
    threshold: 30
    goal: 0.8
    direction: higher_is_better
    source: practice-set target
  - key: no-show-rate
    touchpoint: check-in
    name: No-shows
    measure:
      kind: rate
      table: visits
      condition:
        field: status
        in: [no-show]
    goal: 0.1
    direction: lower_is_better
    source: practice-set target
"""


def journey_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "journey.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert SMALL.count(old) == 1, old
    return SMALL.replace(old, new)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = journey_file(tmp_path, text)
    with pytest.raises(JourneyFileError) as raised:
        load_journey_file(path)
    prefix = f"{path} "
    lines = str(raised.value).splitlines()
    assert all(line.startswith(prefix) for line in lines)
    return [line.removeprefix(prefix) for line in lines]


def assert_nothing_written() -> None:
    assert Journey.objects.count() == 0
    assert Touchpoint.objects.count() == 0
    assert Standard.objects.count() == 0
    assert StaffMember.objects.count() == 0


def test_it_loads_the_small_file_used_below(db: Any, tmp_path: Path) -> None:
    journey = load_journey_file(journey_file(tmp_path, SMALL))
    assert journey.touchpoints.count() == 2
    assert journey.standards.count() == 2


def test_it_names_a_channel_that_does_not_exist(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("channel: phone\n", "channel: fax\n")) == [
        "line 9, touchpoints[0].channel: 'fax' is not one of: phone, web, portal, email, sms, in_person, mail"
    ]
    assert_nothing_written()


def test_it_names_an_unknown_next_key(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("next: [check-in]", "next: [checkin]")) == [
        "line 12, touchpoints[0].next[0]: no touchpoint has the key 'checkin' (did you mean 'check-in'?)"
    ]
    assert_nothing_written()


def test_it_names_an_unknown_owner(db: Any, tmp_path: Path) -> None:
    text = edited("    channel: in_person\n    owner: front-desk-lead\n", "    channel: in_person\n    owner: billing-lead\n")
    assert problems(tmp_path, text) == ["line 16, touchpoints[1].owner: owner 'billing-lead' is not listed under owners"]
    assert_nothing_written()


def test_it_names_the_standard_and_the_event_field_that_does_not_exist(db: Any, tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, edited("end: answered_at", "end: answerd_at"))
    assert problem.startswith(
        "line 25, standards[0].measure.end: standard 'call-answered-30s': calls has no field 'answerd_at' "
        "(did you mean 'answered_at'?); its fields: call_id, queue, started_at"
    )
    assert_nothing_written()


def test_it_refuses_a_duration_that_ends_on_a_field_that_is_not_a_timestamp(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("end: answered_at", "end: hold_seconds")) == [
        "line 25, standards[0].measure.end: standard 'call-answered-30s': calls.hold_seconds is not a timestamp; "
        "a duration runs between two of: started_at, answered_at, abandoned_at, ended_at"
    ]


def test_it_refuses_a_share_goal_above_1(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("goal: 0.8", "goal: 1.5")) == [
        "line 28, standards[0].goal: goal 1.5 is a share (0.9 means 90 %) and must be between 0 and 1"
    ]


def test_it_refuses_a_duplicate_touchpoint_key(db: Any, tmp_path: Path) -> None:
    text = edited("  - key: check-in\n    name: Check-in", "  - key: phone-call\n    name: Check-in").replace(
        "next: [check-in]", "next: []"
    )
    found = problems(tmp_path, text)
    assert "line 13, touchpoints[1].key: duplicate key 'phone-call' (first used on line 7)" in found
    assert "line 32, standards[1].touchpoint: no touchpoint has the key 'check-in'" in found
    assert_nothing_written()


def test_it_refuses_the_same_yaml_key_twice_in_one_entry(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    origin: true\n", "    origin: true\n    channel: web\n")) == [
        "line 11, touchpoints[0].channel: duplicate key 'channel' (first on line 9)"
    ]


def test_it_refuses_an_unknown_yaml_key_and_suggests_the_right_one(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    owner: front-desk-lead\n    next:", "    ownr: front-desk-lead\n    next:")) == [
        "line 11, touchpoints[0].ownr: unknown key 'ownr' (did you mean 'owner'?); expected one of: "
        "key, name, channel, owner, origin, next, description, example_phrases, feelings",
        "line 7, touchpoints[0]: missing required key 'owner'",
    ][::-1]


def test_it_gives_the_line_of_a_tab(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    name: Check-in\n", "\tname: Check-in\n")) == [
        "line 14: not valid YAML: while scanning for the next token: found character '\\t' that cannot start "
        "any token (indent with spaces, never tabs)"
    ]
    assert_nothing_written()


def test_it_gives_the_line_of_bad_indentation(db: Any, tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, edited("    channel: in_person\n", "      channel: in_person\n"))
    assert problem.startswith("line 15: not valid YAML:")


def test_it_says_an_empty_file_is_empty(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, "# nothing yet\n") == [
        "line 1: the file is empty; a journey file starts with `journey:` (see docs/journey-file.md)"
    ]


def test_it_says_a_missing_file_does_not_exist(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(JourneyFileError) as raised:
        load_journey_file(path)
    assert str(raised.value) == f"{path}: the file does not exist"


def test_it_lists_every_problem_at_once_in_line_order(db: Any, tmp_path: Path) -> None:
    text = edited("channel: phone\n", "channel: fax\n").replace("goal: 0.8", "goal: 80").replace("table: visits", "table: visit")
    assert problems(tmp_path, text) == [
        "line 9, touchpoints[0].channel: 'fax' is not one of: phone, web, portal, email, sms, in_person, mail",
        "line 28, standards[0].goal: goal 80 is a share (0.9 means 90 %) and must be between 0 and 1",
        "line 36, standards[1].measure.table: 'visit' is not one of: visits, calls, referrals, messages, "
        "billing_inquiries (did you mean 'visits'?)",
    ]


def test_it_writes_nothing_when_only_the_last_standard_is_wrong(db: Any, tmp_path: Path) -> None:
    problems(tmp_path, edited("in: [no-show]", "in: [noshow]"))
    assert_nothing_written()


def test_it_checks_filter_values_against_the_fields_choices(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("in: [no-show]", "in: [no-show, missed]")) == [
        "line 39, standards[1].measure.condition.in[1]: standard 'no-show-rate': 'missed' is not one of: "
        "completed, no-show, cancelled, late-cancel"
    ]


def test_it_refuses_is_set_on_a_field_that_always_has_a_value(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("in: [no-show]", "is_set: true")) == [
        "line 39, standards[1].measure.condition.is_set: standard 'no-show-rate': visits.status always has a "
        "value; is_set needs a field that can be empty"
    ]


def test_it_refuses_a_threshold_on_a_rate(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    goal: 0.1\n", "    threshold: 5\n    goal: 0.1\n")) == [
        "line 40, standards[1].threshold: a rate standard has no threshold for one event; put the target in goal"
    ]


def test_it_needs_a_threshold_on_a_duration(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    threshold: 30\n", "")) == [
        "line 22, standards[0].threshold: a duration standard needs a threshold (in its unit)"
    ]


def test_it_needs_an_origin(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    origin: true\n", "")) == [
        "line 7, touchpoints: no touchpoint is an origin: mark where patients enter the journey with `origin: true`"
    ]


def test_it_refuses_a_touchpoint_no_origin_leads_to(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("    next: [check-in]\n", "")) == [
        "line 12, touchpoints[1].key: touchpoint 'check-in' cannot be reached from any origin: list it in "
        "another touchpoint's `next`, or mark it `origin: true`"
    ]


def test_it_allows_loops_such_as_follow_up_back_to_booking(db: Any, tmp_path: Path) -> None:
    text = edited("    channel: in_person\n    owner: front-desk-lead\n", "    channel: in_person\n    owner: front-desk-lead\n    next: [phone-call]\n")
    journey = load_journey_file(journey_file(tmp_path, text))
    assert list(journey.touchpoints.get(key="check-in").next.values_list("key", flat=True)) == ["phone-call"]


def test_it_refuses_a_value_of_the_wrong_type(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, edited("origin: true", "origin: yes please").replace("goal: 0.8", "goal: 80 %")) == [
        "line 10, touchpoints[0].origin: expected true or false, found 'yes please'",
        "line 28, standards[0].goal: expected a number, found '80 %'",
    ]


def test_it_refuses_a_top_level_that_is_not_a_journey(db: Any, tmp_path: Path) -> None:
    assert problems(tmp_path, "- just\n- a list\n") == ["line 1, (top): expected `key: value` lines, found a list"]

"""The journey file's `recovery:` section: read, checked with lines, stored, exported unchanged."""

from __future__ import annotations

import pytest

from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, JourneyFileError, export_journey, parse_journey_text
from careloop.journeys.models import Journey

TEMPLATE = DEFAULT_JOURNEY_PATH.read_text(encoding="utf-8")
HEAD = TEMPLATE[: TEMPLATE.index("recovery:\n")]


def with_recovery(section: str) -> str:
    return HEAD + section


def problems(text: str) -> list[str]:
    with pytest.raises(JourneyFileError) as raised:
        parse_journey_text(text, "j.yaml")
    return str(raised.value).splitlines()


def test_it_reads_the_default_rules_and_sla(default_journey: Journey) -> None:
    rules = {rule["kind"]: rule for rule in default_journey.recovery["rules"]}
    assert rules["long_wait"]["threshold"] == 60 and rules["long_wait"]["touchpoint"] == "waiting-room"
    assert rules["referral_open"]["threshold"] == 30
    assert rules["billing_unanswered"]["threshold"] == 5
    assert rules["urgent_comment"]["priority"] == "high"
    normal = next(e for e in default_journey.recovery["sla"] if e.get("priority") == "normal" and "touchpoint" not in e)
    assert (normal["first_contact"], normal["resolution"]) == (1, 5)
    assert export_journey(default_journey) == TEMPLATE


def test_it_is_optional() -> None:
    assert parse_journey_text(HEAD, "j.yaml").recovery == {}


def test_it_reports_each_problem_with_its_line() -> None:
    line = HEAD.count("\n") + 1
    text = with_recovery(
        "recovery:\n"
        "  rules:\n"
        "    - kind: long_wait\n"            # line+2: no touchpoint, threshold or source
        "    - kind: detractor\n"
        "      threshold: 3\n"               # line+4
        "    - kind: slow_lift\n"            # line+5
        "    - kind: referral_open\n"
        "      touchpoint: reception\n"      # line+7
        "      threshold: -2\n"              # line+8
        "      source: x\n"
        "  sla:\n"
        "    - first_contact: 3\n"
        "      resolution: 1\n"              # line+12
        "      source: x\n"
        "    - priority: urgent\n"           # line+14
        "      first_contact: 1\n"
        "      resolution: 5\n"
        "      source: x\n"
    )
    found = problems(text)
    expected = [
        f"j.yaml line {line + 2}, recovery.rules[0].touchpoint: a long_wait rule needs the touchpoint whose owner gets the case",
        f"j.yaml line {line + 2}, recovery.rules[0].threshold: a long_wait rule needs a threshold in minutes",
        f"j.yaml line {line + 2}, recovery.rules[0].source: say where the threshold comes from (a published source, or the practice's own choice)",
        f"j.yaml line {line + 4}, recovery.rules[1].threshold: a detractor rule has no threshold",
        f"j.yaml line {line + 5}, recovery.rules[2].kind: 'slow_lift' is not one of: detractor, bottom_box, urgent_comment, long_wait, referral_open, billing_unanswered",
        f"j.yaml line {line + 8}, recovery.rules[3].threshold: must be more than 0, not -2",
        f"j.yaml line {line + 12}, recovery.sla[0].resolution: resolution (1 business days) cannot come before first contact (3)",
        f"j.yaml line {line + 14}, recovery.sla[1].priority: 'urgent' is not one of: high, normal, low",
    ]
    assert found == expected


def test_it_checks_touchpoints_and_repeated_sla_entries() -> None:
    line = HEAD.count("\n") + 1
    text = with_recovery(
        "recovery:\n"
        "  rules:\n"
        "    - kind: long_wait\n"
        "      touchpoint: waiting-rom\n"    # line+3
        "      threshold: 60\n"
        "      source: x\n"
        "  sla:\n"
        "    - priority: high\n"             # line+7
        "      first_contact: 0\n"
        "      resolution: 2\n"
        "      source: x\n"
        "    - priority: high\n"             # line+11
        "      first_contact: 1\n"
        "      resolution: 2\n"
        "      source: x\n"
    )
    assert problems(text) == [
        f"j.yaml line {line + 3}, recovery.rules[0].touchpoint: no touchpoint has the key 'waiting-rom' (did you mean 'waiting-room'?)",
        f"j.yaml line {line + 11}, recovery.sla[1]: the same touchpoint and priority as recovery.sla[0]",
    ]

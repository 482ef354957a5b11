"""Exporting a journey: the canonical file form, and round trips through the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careloop.accounts.models import StaffMember
from careloop.journeys.journey_file import (
    DEFAULT_JOURNEY_PATH,
    JourneySpec,
    OwnerSpec,
    StandardSpec,
    TouchpointSpec,
    export_journey,
    load_journey_file,
    load_journey_spec,
    parse_journey_text,
    render_journey,
)
from careloop.journeys.models import Journey


def template_text() -> str:
    return DEFAULT_JOURNEY_PATH.read_text(encoding="utf-8")


def test_it_exports_the_default_template_byte_for_byte(default_journey: Journey) -> None:
    assert export_journey(default_journey) == template_text()


def test_it_exports_what_the_template_means(default_journey: Journey) -> None:
    exported = yaml.safe_load(export_journey(default_journey))
    template = yaml.safe_load(template_text())
    assert exported == template
    assert [t["key"] for t in exported["touchpoints"]][:3] == ["website", "phone-call", "referral-in"]
    assert exported["standards"][1]["measure"] == {
        "kind": "duration",
        "table": "calls",
        "start": "started_at",
        "end": "answered_at",
        "unit": "seconds",
        "missing_end": "fail",
    }


def test_it_reloads_an_export_as_a_new_version_that_exports_identically(default_journey: Journey, tmp_path: Path) -> None:
    first_export = export_journey(default_journey)
    other = tmp_path / "other.yaml"
    other.write_text(template_text().replace("  name: Outpatient primary care\n", "  name: Another journey\n"), encoding="utf-8")
    assert load_journey_file(other).version == 2
    exported = tmp_path / "exported.yaml"
    exported.write_text(first_export, encoding="utf-8")
    third = load_journey_file(exported)
    assert third.version == 3
    assert export_journey(third) == first_export


def test_it_exports_people_as_the_practice_named_them(default_journey: Journey, tmp_path: Path) -> None:
    StaffMember.objects.filter(key="billing-lead").update(name="Bill Bates", nicknames=["Billy"])
    exported = export_journey(default_journey)
    assert "  - key: billing-lead\n    name: Bill Bates\n    title: Billing lead\n    nicknames: [Billy]\n" in exported
    path = tmp_path / "renamed.yaml"
    path.write_text(exported, encoding="utf-8")
    renamed = load_journey_file(path)
    assert renamed.version == 2
    assert export_journey(renamed) == exported


def test_it_exports_an_older_version_on_request(default_journey: Journey, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "v2.yaml"
    path.write_text(template_text().replace("    threshold: 7\n", "    threshold: 5\n"), encoding="utf-8")
    load_journey_file(path)
    call_command("journey", "export", "--version", "1")
    assert capsys.readouterr().out == template_text()
    call_command("journey", "export")
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")


def test_it_writes_the_export_to_a_file(default_journey: Journey, tmp_path: Path, capsys: Any) -> None:
    output = tmp_path / "journey.yaml"
    call_command("journey", "export", "--output", str(output))
    assert output.read_text(encoding="utf-8") == template_text()
    assert capsys.readouterr().out == f"Wrote journey version 1 to {output}.\n"


def test_it_says_there_is_nothing_to_export_before_init(db: Any) -> None:
    with pytest.raises(CommandError, match="no journey is loaded yet: run `careloop init` first"):
        call_command("journey", "export")
    with pytest.raises(CommandError, match="there is no journey version 4"):
        call_command("journey", "export", "--version", "4")


# --- generated journeys -------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
words = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=30
).filter(lambda text: text.strip() != "")
shares = st.floats(min_value=0, max_value=1, allow_nan=False)
MEASURES: list[tuple[dict[str, Any], bool]] = [
        ({"kind": "duration", "table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds", "missing_end": "fail"}, True),
        (
            {
                "kind": "duration",
                "table": "visits",
                "start": "arrived_at",
                "end": "roomed_at",
                "unit": "minutes",
                "missing_end": "exclude",
                "where": {"status": ["completed"], "visit_type": ["new", "urgent"]},
            },
            True,
        ),
        ({"kind": "rate", "table": "calls", "condition": {"field": "abandoned_at", "is_set": True}}, False),
        ({"kind": "rate", "table": "visits", "condition": {"field": "status", "in": ["no-show", "late-cancel"]}}, False),
        ({"kind": "survey", "instrument": "cg-cahps-visit", "items": ["explains", "listens"], "score": "top_box"}, False),
        ({"kind": "audit", "checklist": "greeted", "question": "Greeted by name?"}, False),
        ({"kind": "access", "visit_type": "established", "rank": 3, "unit": "business_days"}, True),
]
measures = st.sampled_from(MEASURES)


@st.composite
def journeys(draw: st.DrawFn) -> JourneySpec:
    owner_keys = draw(st.lists(keys, min_size=1, max_size=3, unique=True))
    owners = [
        OwnerSpec(key=key, name=draw(words), title=draw(st.sampled_from(["", "Lead"])), nicknames=draw(st.lists(words, max_size=2)))
        for key in owner_keys
    ]
    touchpoint_keys = draw(st.lists(keys, min_size=1, max_size=4, unique=True))
    touchpoints = []
    for index, key in enumerate(touchpoint_keys):
        # A chain from the first (an origin) keeps every touchpoint reachable; extra links may loop back.
        following = {touchpoint_keys[index + 1]} if index + 1 < len(touchpoint_keys) else set()
        following |= set(draw(st.lists(st.sampled_from(touchpoint_keys), max_size=2))) - {key}
        touchpoints.append(
            TouchpointSpec(
                key=key,
                name=draw(words),
                channel=draw(st.sampled_from(["phone", "web", "portal", "in_person"])),
                owner=draw(st.sampled_from(owner_keys)),
                origin=index == 0 or draw(st.booleans()),
                next=sorted(following, key=touchpoint_keys.index),
                description=draw(st.sampled_from(["", "Two lines\nof description"])),
                example_phrases=draw(st.lists(words, max_size=3)),
                feelings={name: draw(st.lists(words, min_size=1, max_size=2)) for name in draw(st.sets(st.sampled_from(["thinks", "feels", "says", "does"])))},
            )
        )
    standards = []
    for index in range(draw(st.integers(min_value=0, max_value=3))):
        measure_and_threshold: tuple[dict[str, Any], bool] = draw(measures)
        measure, has_threshold = measure_and_threshold
        standards.append(
            StandardSpec(
                key=f"standard-{index}",
                touchpoint=draw(st.sampled_from(touchpoint_keys)),
                name=draw(words),
                measure=measure,
                goal=draw(shares),
                direction="higher_is_better" if has_threshold or measure["kind"] == "audit" else draw(st.sampled_from(["higher_is_better", "lower_is_better"])),
                source=draw(words),
                threshold=draw(st.floats(min_value=0.5, max_value=1000)) if has_threshold else None,
                min_n=draw(st.integers(min_value=1, max_value=500)),
            )
        )
    # One checklist is measured by one standard: keep the first audit standard only.
    audits = [s for s in standards if s.measure["kind"] == "audit"]
    standards = [s for s in standards if s.measure["kind"] != "audit" or s is audits[0]]
    return JourneySpec(name=draw(words), description=draw(st.sampled_from(["", "A journey"])), owners=owners, touchpoints=touchpoints, standards=standards)


@given(spec=journeys())
@settings(max_examples=60, deadline=None)
def test_it_reads_back_any_journey_it_writes(spec: JourneySpec) -> None:
    text = render_journey(spec)
    parsed = parse_journey_text(text, "generated.yaml")
    assert parsed == spec
    assert render_journey(parsed) == text


@pytest.mark.django_db
@given(spec=journeys())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_it_exports_any_loaded_journey_as_it_was_written(spec: JourneySpec) -> None:
    text = render_journey(spec)
    with transaction.atomic():
        journey = load_journey_spec(parse_journey_text(text, "generated.yaml"))
        assert export_journey(journey) == text
        transaction.set_rollback(True)

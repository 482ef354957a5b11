"""Loading a journey file: the default template, versions, idempotence, owners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careloop.accounts.models import StaffMember
from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, load_journey_file
from careloop.journeys.models import Journey, Standard, Touchpoint

# The touchpoints the foundation issue asks the default template to cover.
ISSUE_TOUCHPOINTS = {
    "website",
    "phone-call",
    "referral-in",
    "appointment-booking",
    "online-booking",
    "reminders",
    "check-in",
    "waiting-room",
    "visit",
    "check-out",
    "referral",
    "billing",
    "portal-messages",
    "follow-up",
}


def changed_template(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_JOURNEY_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "journey.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_it_loads_the_default_template_as_active_version_1(default_journey: Journey) -> None:
    assert default_journey.version == 1
    assert default_journey.is_active
    assert default_journey.name == "Outpatient primary care"
    assert default_journey.touchpoints.count() == 14
    # 28 standards of events and surveys, and 6 of service recovery (issue 7, item 4).
    assert default_journey.standards.count() == 34
    assert default_journey.standards.filter(kind="recovery").count() == 6


def test_it_covers_every_touchpoint_the_issue_lists(default_journey: Journey) -> None:
    keys = set(default_journey.touchpoints.values_list("key", flat=True))
    assert keys == ISSUE_TOUCHPOINTS
    origins = set(default_journey.touchpoints.filter(is_origin=True).values_list("key", flat=True))
    assert origins == {"website", "phone-call", "referral-in"}


def test_it_cites_a_source_for_every_standard(default_journey: Journey) -> None:
    sources = list(default_journey.standards.values_list("source", flat=True))
    assert len(sources) == 34
    assert all(source.strip() for source in sources)
    # Where no external benchmark exists the template says so instead of inventing one.
    assert sum("no published benchmark" in source for source in sources) >= 5


def test_it_uses_every_kind_of_measure(default_journey: Journey) -> None:
    kinds = {kind: default_journey.standards.filter(kind=kind).count() for kind in ("duration", "rate", "survey", "audit", "access")}
    assert kinds == {"duration": 14, "rate": 2, "survey": 9, "audit": 2, "access": 1}


def test_it_stores_a_standards_measure_threshold_and_goal(default_journey: Journey) -> None:
    standard = default_journey.standards.get(key="call-answered-30s")
    assert standard.touchpoint.key == "phone-call"
    assert standard.kind == "duration"
    assert standard.threshold == 30
    assert standard.threshold_unit == "seconds"
    assert standard.goal == 0.8
    assert standard.direction == "higher_is_better"
    assert standard.min_n == 30
    assert standard.definition == {
        "kind": "duration",
        "table": "calls",
        "start": "started_at",
        "end": "answered_at",
        "unit": "seconds",
        "missing_end": "fail",
    }
    no_shows = default_journey.standards.get(key="no-show-rate")
    assert no_shows.definition == {"kind": "rate", "table": "visits", "condition": {"field": "status", "in": ["no-show"]}}
    assert no_shows.threshold is None and no_shows.threshold_unit == ""
    assert no_shows.direction == "lower_is_better"
    access = default_journey.standards.get(key="third-next-available")
    assert access.definition == {"kind": "access", "visit_type": "established", "rank": 3, "unit": "days"}
    assert (access.threshold, access.threshold_unit) == (7, "days")


def test_it_links_touchpoints_including_the_follow_up_loop(default_journey: Journey) -> None:
    follow_up = default_journey.touchpoints.get(key="follow-up")
    assert sorted(follow_up.next.values_list("key", flat=True)) == ["appointment-booking", "portal-messages"]
    booking = default_journey.touchpoints.get(key="appointment-booking")
    assert sorted(booking.previous.values_list("key", flat=True)) == ["follow-up", "phone-call", "portal-messages", "referral-in"]
    assert default_journey.touchpoints.get(key="billing").next.count() == 0


def test_it_creates_the_owners_as_staff_members(default_journey: Journey) -> None:
    assert set(StaffMember.objects.values_list("key", flat=True)) == {
        "practice-manager",
        "front-desk-lead",
        "phone-team-lead",
        "scheduling-lead",
        "nurse-manager",
        "medical-director",
        "referral-coordinator",
        "billing-lead",
        "web-portal-lead",
    }
    check_in = default_journey.touchpoints.get(key="check-in")
    assert check_in.owner is not None and check_in.owner.key == "front-desk-lead"
    assert check_in.channel == "in_person"
    assert "they greeted me by name" in check_in.example_phrases
    assert set(check_in.feelings) == {"thinks", "feels", "says", "does"}


def test_it_does_not_make_a_new_version_for_the_same_content(default_journey: Journey) -> None:
    again = load_journey_file(DEFAULT_JOURNEY_PATH)
    assert again.pk == default_journey.pk
    assert Journey.objects.count() == 1
    assert Touchpoint.objects.count() == 14
    assert Standard.objects.count() == 34


def test_it_ignores_comments_and_spacing_when_comparing_content(default_journey: Journey, tmp_path: Path) -> None:
    path = changed_template(tmp_path, "journey:\n", "# our practice\njourney:   \n")
    assert load_journey_file(path).pk == default_journey.pk


def test_it_makes_a_new_active_version_when_the_content_changes(default_journey: Journey, tmp_path: Path) -> None:
    path = changed_template(tmp_path, "    threshold: 30\n    goal: 0.8\n    direction: higher_is_better\n    min_n: 30\n    source: Contact", "    threshold: 20\n    goal: 0.8\n    direction: higher_is_better\n    min_n: 30\n    source: Contact")
    second = load_journey_file(path)
    assert second.version == 2 and second.is_active
    default_journey.refresh_from_db()
    assert not default_journey.is_active
    assert second.standards.get(key="call-answered-30s").threshold == 20
    # The old version keeps its standards: past measurements still point at them.
    assert default_journey.standards.get(key="call-answered-30s").threshold == 30
    assert second.source_file == str(path)
    assert load_journey_file(path).pk == second.pk


def test_it_keeps_a_name_the_practice_changed_and_fills_blanks(default_journey: Journey, tmp_path: Path) -> None:
    StaffMember.objects.filter(key="front-desk-lead").update(name="Fran Ortiz", title="")
    path = changed_template(tmp_path, "  name: Outpatient primary care\n", "  name: Our practice\n")
    second = load_journey_file(path)
    fran = StaffMember.objects.get(key="front-desk-lead")
    assert fran.name == "Fran Ortiz"
    assert fran.title == "Front-desk lead"
    assert second.touchpoints.get(key="check-in").owner == fran
    assert StaffMember.objects.count() == 9


def test_it_keeps_a_staff_member_created_before_the_journey(db: Any) -> None:
    StaffMember.objects.create(key="billing-lead", name="Bill Bates", email="bill@practice.test")
    journey = load_journey_file(DEFAULT_JOURNEY_PATH)
    bill = StaffMember.objects.get(key="billing-lead")
    assert (bill.name, bill.title, bill.email) == ("Bill Bates", "Billing lead", "bill@practice.test")
    assert journey.touchpoints.get(key="billing").owner == bill


@pytest.mark.django_db
def test_it_numbers_versions_after_the_highest_even_when_none_is_active(tmp_path: Path) -> None:
    first = load_journey_file(DEFAULT_JOURNEY_PATH)
    Journey.objects.update(is_active=False)
    second = load_journey_file(DEFAULT_JOURNEY_PATH)
    assert (first.version, second.version) == (1, 2)
    assert list(Journey.objects.filter(is_active=True).values_list("version", flat=True)) == [2]

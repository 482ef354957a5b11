"""The journey map's colours come from the latest complete month of whole-practice measurements."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.utils import timezone

from careloop.journeys.models import Journey, Standard, Touchpoint
from careloop.journeys.standard_status import State, register_status_provider, touchpoint_states
from careloop.measures.models import Measurement
from careloop.measures.periods import PeriodKind, period_containing
from tests.conftest import Cast, client_for

MARCH, APRIL = date(2025, 3, 1), date(2025, 4, 1)


def standard(journey: Journey, touchpoint: Touchpoint, key: str) -> Standard:
    return Standard.objects.create(
        journey=journey, touchpoint=touchpoint, key=key, name=key, kind="audit",
        definition={"kind": "audit", "checklist": key, "question": "?"}, goal=0.9, source="test",
    )


def measured(standard: Standard, start: date, goal_met: bool | None, breakdown: str = "", value: str = "") -> None:
    Measurement.objects.create(
        standard=standard, period_kind=PeriodKind.MONTH, period_start=start,
        period_end=period_containing(start, PeriodKind.MONTH).end, breakdown=breakdown, breakdown_value=value,
        n=20 if goal_met is not None else 3, n_met=15, suppressed=goal_met is None, goal_met=goal_met,
    )


def test_it_colours_each_touchpoint_from_its_standards_in_the_latest_complete_month(cast: Cast) -> None:
    register_status_provider(None)
    apps.get_app_config("measures").ready()  # what Django does at start-up: the engine registers itself
    journey = Journey.objects.create(name="Practice", version=1, is_active=True)
    points = {
        key: Touchpoint.objects.create(journey=journey, key=key, name=key.title(), channel="in_person", order=i)
        for i, key in enumerate(["met", "missed", "thin", "mixed", "silent", "stale"])
    }
    measured(standard(journey, points["met"], "a"), APRIL, True)
    measured(standard(journey, points["missed"], "b"), APRIL, False)
    measured(standard(journey, points["thin"], "c"), APRIL, None)
    # One standard met and one not: the touchpoint is not met; a provider's miss does not count.
    mixed_one, mixed_two = standard(journey, points["mixed"], "d"), standard(journey, points["mixed"], "e")
    measured(mixed_one, APRIL, True)
    measured(mixed_two, APRIL, False)
    measured(standard(journey, points["met"], "f"), APRIL, True)
    Measurement.objects.filter(standard__key="f").update(breakdown="provider", breakdown_value="dr-okafor", goal_met=False)
    # Only March data for this one: the latest complete month is April, so it has no data.
    measured(standard(journey, points["stale"], "g"), MARCH, False)
    # The current month is not complete: it does not colour the map.
    current = period_containing(timezone.localdate(), PeriodKind.MONTH).start
    measured(Standard.objects.get(key="a"), current, False)

    states = {t.key: state for t, state in ((Touchpoint.objects.get(pk=pk), s) for pk, s in touchpoint_states(journey).items())}
    assert states == {
        "met": State.MET,
        "missed": State.NOT_MET,
        "thin": State.NOT_ENOUGH_DATA,
        "mixed": State.NOT_MET,
        "silent": State.NO_DATA,
        "stale": State.NO_DATA,
    }
    # The map page's table lists one state per touchpoint.
    html = client_for(cast.sam).get("/journey/").content.decode()
    assert html.count('class="state state-met"') == 1
    assert html.count('class="state state-not_met"') == 2
    assert html.count('class="state state-not_enough_data"') == 1
    assert html.count('class="state state-no_data"') == 2


def test_it_shows_no_data_when_nothing_has_been_measured(db: Any) -> None:
    register_status_provider(None)
    apps.get_app_config("measures").ready()
    journey = Journey.objects.create(name="Practice", version=1, is_active=True)
    touchpoint = Touchpoint.objects.create(journey=journey, key="check-in", name="Check-in", channel="in_person")
    assert touchpoint_states(journey) == {touchpoint.pk: State.NO_DATA}

"""Changing the recovery rules on their page: a new journey version, checked like a file."""

from __future__ import annotations

from typing import Any

import pytest

from careloop.journeys.journey_file import export_journey
from careloop.journeys.models import Journey
from careloop.recovery.forms import RulesForm
from tests.conftest import Cast, client_for


def form_data(journey: Journey, **changes: Any) -> dict[str, Any]:
    form = RulesForm(journey=journey)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name.endswith("_on"):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_it_shows_the_rules_to_everyone_who_sees_the_journey(cast: Cast, default_journey: Journey) -> None:
    html = client_for(cast.sam).get("/cases/rules/").content.decode()
    assert "Long wait to see the provider" in html and "Waiting room" in html and ">60<" in html
    assert "/cases/rules/edit/" not in html
    assert "/cases/rules/edit/" in client_for(cast.maria).get("/cases/rules/").content.decode()


def test_it_saves_a_changed_threshold_as_a_new_journey_version(cast: Cast, default_journey: Journey) -> None:
    client = client_for(cast.maria)
    response = client.post(
        "/cases/rules/edit/", form_data(default_journey, long_wait_threshold="45", bottom_box_on=None, sla_normal_resolution="4")
    )
    assert response.status_code == 302
    active = Journey.objects.get(is_active=True)
    assert active.version == 2
    rules = {r["kind"]: r for r in active.recovery["rules"]}
    assert "bottom_box" not in rules
    assert rules["long_wait"]["threshold"] == 45
    assert rules["long_wait"]["source"].startswith("Practice-set on the recovery rules page by maria@practice.test")
    # Unchanged rules keep their sources; the billing clock for one touchpoint is kept.
    assert rules["referral_open"]["source"].startswith("careloop's default")
    assert any(e.get("touchpoint") == "billing" for e in active.recovery["sla"])
    assert "      threshold: 45\n" in export_journey(active)
    # The previous version keeps what it promised.
    default_journey.refresh_from_db()
    assert {r["kind"]: r for r in default_journey.recovery["rules"]}["long_wait"]["threshold"] == 60


def test_it_rejects_bad_values_and_changes_nothing(cast: Cast, default_journey: Journey) -> None:
    client = client_for(cast.maria)
    bad = form_data(default_journey, long_wait_threshold="-5", sla_high_first_contact="3", sla_high_resolution="1", long_wait_touchpoint="")
    response = client.post("/cases/rules/edit/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0.01." in html
    assert "Resolution cannot come before first contact." in html
    assert "This field is required." in html
    assert Journey.objects.count() == 1


@pytest.mark.parametrize("person", ["fran", "cora", "sam"])
def test_it_lets_only_journey_editors_change_the_rules(cast: Cast, default_journey: Journey, person: str) -> None:
    client = client_for(getattr(cast, person))
    assert client.get("/cases/rules/edit/").status_code == 404
    assert client.post("/cases/rules/edit/", form_data(default_journey)).status_code == 404
    assert Journey.objects.count() == 1

"""The breakdown table's rows link to the failures page filtered to that row's value, and the list
there is what the engine counted for that value.

No-shows (lower is better, so the no-shows are what counts against it) in the week of 19 May 2025,
by hand: dr-okafor 1 of 2 visits (V2), np-chen 2 of 3 (V3, V5; V4 cancelled); V6 is the next week.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from careloop.accounts.models import StaffMember
from careloop.events.models import Visit
from careloop.journeys.models import Standard
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.conftest import Cast, client_for
from tests.measures.engine_events import local, make_standard

WEEK = date(2025, 5, 19)
AS_OF = local("2025-05-28 12:00")


@pytest.fixture
def no_shows(cast: Cast) -> Standard:
    standard = make_standard(
        "no-shows", "rate", {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}},
        goal=0.1, direction="lower_is_better", touchpoint="visit", min_n=1,
    )
    visits = [
        ("completed", "dr-okafor", "2025-05-19 09:00"), ("no-show", "dr-okafor", "2025-05-20 09:00"),
        ("no-show", "np-chen", "2025-05-22 14:00"), ("cancelled", "np-chen", "2025-05-23 09:00"),
        ("no-show", "np-chen", "2025-05-24 09:00"), ("no-show", "np-chen", "2025-05-27 09:00"),
    ]
    for number, (status, provider, when) in enumerate(visits, start=1):
        Visit.objects.create(
            visit_id=f"V{number}", patient_ref=f"P-V{number}", provider=provider, location="main-street",
            visit_type="established", booking_channel="phone", scheduled_start=local(when), status=status,
        )
    StaffMember.objects.create(key="np-chen", name="Nurse Practitioner Chen")
    assert recompute_measurements(standards=[standard], as_of=AS_OF).errors == []
    return standard


def _listed(html: str) -> list[str]:
    return re.findall(r'<tr><th scope="row">(V\d+)</th>', html)


def test_each_breakdown_row_links_to_its_own_failures(no_shows: Standard, cast: Cast) -> None:
    html = client_for(cast.maria).get(reverse("measures:standard", args=[no_shows.key]), {"kind": "week"}).content.decode()
    base = reverse("measures:failures", args=[no_shows.key]) + "?kind=week&amp;period=2025-05-26"
    # The latest charted week is the 26th (V6); the provider is named as the scorecard names staff.
    assert f'<a href="{base}&amp;by=provider&amp;value=np-chen">Nurse Practitioner Chen</a>' in html
    assert f'<a href="{base}&amp;by=location&amp;value=main-street">main-street</a>' in html


@pytest.mark.parametrize(("dimension", "value", "expected"), [("provider", "dr-okafor", ["V2"]), ("provider", "np-chen", ["V3", "V5"]), ("location", "main-street", ["V2", "V3", "V5"])])
def test_the_filtered_list_equals_the_engine_count(no_shows: Standard, cast: Cast, dimension: str, value: str, expected: list[str]) -> None:
    response = client_for(cast.maria).get(
        reverse("measures:failures", args=[no_shows.key]), {"kind": "week", "period": WEEK.isoformat(), "by": dimension, "value": value}
    )
    assert response.status_code == 200
    assert _listed(response.content.decode()) == expected
    stored = Measurement.objects.get(standard=no_shows, period_kind="week", period_start=WEEK, breakdown=dimension, breakdown_value=value)
    assert stored.n_met == len(expected)


@pytest.mark.parametrize("extra", [{"by": "owner", "value": "fran-frontdesk"}, {"by": "queue", "value": "billing"}, {"by": "provider", "value": "y" * 200}])
def test_a_dimension_the_table_has_not_is_a_400(no_shows: Standard, cast: Cast, extra: dict[str, str]) -> None:
    response = client_for(cast.maria).get(
        reverse("measures:failures", args=[no_shows.key]), {"kind": "week", "period": WEEK.isoformat()} | extra
    )
    assert response.status_code == 400
    assert "not one this standard is measured by" in response.content.decode()

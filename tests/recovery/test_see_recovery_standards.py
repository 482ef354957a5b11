"""Recovery standards where every standard shows: the journey map coloured by their measurements, the
standard page with its weekly SPC chart and per-owner breakdown, and the owner's scorecard.

Six weeks from Monday 6 January 2025: each Wednesday at 10:00 New York time ten check-in cases open
(first contact due at the end of Thursday); the week's first `in_time` are reached at noon, the rest on
Friday morning, late. At the waiting room, two cases a week, both reached in time."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from careloop.journeys.models import Journey, Standard, Touchpoint
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.working import log_contact
from tests.conftest import Cast, client_for
from tests.recovery.cases import NEW_YORK, make_case, make_journey

IN_TIME = [7, 8, 6, 7, 8, 7]  # of ten check-in cases a week: 43 of 60 in all
AS_OF = datetime(2025, 3, 3, 12, 0, tzinfo=NEW_YORK)


def first_contact_standard(journey: Journey, key: str, touchpoint: str) -> Standard:
    return Standard.objects.create(
        journey=journey, touchpoint=Touchpoint.objects.get(journey=journey, key=touchpoint), key=key,
        name=f"{touchpoint} cases first contacted within the SLA", kind="recovery",
        definition={"kind": "recovery", "metric": "first_contact_within_sla", "scope": "touchpoint"},
        goal=0.9, direction="higher_is_better", source="test", min_n=1,
    )


@pytest.fixture
def measured(cast: Cast) -> Journey:
    journey = make_journey()
    first_contact_standard(journey, "check-in-first-contact", "check-in")
    first_contact_standard(journey, "waiting-first-contact", "waiting-room")
    first_contact_standard(journey, "billing-first-contact", "billing")
    for week, in_time in enumerate(IN_TIME):
        wednesday = datetime(2025, 1, 8, 10, 0, tzinfo=NEW_YORK) + timedelta(weeks=week)
        for n in range(10):
            case = make_case(f"P-{week}-{n}", episode=f"visit:V-{week}-{n}", opened_at=wednesday)
            reached = wednesday + (timedelta(hours=2) if n < in_time else timedelta(days=2))
            log_contact(case, by=cast.fran, method="phone", said="Apologised", outcome="reached", at=reached)
        for n in range(2):
            case = make_case(f"W-{week}-{n}", episode=f"visit:W-{week}-{n}", touchpoint="waiting-room", opened_at=wednesday)
            log_contact(case, by=cast.fran, method="phone", said="Apologised", outcome="reached", at=wednesday + timedelta(hours=1))
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == []
    return journey


def test_the_months_are_counted_by_hand(measured: Journey) -> None:
    # January has the cases of 8, 15, 22 and 29 January (7+8+6+7 = 28 of 40); February of 5 and 12 (15 of 20).
    months = dict(
        Measurement.objects.filter(standard__key="check-in-first-contact", period_kind="month", breakdown="").values_list(
            "period_start", "n_met"
        )
    )
    assert months == {date(2025, 1, 1): 28, date(2025, 2, 1): 15}


def test_the_map_colours_each_touchpoint_by_its_recovery_standard(measured: Journey, cast: Cast) -> None:
    html = client_for(cast.maria).get("/journey/").content.decode()
    # The latest complete month, February: check-in 15 of 20 (75 %, under 90 %), waiting room 4 of 4.
    assert re.search(r'class="node state-not_met[^"]*"[^>]*data-key="check-in"', html)
    assert re.search(r'class="node state-met[^"]*"[^>]*data-key="waiting-room"', html)
    # Billing has a recovery standard but no case yet: honestly no data.
    assert re.search(r'class="node state-no_data[^"]*"[^>]*data-key="billing"', html)


def test_the_standard_page_draws_the_weekly_spc_chart(measured: Journey, cast: Cast) -> None:
    response = client_for(cast.sam).get("/measures/standards/check-in-first-contact/?kind=week")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="spc-chart"' in html and html.count('class="point ') == len(IN_TIME)
    assert "check-in cases first contacted within the SLA" in html
    # The latest week (10 February: 7 of 10) by owner: every check-in case is Fran's.
    assert "fran-frontdesk" in html and "70.0 %" in html
    assert "P-5-" not in html  # aggregates only: no patient on the standard page


def test_the_owners_scorecard_shows_recovery_standards_with_the_others(measured: Journey, cast: Cast) -> None:
    html = client_for(cast.fran).get("/measures/mine/").content.decode()
    assert '<a href="/measures/standards/check-in-first-contact/?kind=month">check-in cases first contacted within the SLA</a>' in html
    assert '<a href="/measures/standards/waiting-first-contact/?kind=month">' in html
    # Bill owns billing: its recovery standard is on his scorecard, not Fran's.
    assert "billing-first-contact" not in html


def test_the_touchpoint_page_says_what_a_recovery_standard_counts(measured: Journey, cast: Cast) -> None:
    html = client_for(cast.sam).get("/journey/touchpoints/check-in/").content.decode()
    assert "share of cases whose patient was first contacted within the SLA, among recovery cases opened here" in html
    assert "90 %" in html

"""The surveys panel on the home page: NPS and the provider rating's top box for the last complete
month, and response rates per channel, checked against hand computations."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from careloop.journeys.models import Journey
from careloop.surveys.dashboard_panel import last_complete_month
from careloop.surveys.models import InvitationChannel
from tests.conftest import Cast, client_for
from tests.surveys.answered_responses import answered, nps_answers
from tests.surveys.test_response_rates import invite

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def test_it_takes_the_last_complete_month_in_the_practices_time_zone() -> None:
    # 02:00 UTC on 1 March is still 28 February in New York: the last complete month is January.
    since, until = last_complete_month(datetime(2025, 3, 1, 2, tzinfo=ZoneInfo("UTC")))
    assert (since, until) == (datetime(2025, 1, 1, tzinfo=NEW_YORK), datetime(2025, 2, 1, tzinfo=NEW_YORK))
    since, until = last_complete_month(datetime(2025, 1, 20, 12, tzinfo=NEW_YORK))
    assert (since, until) == (datetime(2024, 12, 1, tzinfo=NEW_YORK), datetime(2025, 1, 1, tzinfo=NEW_YORK))


def test_it_shows_the_headline_scores_and_response_rates_of_the_last_complete_month(cast: Cast, default_journey: Journey) -> None:
    since, until = last_complete_month(timezone.now())
    inside = since + timedelta(days=3, hours=12)
    # NPS: 6 promoters (9-10), 2 passives, 4 detractors (0-6) of 12: 100 x (6 - 4) / 12 = 16.7.
    # var = (p + d - (p - d)^2) / n = (0.5 + 0.3333 - 0.1667^2) / 12 = 0.06713; half 100 x 1.96 x 0.2591 = 50.8:
    # -34.1 to 67.4.
    nps_answers([10, 10, 9, 9, 9, 9, 8, 7, 6, 5, 3, 0], inside)
    # Outside the month: not counted.
    nps_answers([0, 0], since - timedelta(days=2))
    nps_answers([0, 0], until + timedelta(hours=1))
    # Provider rating 9-10: 7 of 10 = 70 %; Wilson centre (0.7 + 0.1921) / 1.3842 = 0.6445,
    # half 1.96 x sqrt(0.021 + 0.0096) / 1.3842 = 0.2477: 39.7 %-89.2 %.
    for rating in [10, 9, 9, 8, 10, 7, 9, 10, 6, 9]:
        answered("cg-cahps-visit", {"cgcahps-provider-rating": str(rating)}, completed_at=inside)
    # Email: 4 of 10 sent answered = 40 %, Wilson 16.8 %-68.7 %.
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=4, made=inside)
    invite(InvitationChannel.EMAIL, 10, sent=10, answered=10, made=since - timedelta(days=1))
    html = client_for(cast.sam).get("/").content.decode()
    assert "Patient voice" in html
    assert f"{since:%B %Y} (the last complete month)" in html
    assert "<dt>Net Promoter Score</dt>\n  <dd><strong>17</strong> (-34 to 67), n=12</dd>" in html
    assert "<dt>Provider rated 9 or 10</dt>\n  <dd><strong>70 %</strong> (40–89), n=10</dd>" in html
    assert '<tr><th scope="row">Email</th><td class="num">4 of 10</td><td class="num">40 % <span class="muted">(17–69), n=10</span></td>' in html


def test_it_says_not_enough_data_rather_than_a_figure_of_a_few_patients(cast: Cast, default_journey: Journey) -> None:
    since, _ = last_complete_month(timezone.now())
    nps_answers([10, 10, 0], since + timedelta(days=2))
    html = client_for(cast.maria).get("/").content.decode()
    assert "<dt>Net Promoter Score</dt>\n  <dd>not enough data (n=3)</dd>" in html
    assert "<dt>Provider rated 9 or 10</dt>\n  <dd>no answers</dd>" in html
    assert "No invitations that month." in html


def test_it_is_not_shown_before_any_instrument_is_loaded(cast: Cast, default_journey: Journey) -> None:
    html = client_for(cast.maria).get("/").content.decode()
    assert "Patient voice" not in html

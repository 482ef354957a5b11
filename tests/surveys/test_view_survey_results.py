"""Staff read survey results at /surveys/: totals only, suppressed below the minimum n, broken down and
case-mix adjusted on request, each question's answers drawn as bars, a trend by month, a chosen period;
people without the right get a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.models import Answer, Response
from tests.conftest import Cast, client_for
from tests.surveys.answered_responses import at, nps_answers

pytestmark = pytest.mark.django_db


def add_responses(provider: str, explains: list[str], general_health: list[str]) -> None:
    version = active_instrument_version("cg-cahps-visit")
    assert version is not None
    for answer, health in zip(explains, general_health):
        response = Response.objects.create(instrument_version=version, language="en", provider=provider, is_complete=True)
        Answer.objects.create(response=response, item_key="cgcahps-provider-explains", value=answer, top_box=answer == "yes-definitely")
        Answer.objects.create(response=response, item_key="general-health", value=health)


def test_it_lists_the_instruments_with_their_complete_responses(cast: Cast) -> None:
    load_shipped_instruments()
    add_responses("dr-okafor", ["yes-definitely"] * 2, ["good"] * 2)
    html = client_for(cast.sam).get("/surveys/").content.decode()
    assert "Your recent visit" in html and "<code>staff-pulse</code>" in html
    assert '<td class="num">2</td>' in html


def test_it_shows_top_box_shares_by_provider_and_suppresses_small_groups(cast: Cast, settings: object) -> None:
    load_shipped_instruments()
    # Dr Okafor: 8 of 10 "yes, definitely" = 80 %. Dr Chen: 3 answers, below the minimum of 10.
    add_responses("dr-okafor", ["yes-definitely"] * 8 + ["yes-somewhat"] * 2, ["excellent"] * 10)
    add_responses("np-chen", ["no"] * 3, ["poor"] * 3)
    page = client_for(cast.maria).get("/surveys/cg-cahps-visit/?by=provider")
    assert page.status_code == 200
    html = page.content.decode()
    # Whole practice: 8 of 13 = 61.5 % → 62 %. Wilson: centre (0.6154 + 3.8415/26) / (1 + 3.8415/13) = 0.5891,
    # half 1.96 * sqrt(0.6154*0.3846/13 + 3.8415/676) / 1.2955 = 0.2338: 35.5 %-82.3 %, shown as 36-82.
    assert "62 % <span class=\"muted\">(36–82), n=13</span>" in html
    # Dr Okafor: 8 of 10, Wilson 49.0 %-94.3 %.
    assert "80 % <span class=\"muted\">(49–94), n=10</span>" in html
    assert "not enough data (n=3)" in html


def test_it_adjusts_providers_for_case_mix_on_request(cast: Cast) -> None:
    load_shipped_instruments()
    add_responses("dr-okafor", ["yes-definitely"] * 10, ["excellent"] * 5 + ["good"] * 5)
    add_responses("np-chen", ["yes-definitely"] * 5 + ["no"] * 5, ["excellent"] * 5 + ["poor"] * 5)
    # General health is ordered best first, so poor = 1 ... excellent = 5 (good = 3).
    # Okafor: y all 1; x = 5 (x5), 3 (x5), unit mean 4. Chen: y 1 (x5, x = 5), 0 (x5, x = 1); means 0.5 and 3.
    # Within units: sum(xy) = 0 + 5*(2*0.5) + 5*(-2*-0.5) = 10; sum(x^2) = 10*1 + 10*4 = 50; b = 0.2.
    # Overall mean x = (40 + 30) / 20 = 3.5. Okafor: 1 - 0.2*(4 - 3.5) = 0.9; Chen: 0.5 - 0.2*(3 - 3.5) = 0.6.
    html = client_for(cast.maria).get("/surveys/cg-cahps-visit/?by=provider&adjust=1").content.decode()
    assert '<th scope="row">… adjusted for case mix</th><td></td><td class="num">90 %</td><td class="num">60 %</td>' in html
    plain = client_for(cast.maria).get("/surveys/cg-cahps-visit/?by=provider").content.decode()
    assert "adjusted for case mix" not in plain


def test_it_hides_results_from_people_without_the_right_and_unknown_instruments(cast: Cast) -> None:
    load_shipped_instruments()
    assert Client().get("/surveys/nps/")["Location"].startswith("/login/")
    assert client_for(cast.cora).get("/surveys/no-such-instrument/").status_code == 404
    assert client_for(cast.cora).get("/surveys/nps/").status_code == 200


# --- per question, trend, period ----------------------------------------------------------------

RATINGS = [10, 10, 10, 9, 9, 9, 9, 8, 7, 6, 3, 0]


def test_it_draws_each_questions_answers_as_counts_shares_and_bars(cast: Cast) -> None:
    nps_answers(RATINGS, at(2025, 1, 10))
    html = client_for(cast.sam).get("/surveys/nps/").content.decode()
    # 4 of 12 answered 9: 33 %, a bar of 0.3333 x 200 px = 66.7 px; 3 of 12 answered 10: 25 %, 50.0 px.
    assert '<th scope="row">9</th>\n      <td class="num">4</td>\n      <td class="num">33 %</td>' in html
    assert '<rect class="fill" width="66.7" height="14"/>' in html
    assert '<rect class="fill" width="50.0" height="14"/>' in html
    # Nobody answered 5: a row with 0 and an empty bar, so the scale has no holes.
    assert '<th scope="row">5</th>\n      <td class="num">0</td>' in html
    assert '<rect class="fill" width="0.0" height="14"/>' in html
    # Top box 9-10: 7 of 12 = 58 %; Wilson centre (0.5833 + 3.8415/24) / (1 + 3.8415/12) = 0.5631,
    # half 1.96 x sqrt(0.5833 x 0.4167 / 12 + 3.8415/576) / 1.3201 = 0.2436: 31.95 %-80.67 % → 32-81.
    # Mean on 0-100: 900 / 12 = 75; s = sqrt(10700 / 11) = 31.19, half 1.96 x 31.19 / sqrt(12) = 17.65: 57-93.
    assert "12 answers · top box: 58 % (32–81) · mean (0-100): 75 (57–93)" in html


def test_it_says_not_enough_data_for_a_question_with_few_answers(cast: Cast) -> None:
    nps_answers([10, 9, 2], at(2025, 1, 10))
    html = client_for(cast.sam).get("/surveys/nps/").content.decode()
    assert "Not enough data: fewer than 10 answers." in html
    assert "3 answers · top box: not enough data · mean (0-100): not enough data" in html
    assert '<rect class="fill"' not in html


def test_it_shows_the_trend_by_month_with_gaps_and_a_line(cast: Cast) -> None:
    nps_answers([10] * 10, at(2025, 1, 10))
    nps_answers([10] * 5 + [0] * 5, at(2025, 3, 10))
    html = client_for(cast.sam).get("/surveys/nps/").content.decode()
    assert "<th scope=\"col\">2025-01</th><th scope=\"col\">2025-02</th><th scope=\"col\">2025-03</th>" in html
    # January: 10 promoters, NPS 100 with no spread; February: nobody; March: 5 promoters and 5
    # detractors, NPS 0, half-width 100 x 1.96 x sqrt((0.5 + 0.5 - 0) / 10) = 62.
    assert "100 <span class=\"muted\">(100 to 100), n=10</span>" in html
    assert '<span class="muted">no answers</span>' in html
    assert "0 <span class=\"muted\">(-62 to 62), n=10</span>" in html
    # NPS runs -100..100 over the 30 px between 3 px margins: 100 → y 3, 0 → y 18; months 0 and 2 of 3
    # over 154 px: x 3 and 157.
    assert '<polyline points="3.0,3.0 157.0,18.0"/>' in html


def test_it_limits_results_to_a_period_of_whole_days_in_the_practices_time_zone(cast: Cast) -> None:
    nps_answers([10] * 10, at(2025, 1, 10))
    # 23:30 on 31 March in New York is 03:30 UTC on 1 April: inside March; 00:30 on 1 April is not.
    nps_answers([0] * 9, at(2025, 3, 10))
    nps_answers([0], at(2025, 4, 1, hour=3) + timedelta(minutes=30))
    nps_answers([9], at(2025, 4, 1, hour=4) + timedelta(minutes=30))
    html = client_for(cast.sam).get("/surveys/nps/?start=2025-03-01&end=2025-03-31").content.decode()
    assert "10 complete responses in the period chosen" in html
    assert "-100 <span class=\"muted\">(-100 to -100), n=10</span>" in html
    everything = client_for(cast.sam).get("/surveys/nps/").content.decode()
    assert "21 complete responses." in everything


def test_it_refuses_a_period_that_ends_before_it_starts_and_shows_everything(cast: Cast) -> None:
    nps_answers([10] * 3, at(2025, 1, 10))
    page = client_for(cast.sam).get("/surveys/nps/?start=2025-03-01&end=2025-02-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert "The end date is before the start date." in html
    assert "3 complete responses." in html
    assert "Give a date between 2000 and 2100." in client_for(cast.sam).get("/surveys/nps/?start=1899-01-01").content.decode()
    assert "Enter a valid date." in client_for(cast.sam).get("/surveys/nps/?start=yesterday").content.decode()

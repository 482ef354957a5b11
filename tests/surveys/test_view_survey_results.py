"""Staff read survey results at /surveys/: totals only, suppressed below the minimum n, broken down and
case-mix adjusted on request; people without the right get a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.models import Answer, Response
from tests.conftest import Cast, client_for

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
    assert "n=3, too few" in html


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

"""Viewing one touchpoint: its owner, state, standards in words, phrases, empathy map and neighbours."""

from __future__ import annotations

import re

import pytest

from careloop.accounts.models import User
from careloop.journeys.models import Journey, Standard, Touchpoint
from tests.conftest import Cast, client_for
from tests.journeys.map_sample import build_sample_journey

URL = "/journey/touchpoints/waiting-room/"


@pytest.mark.parametrize("who", ("ada", "maria", "fran", "bill", "cora", "sam"))
def test_it_shows_the_touchpoint_to_every_role_that_may_view_the_journey(cast: Cast, who: str) -> None:
    build_sample_journey()
    response = client_for(cast.all()[who]).get(URL)
    assert response.status_code == 200
    assert b"<h1>Waiting room</h1>" in response.content


def test_it_sends_anonymous_visitors_to_the_login_page(db: None) -> None:
    build_sample_journey()
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={URL}"


def test_it_answers_404_to_a_signed_in_user_without_the_permission(cast: Cast) -> None:
    build_sample_journey()
    outsider = User.objects.create_user("out@elsewhere.test", "x" * 12, role="no-such-role")
    assert client_for(outsider).get(URL).status_code == 404


def test_it_answers_404_for_an_unknown_touchpoint(cast: Cast) -> None:
    build_sample_journey()
    assert client_for(cast.maria).get("/journey/touchpoints/no-such-place/").status_code == 404


def test_it_answers_404_for_a_touchpoint_of_an_older_journey_version(cast: Cast) -> None:
    old = build_sample_journey(version=1)
    Journey.objects.filter(pk=old.pk).update(is_active=False)
    new = Journey.objects.create(name="New", version=2, is_active=True)
    Touchpoint.objects.create(journey=new, key="front-door", name="Front door", channel="in_person")
    assert client_for(cast.maria).get(URL).status_code == 404
    assert client_for(cast.maria).get("/journey/touchpoints/front-door/").status_code == 200


def test_it_shows_owner_state_neighbours_and_the_standard_in_words(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get(URL).content.decode()
    assert "Dana Reyes, Front-desk lead" in html
    assert "– No data yet" in html
    assert re.search(r"Comes after</dt><dd><a href=\"/journey/touchpoints/check-in/\">Check-in</a></dd>", html)
    assert re.search(r"Leads to</dt><dd><a href=\"/journey/touchpoints/visit/\">Visit with the provider</a></dd>", html)
    # The standard's name links to its SPC chart (measures' standard page).
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"/measures/standards/[\w-]+/\">Roomed within 15 minutes of arrival</a></th>(.*?)</tr>",
        html,
        re.S,
    )
    assert row is not None
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == [
        "arrival → roomed, minutes",
        "15 minutes",
        "90 %",
        "Higher is better",
        "20",
        "MGMA benchmark: median arrival-to-room time (illustrative)",
    ]


def test_it_says_when_there_are_no_standards_phrases_or_empathy_map_yet(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/touchpoints/billing/").content.decode()
    assert "No standards set for this touchpoint yet." in html
    assert "No example phrases yet." in html
    assert "No empathy map yet" in html
    assert "Nothing: the journey ends here" not in html  # billing leads to follow-up


def test_it_says_when_a_touchpoint_has_no_owner(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/touchpoints/referral-out/").content.decode()
    assert '<span class="no-owner">No owner</span>' in html
    assert "Nothing: the journey ends here" in html


def test_it_shows_the_empathy_map_quadrants_in_order_and_the_phrases(cast: Cast) -> None:
    journey = build_sample_journey()
    Touchpoint.objects.filter(journey=journey, key="waiting-room").update(
        feelings={"does": ["checks the time"], "says": "Is the doctor late?", "thinks": ["How much longer?"], "feels": []},
        example_phrases=["I waited over an hour"],
    )
    html = client_for(cast.maria).get(URL).content.decode()
    quadrants = re.findall(r"<h3>(\w+)</h3>", html)
    assert quadrants == ["Thinks", "Says", "Does"]  # "feels" is empty, so it is left out
    assert "<li>Is the doctor late?</li>" in html
    assert "<li>“I waited over an hour”</li>" in html


def test_it_escapes_everything_the_journey_file_says(cast: Cast) -> None:
    journey = build_sample_journey()
    evil = '<script>alert("x")</script>'
    Touchpoint.objects.filter(journey=journey, key="waiting-room").update(
        description=evil, example_phrases=[evil], feelings={"thinks": [evil], evil: ["y"]}
    )
    Standard.objects.filter(journey=journey).update(name=evil, source=evil)
    html = client_for(cast.maria).get(URL).content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5


def test_it_has_no_inline_script_or_style(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get(URL).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert re.search(r"<style|\sstyle=|\son[a-z]+=", html) is None


def test_it_shows_every_default_standard_in_words(cast: Cast, default_journey: Journey) -> None:
    client = client_for(cast.maria)
    for touchpoint in default_journey.touchpoints.all():
        html = client.get(f"/journey/touchpoints/{touchpoint.key}/").content.decode()
        for standard in touchpoint.standards.all():
            assert standard.name in html
        # No measure falls through to raw field names or Python reprs.
        assert "_at" not in re.sub(r"<[^>]+>", "", html.split('class="standards"', 1)[-1].split("</table>")[0])
        assert "{'" not in html and "None" not in html

"""Viewing the journey map: every role with can_view_journey sees the whole journey drawn, with
owners and honest "no data yet" states; nobody else does; nothing a journey file says can run."""

from __future__ import annotations

import re

import pytest

from careloop.accounts.models import User
from careloop.journeys.models import Journey, Touchpoint
from careloop.journeys.standard_status import State, current_status_provider, register_status_provider
from tests.conftest import Cast, client_for
from tests.journeys.map_sample import LINKS, OWNERS, TOUCHPOINTS, build_sample_journey

ROLES_WITH_THE_JOURNEY = ("ada", "maria", "fran", "bill", "cora", "sam")


@pytest.mark.parametrize("who", ROLES_WITH_THE_JOURNEY)
def test_it_shows_the_map_to_every_role_that_may_view_the_journey(cast: Cast, who: str) -> None:
    build_sample_journey()
    response = client_for(cast.all()[who]).get("/journey/")
    assert response.status_code == 200
    assert b'<svg class="map-svg"' in response.content


def test_it_sends_anonymous_visitors_to_the_login_page(db: None) -> None:
    build_sample_journey()
    response = client_for(None).get("/journey/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/journey/"


def test_it_answers_404_to_a_signed_in_user_without_the_permission(cast: Cast) -> None:
    build_sample_journey()
    outsider = User.objects.create_user("out@elsewhere.test", "x" * 12, role="no-such-role")
    assert client_for(outsider).get("/journey/").status_code == 404


def test_it_says_how_to_load_a_journey_when_there_is_none(cast: Cast) -> None:
    assert client_for(cast.maria).get("/journey/").status_code == 404


def test_it_draws_every_touchpoint_with_its_owner_and_a_link(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/").content.decode()
    svg = html[html.index("<svg class=\"map-svg\"") : html.index("</svg>", html.index("map-svg"))]
    for key, name, _, _, owner in TOUCHPOINTS:
        assert f'href="/journey/touchpoints/{key}/"' in svg
        assert name in html
        if owner is not None:
            assert f"Owner: {OWNERS[owner][0]}" in svg
    assert svg.count("No owner") == 1  # the referral to a specialist has none
    assert svg.count('<a class="node') == len(TOUCHPOINTS)
    assert svg.count('<path class="edge') == len(LINKS)


def test_it_marks_the_three_entry_points(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/").content.decode()
    assert html.count("▶ Entry point") == 3
    origins = re.findall(r'class="node state-\w+ origin"[^>]*data-key="([^"]+)"', html)
    assert sorted(origins) == ["phone-call", "referral-in", "website"]


def test_it_shows_no_data_yet_for_every_touchpoint_until_the_standards_engine_says_more(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/").content.decode()
    assert html.count('class="node state-no_data') == len(TOUCHPOINTS)
    for state in (State.MET, State.NOT_MET, State.NOT_ENOUGH_DATA):
        assert f"node state-{state.value}" not in html
    # The legend names all four states, in words (colour is never the only cue).
    for state in State:
        assert f'<li class="legend-{state.value}">' in html
        assert state.label in html


def test_it_colours_touchpoints_with_the_states_a_registered_provider_gives(cast: Cast) -> None:
    journey = build_sample_journey()
    waiting = Touchpoint.objects.get(journey=journey, key="waiting-room")
    billing = Touchpoint.objects.get(journey=journey, key="billing")
    previous = current_status_provider()
    register_status_provider(lambda j: {waiting.pk: State.NOT_MET, billing.pk: State.MET})
    try:
        html = client_for(cast.maria).get("/journey/").content.decode()
    finally:
        # Put back the standards engine's provider: later tests rely on it.
        register_status_provider(previous)
    assert re.search(r'class="node state-not_met"[^>]*data-key="waiting-room"', html)
    assert re.search(r'class="node state-met"[^>]*data-key="billing"', html)
    assert html.count('class="node state-no_data') == len(TOUCHPOINTS) - 2
    assert "! Standard not met" in html and "✓ Standards met" in html


def test_it_shows_the_journey_name_and_version_of_the_active_journey(cast: Cast) -> None:
    build_sample_journey(version=1)
    Journey.objects.update(is_active=False)
    Journey.objects.create(name="Second try", version=2, is_active=True)
    html = client_for(cast.maria).get("/journey/").content.decode()
    assert "<h1 id=\"map-title\">Second try</h1>" in html
    assert "Version 2" in html


def test_it_escapes_what_the_journey_file_says(cast: Cast) -> None:
    journey = build_sample_journey()
    Touchpoint.objects.filter(journey=journey, key="check-in").update(name='<script>alert("x")</script> "Desk"')
    html = client_for(cast.maria).get("/journey/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'aria-label="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;Desk&quot;: In person;' in html


def test_it_has_no_inline_script_or_style(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/journey/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert re.search(r"<style", html) is None
    assert re.search(r"\sstyle=", html) is None
    assert re.search(r"\son[a-z]+=", html) is None  # no event-handler attributes either


def test_it_works_with_the_default_journey_template(cast: Cast, default_journey: Journey) -> None:
    html = client_for(cast.maria).get("/journey/").content.decode()
    touchpoints = list(default_journey.touchpoints.select_related("owner"))
    assert len(touchpoints) >= 10
    for touchpoint in touchpoints:
        assert f'data-key="{touchpoint.key}"' in html
        assert touchpoint.owner is not None
        assert touchpoint.owner.name in html
    assert html.count('class="node state-no_data') == len(touchpoints)

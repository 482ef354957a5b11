"""The home page gathers one panel per stage of the loop; the journey panel counts touchpoint states."""

from __future__ import annotations

import re

from careloop.journeys.standard_status import State, current_status_provider, register_status_provider
from tests.conftest import Cast, client_for
from tests.journeys.map_sample import TOUCHPOINTS, build_sample_journey


def test_it_counts_the_touchpoints_in_each_state_on_the_journey_panel(cast: Cast) -> None:
    journey = build_sample_journey()
    first, second = journey.touchpoints.order_by("pk")[:2]
    previous = current_status_provider()
    register_status_provider(lambda j: {first.pk: State.MET, second.pk: State.NOT_MET})
    try:
        html = client_for(cast.sam).get("/").content.decode()
    finally:
        register_status_provider(previous)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "1 standards met" in text
    assert "1 standard not met" in text
    assert f"{len(TOUCHPOINTS) - 2} no data yet" in text


def test_it_answers_404_until_a_journey_is_loaded(cast: Cast) -> None:
    assert client_for(cast.maria).get("/").status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(db: None) -> None:
    response = client_for(None).get("/")
    assert response["Location"] == "/login/?next=/"


def test_it_draws_the_journey_map_on_the_home_page(cast: Cast) -> None:
    build_sample_journey()
    html = client_for(cast.maria).get("/").content.decode()
    assert '<svg class="map-svg"' in html and 'class="panel panel-wide"' in html


def test_it_shows_an_owner_their_own_standards_and_nobody_else(cast: Cast) -> None:
    from careloop.accounts.models import StaffMember
    from careloop.journeys.models import Standard

    journey = build_sample_journey()
    owned = journey.touchpoints.order_by("order").first()
    assert owned is not None
    owned.owner = StaffMember.objects.get(user=cast.fran)
    owned.save(update_fields=["owner"])
    Standard.objects.create(
        journey=journey, touchpoint=owned, key="greeted-within-2-minutes", name="Greeted within 2 minutes",
        kind="audit", definition={"checklist": "greeting"}, goal=0.9, direction="higher_is_better", source="test",
    )
    fran = client_for(cast.fran).get("/").content.decode()
    assert "My standards" in fran and "Greeted within 2 minutes" in fran and "no data yet" in fran
    assert "My standards" not in client_for(cast.cora).get("/").content.decode()

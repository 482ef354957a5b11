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

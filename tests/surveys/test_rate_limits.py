"""Rate limits on the public survey pages: per client address and per link, a friendly 429 page in the
patient's language with Retry-After, counted per one-minute window, and off when set to 0."""

from __future__ import annotations

from typing import Any

from django.test import Client

from careloop.surveys.rate_limits import WINDOW_SECONDS, count_request
from tests.surveys.survey_links import survey_link


def test_it_counts_requests_per_key_within_one_minute_window(db: None) -> None:
    start = 1_700_000_000 - (1_700_000_000 % WINDOW_SECONDS)  # the first second of a window
    verdicts = [count_request("k", 3, now=start + n).allowed for n in range(5)]
    assert verdicts == [True, True, True, False, False]
    refused = count_request("k", 3, now=start + 20)
    assert (refused.allowed, refused.retry_after) == (False, 40)
    # Another key has its own count; the next window starts again at one.
    assert count_request("other", 3, now=start + 20).allowed
    assert count_request("k", 3, now=start + WINDOW_SECONDS).allowed
    assert count_request("k", 0, now=start + 21).allowed  # 0 turns the limit off


def test_it_answers_a_friendly_429_in_spanish_once_a_link_is_over_its_limit(db: None, settings: Any) -> None:
    settings.SURVEY_RATE_PER_TOKEN = 3
    link = survey_link("nps")
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    statuses = [client.get(link.path()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(link.path())
    assert int(refused["Retry-After"]) in range(1, WINDOW_SECONDS + 1)
    assert "Espere un momento" in refused.content.decode()
    # Another link from the same address is still served: the per-address limit is separate and larger.
    assert client.get(survey_link("nps").path()).status_code == 200


def test_it_limits_one_address_across_links_even_guessed_ones(db: None, settings: Any) -> None:
    settings.SURVEY_RATE_PER_IP = 5
    client = Client(REMOTE_ADDR="203.0.113.9")
    guesses = [client.get(f"/s/guess-{n:027d}/").status_code for n in range(7)]
    assert guesses == [404] * 5 + [429] * 2
    # Someone else's address is not held back.
    assert Client(REMOTE_ADDR="203.0.113.10").get(survey_link("nps").path()).status_code == 200


def test_it_ignores_a_forged_forwarded_for_header(db: None, settings: Any) -> None:
    settings.SURVEY_RATE_PER_IP = 2
    statuses = [
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").get("/s/guess-000000000000000000000000000/").status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]

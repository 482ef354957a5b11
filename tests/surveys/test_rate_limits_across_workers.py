"""`careloop serve` runs several worker processes; with counts kept in each process's memory, each
worker allows its share of a limit, so together they never allow more than the limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from careloop.surveys import rate_limits
from careloop.surveys.rate_limits import WINDOW_SECONDS, count_request, process_limit
from tests.surveys.survey_links import survey_link


@pytest.fixture(autouse=True)
def _one_process_again() -> Iterator[None]:
    yield
    rate_limits.share_among_processes(1)


def test_it_gives_each_of_n_workers_its_share_of_a_limit_rounded_up() -> None:
    rate_limits.share_among_processes(2)
    assert [process_limit(n) for n in (300, 60, 7, 1, 0)] == [150, 30, 4, 1, 0]
    rate_limits.share_among_processes(3)
    # 3 workers × 20 = 60: the limit, never 3 × 60.
    assert process_limit(60) == 20


def test_it_refuses_beyond_a_workers_share_within_one_window() -> None:
    rate_limits.share_among_processes(2)
    start = 1_700_000_000 - (1_700_000_000 % WINDOW_SECONDS)
    share = process_limit(6)
    assert [count_request("k", share, now=start + n).allowed for n in range(4)] == [True, True, True, False]


def test_it_counts_the_whole_limit_when_the_cache_is_shared(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "careloop_cache"}}
    rate_limits.share_among_processes(4)
    assert process_limit(60) == 60


def test_it_answers_429_when_a_link_passes_its_workers_share(db: None, settings: Any) -> None:
    settings.SURVEY_RATE_PER_TOKEN = 4
    rate_limits.share_among_processes(2)
    link = survey_link("nps")
    client = Client()
    assert [client.get(link.path()).status_code for _ in range(3)] == [200, 200, 429]

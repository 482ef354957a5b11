"""Many patients submitting at once, on PostgreSQL: every acknowledged submission is stored, and no
link ever gets two responses, however many submits race for it (answering.complete's conditional
UPDATE and the one-response-per-invitation constraint)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from careloop.surveys.models import Answer, Response
from careloop.surveys.tokens import NewInvitation
from tests.surveys.survey_links import survey_link

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

LINKS = 12
RACERS = 6  # submits racing for each link


def _race(work: list[tuple[NewInvitation, dict[str, str]]]) -> list[tuple[NewInvitation, int, str]]:
    barrier = threading.Barrier(len(work))
    results: list[tuple[NewInvitation, int, str]] = []
    lock = threading.Lock()

    def submit(link: NewInvitation, data: dict[str, str]) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = client.post(link.path(), data)
            with lock:
                results.append((link, response.status_code, response.get("Location", "")))
        finally:
            connection.close()  # each thread's own connection, closed so the test database can be dropped

    threads = [threading.Thread(target=submit, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_it_stores_one_response_per_link_when_first_pages_race() -> None:
    links = [survey_link("nps") for _ in range(LINKS)]
    work: list[tuple[NewInvitation, dict[str, Any]]] = [
        (link, {"page": "0", "lang": "en", "item-likely-to-recommend": str(n % 11)}) for link in links for n in range(RACERS)
    ]
    results = _race(work)
    assert len(results) == LINKS * RACERS and all(status == 303 for _, status, _ in results)
    per_link = Counter(Response.objects.values_list("invitation_id", flat=True))
    assert sorted(per_link.values()) == [1] * LINKS
    assert Answer.objects.count() == LINKS


def test_it_completes_each_link_once_and_keeps_every_acknowledged_answer() -> None:
    links = [survey_link("nps") for _ in range(LINKS)]
    for link in links:
        Client().post(link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": "9"})
    work: list[tuple[NewInvitation, dict[str, Any]]] = [
        (link, {"page": "1", "lang": "en", "anonymity": "confidential", "comment": f"racer {n}"})
        for link in links
        for n in range(RACERS)
    ]
    results = _race(work)
    thanked = [(link, location) for link, status, location in results if status == 303 and location.endswith("thanks/?lang=en")]
    # Exactly one submit per link wins and is acknowledged with the thank-you redirect; the others are
    # shown the thank-you page directly (200), never an error and never a second response.
    assert Counter(link.token for link, _ in thanked) == Counter({link.token: 1 for link in links})
    assert all(status in (200, 303) for _, status, _ in results)
    completed = Response.objects.filter(is_complete=True)
    assert completed.count() == LINKS
    for response in completed:
        assert response.comment.startswith("racer ")


def test_it_completes_each_link_once_through_the_served_application() -> None:
    """The same race through careloop.wsgi.application, as waitress calls it: the answer pages' own
    handler (surveys/answer_handler.py), CSRF enforced, each racer with its own cookie and form token."""
    from careloop import wsgi
    from tests.surveys.wsgi_calls import call

    links = [survey_link("nps") for _ in range(LINKS)]
    barrier = threading.Barrier(LINKS * RACERS)
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def submit(link: NewInvitation, n: int) -> None:
        try:
            page = call(wsgi.application, "GET", link.path())
            form = {"csrfmiddlewaretoken": page.form_token(), "lang": "en"}
            call(wsgi.application, "POST", link.path(), {**form, "page": "0", "item-likely-to-recommend": str(n)}, cookie=page.cookie())
            barrier.wait(timeout=60)
            done = call(wsgi.application, "POST", link.path(), {**form, "page": "1", "anonymity": "confidential", "comment": f"racer {n}"},
                        cookie=page.cookie())
            with lock:
                results.append((link.token, done.status, done.headers.get("Location", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(link, n)) for link in links for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == LINKS * RACERS and all(status in (200, 303) for _, status, _ in results)
    thanked = Counter(token for token, status, location in results if status == 303 and location.endswith("thanks/?lang=en"))
    assert thanked == Counter({link.token: 1 for link in links})
    per_link = Counter(Response.objects.values_list("invitation_id", flat=True))
    assert sorted(per_link.values()) == [1] * LINKS
    assert Response.objects.filter(is_complete=True).count() == LINKS
    assert Answer.objects.count() == LINKS

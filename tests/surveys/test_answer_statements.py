"""The answer endpoint's lean path (issue 5, item 6: the load goal): how many statements each request
makes, and that the one-transaction page save stores exactly what the reference functions
(response_for, save_page, note_reached) store, skip logic included."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from careloop.surveys.answering import note_reached, response_for, save_answers, save_page, step_after, steps
from careloop.surveys.instrument_file import spec_of
from careloop.surveys.models import Answer, Response
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db

UPDATE_OF = re.compile(r'^\s*(UPDATE)\s+"(\w+)"', re.IGNORECASE)
READ_OR_WRITE_OF = re.compile(r'^\s*(SELECT|INSERT|DELETE)\b.*?\b(?:FROM|INTO)\s+"(\w+)"', re.IGNORECASE | re.DOTALL)
# PostgreSQL's one-statement forms (surveys/response_writes.py, answer_lookup.py): WITH name AS (inner) outer.
WITH_PARTS = re.compile(r'^\s*WITH\s+\w+\s+AS\s+\((.*?)\)\s+((?:UPDATE|INSERT|SELECT)\b.*)$', re.IGNORECASE | re.DOTALL)


def kinds_and_tables(sql: str) -> list[str]:
    """"KIND table" of a statement; a WITH statement counts as its inner and its outer statement."""
    parts = WITH_PARTS.match(sql)
    if parts:
        return kinds_and_tables(parts.group(1)) + kinds_and_tables(parts.group(2))
    match = UPDATE_OF.match(sql) or READ_OR_WRITE_OF.match(sql)
    return [f"{match.group(1).upper()} {match.group(2)}"] if match else []


def statements(captured: CaptureQueriesContext) -> Counter[str]:
    """Statements by kind and table, e.g. {"SELECT surveys_invitation": 1}; transaction control
    (BEGIN, SAVEPOINT, COMMIT) and the connection's health check are left out."""
    found: Counter[str] = Counter()
    for query in captured.captured_queries:
        found.update(kinds_and_tables(query["sql"]))
    return found


def request(client: Client, method: str, path: str, data: dict[str, str] | None = None) -> tuple[Any, Counter[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path) if method == "GET" else client.post(path, data or {})
    return response, statements(captured)


def test_it_answers_an_nps_survey_in_a_handful_of_statements() -> None:
    link = survey_link("nps")
    client = Client()
    # The process's first page of this version reads its definition once (instrument_cache.py).
    assert Client().get(survey_link("nps").path()).status_code == 200
    page, first_get = request(client, "GET", link.path())
    assert page.status_code == 200
    # The invitation, its version and its response (none yet) in one SELECT; "opened" noted once.
    assert first_get == Counter({"SELECT surveys_invitation": 1, "UPDATE surveys_invitation": 1})

    sent, first_page = request(client, "POST", link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": "9"})
    assert sent.status_code == 303
    # No second look for the response, no separate UPDATE of the page reached: one INSERT each.
    assert first_page == Counter({"SELECT surveys_invitation": 1, "INSERT surveys_response": 1, "INSERT surveys_answer": 1})

    again, resumed = request(client, "GET", link.path() + "?page=1")
    assert again.status_code == 200
    # Coming back reads the answers so far (to show them), with no "opened" update the second time
    # (on PostgreSQL the lookup's own conditional UPDATE, which changes no row: answer_lookup.py).
    opening = Counter({"UPDATE surveys_invitation": 1}) if connection.vendor == "postgresql" else Counter()
    assert resumed == Counter({"SELECT surveys_invitation": 1, "SELECT surveys_answer": 1}) + opening

    done, closing = request(client, "POST", link.path(), {"page": "1", "lang": "en", "anonymity": "confidential", "comment": "Kind staff"})
    assert done.status_code == 303 and "/thanks/" in done["Location"]
    # The instrument has no skip logic, so the closing page needs no answers read back.
    assert closing["SELECT surveys_invitation"] == 1 and closing["SELECT surveys_answer"] == 0
    assert closing["UPDATE surveys_invitation"] == 1 and closing["UPDATE surveys_response"] == 1
    response = Response.objects.get(invitation=link.invitation)
    assert (response.is_complete, response.comment, response.page) == (True, "Kind staff", 1)
    assert dict(response.answers.values_list("item_key", "value")) == {"likely-to-recommend": "9"}


def test_it_reads_earlier_answers_on_a_submit_only_when_skip_logic_needs_them() -> None:
    link = survey_link("cg-cahps-visit")
    client = Client()
    _, first_page = request(
        client, "POST", link.path(),
        {"page": "0", "lang": "en", "item-cgcahps-urgent-needed": "yes", "item-cgcahps-routine-needed": "no", "item-cgcahps-question-phoned": "no"},
    )
    assert first_page["SELECT surveys_answer"] == 0  # a new response has no answers to read
    _, second_page = request(client, "POST", link.path(), {"page": "1", "lang": "en", "item-cgcahps-appointment-urgent": "always"})
    assert second_page["SELECT surveys_answer"] == 1  # cg-cahps-visit has show_if questions


# Pages a patient sends in order (cg-cahps-visit), including a screener changed from yes to no on
# its page again, which must delete the follow-up answered under the old "yes".
JOURNEY: list[tuple[int, dict[str, str | None]]] = [
    (0, {"cgcahps-urgent-needed": "yes", "cgcahps-routine-needed": "yes", "cgcahps-question-phoned": "no"}),
    (1, {"cgcahps-appointment-urgent": "usually", "cgcahps-appointment-routine": "always"}),
    (0, {"cgcahps-urgent-needed": "no", "cgcahps-routine-needed": "yes", "cgcahps-question-phoned": None}),
    (1, {"cgcahps-appointment-routine": "sometimes"}),
]


def test_it_stores_what_the_reference_functions_store_page_by_page() -> None:
    fast_link, reference_link = survey_link("cg-cahps-visit"), survey_link("cg-cahps-visit")
    spec = spec_of(fast_link.invitation.instrument_version)
    fast: Response | None = None
    reference: Response | None = None
    for step, values in JOURNEY:
        known = dict(fast.answers.values_list("item_key", "value")) if fast else {}
        fast, following = save_answers(fast_link.invitation, fast, spec, values, "en", step, known)

        reference = response_for(reference_link.invitation, "en", existing=reference)
        stored = save_page(reference, spec, values, "en", reached=step)
        reference_following = step_after(step, steps(spec, stored, reference_link.invitation.touchpoint))
        note_reached(reference, reference_following)

        assert following == reference_following
        fast_rows = set(Answer.objects.filter(response=fast).values_list("item_key", "value", "top_box", "score_100"))
        reference_rows = set(Answer.objects.filter(response=reference).values_list("item_key", "value", "top_box", "score_100"))
        assert fast_rows == reference_rows
        fast.refresh_from_db()
        reference.refresh_from_db()
        assert (fast.page, fast.language) == (reference.page, reference.language)
    # By hand: the urgent follow-up went with its screener; routine care kept its newest answer.
    assert fast is not None
    assert dict(fast.answers.values_list("item_key", "value")) == {
        "cgcahps-urgent-needed": "no",
        "cgcahps-routine-needed": "yes",
        "cgcahps-appointment-routine": "sometimes",
    }
    # "sometimes" on never/sometimes/usually/always scores 100 × 1/3 and is not top box ("always").
    routine = Answer.objects.get(response=fast, item_key="cgcahps-appointment-routine")
    assert routine.top_box is False and routine.score_100 == pytest.approx(100 / 3)


def test_it_adds_a_first_page_to_the_response_another_request_started() -> None:
    link = survey_link("nps")
    spec = spec_of(link.invitation.instrument_version)
    started = response_for(link.invitation, "en")  # the other request won the race to start it
    response, following = save_answers(link.invitation, None, spec, {"likely-to-recommend": "4"}, "en", 0, {})
    assert response.pk == started.pk and following == 1
    assert Response.objects.filter(invitation=link.invitation).count() == 1
    assert dict(response.answers.values_list("item_key", "value")) == {"likely-to-recommend": "4"}

"""Input limits and escaping on the public answer page: every field is bounded, hostile text is kept as
text (shown escaped, never run), and nonsense in the query or form never reaches an error page."""

from __future__ import annotations

import pytest
from django.test import Client

from careloop.surveys.answering import COMMENT_LIMIT
from careloop.surveys.models import Response
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_it_refuses_an_overlong_comment_and_shows_it_back_escaped() -> None:
    link = survey_link("nps")
    client = Client()
    client.post(link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": "8"})
    page = client.post(link.path(), {"page": "1", "lang": "en", "anonymity": "confidential", "comment": SCRIPT + "x" * COMMENT_LIMIT})
    html = page.content.decode()
    assert page.status_code == 200 and f"{COMMENT_LIMIT}" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert not Response.objects.filter(is_complete=True).exists()


def test_it_stores_hostile_text_as_it_was_written_and_completes(db: None) -> None:
    link = survey_link("nps")
    client = Client()
    client.post(link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": "8"})
    done = client.post(link.path(), {"page": "1", "lang": "en", "anonymity": "confidential", "comment": SCRIPT})
    assert done.status_code == 303
    assert Response.objects.get().comment == SCRIPT


@pytest.mark.parametrize(
    "query",
    ["?page=99999999999999999999999", "?page=-1", "?page=abc", "?lang=%3Cscript%3E", "?lang=" + "e" * 5000],
)
def test_it_never_fails_on_a_nonsense_query(query: str) -> None:
    link = survey_link("nps")
    response = Client().get(link.path() + query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</head>", 1)[1]


def test_it_refuses_a_value_that_is_not_an_answer_of_the_item_and_an_oversized_field() -> None:
    link = survey_link("nps")
    client = Client()
    for value in ("11", "9; DROP TABLE", "9" * 10000):
        page = client.post(link.path(), {"page": "0", "lang": "en", "item-likely-to-recommend": value})
        assert page.status_code == 200 and 'class="error-summary' in page.content.decode()
    assert not Response.objects.exists()

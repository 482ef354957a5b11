"""The answer pages' HTML kept per distinct page (careloop/surveys/rendered_pages.py) must be exactly what
rendering the template with the request's own path and CSRF token gives, for every page kind: first
page, later page (back link), skip-logic follow-ups, closing page, errors, what the patient typed,
Spanish; and the CSRF cookie must still be set and accepted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test import Client

from careloop.surveys import rendered_pages, views
from careloop.surveys.models import Answer, Response
from careloop.surveys.rendered_pages import CSRF_MARKER, PATH_MARKER
from careloop.surveys.tokens import NewInvitation
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
NO_SCREENERS = {"item-cgcahps-urgent-needed": "no", "item-cgcahps-routine-needed": "no", "item-cgcahps-question-phoned": "no"}


def with_path(value: Any, path: str) -> Any:
    """The context as the view built it before the marker: every PATH_MARKER replaced by the real path."""
    if isinstance(value, str):
        return value.replace(PATH_MARKER, path)
    if isinstance(value, dict):
        return {k: with_path(v, path) for k, v in value.items()}
    if isinstance(value, list):
        return [with_path(v, path) for v in value]
    return value


@pytest.fixture()
def compared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Every answer page the views serve is also rendered the reference way (Django's render with the
    real path, the template's own {% csrf_token %}) and compared; yields (template, was kept) seen."""
    seen: list[tuple[str, bool]] = []
    fast = rendered_pages.render_answer_page
    rendered_pages.forget_all()

    def both(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        kept_before = rendered_pages.kept_pages()
        key = rendered_pages.page_key(template, context)
        was_kept = key in rendered_pages._pages
        served = fast(request, template, context)
        reference = render(request, template, with_path(context, request.path))
        assert CSRF_MARKER not in served.content.decode() and PATH_MARKER not in served.content.decode()
        assert CSRF_FIELD.sub("csrf", served.content.decode()) == CSRF_FIELD.sub("csrf", reference.content.decode())
        assert (served.status_code, served["Content-Type"]) == (reference.status_code, reference["Content-Type"])
        assert rendered_pages.kept_pages() >= kept_before
        seen.append((template, was_kept))
        return served

    monkeypatch.setattr(views, "render_answer_page", both)
    yield seen
    rendered_pages.forget_all()


def post(client: Client, link: NewInvitation, page: int, data: dict[str, str], lang: str = "en") -> Any:
    return client.post(link.path(), {"page": str(page), "lang": lang, **data})


def test_it_serves_every_visit_survey_page_as_the_template_renders_it(compared: list[tuple[str, bool]]) -> None:
    for _ in range(2):  # the second patient is served the kept pages
        link = survey_link()
        client = Client(enforce_csrf_checks=True)
        client.get(link.path())
        token = client.cookies["csrftoken"].value

        def step(page: int, data: dict[str, str], lang: str = "en") -> Any:
            return client.post(link.path(), {"page": str(page), "lang": lang, "csrfmiddlewaretoken": token, **data})

        assert step(0, {**NO_SCREENERS, "item-cgcahps-urgent-needed": "yes"}).status_code == 303
        client.get(f"{link.path()}?page=1")                      # the follow-up page skip logic opened
        assert step(1, {"item-cgcahps-appointment-urgent": "often-not-a-code"}).status_code == 200  # error
        client.get(f"{link.path()}?page=0")                      # back: answers shown again
        client.get(f"{link.path()}?page=0&lang=es")              # Spanish
        assert step(1, {"item-cgcahps-appointment-urgent": "usually"}).status_code == 303
        for page in (2, 3, 4, 5):
            client.get(f"{link.path()}?page={page}")
            assert step(page, {}).status_code == 303
        client.get(f"{link.path()}?page=6")                      # the closing page
        assert step(6, {"anonymity": "contact", "comment": "<b>x</b>"}).status_code == 200  # consent missing
        done = step(6, {"anonymity": "confidential", "comment": "Kind staff"})
        assert done.status_code == 303 and "/thanks/" in done["Location"]
    templates = {template for template, _ in compared}
    assert templates == {"surveys/answer_page.html", "surveys/answer_closing.html"}
    assert any(kept for _, kept in compared), "the second patient is served kept pages"
    assert Response.objects.filter(is_complete=True).count() == 2
    assert Answer.objects.filter(item_key="cgcahps-appointment-urgent", value="usually").count() == 2


def test_it_fills_in_each_patients_own_path_and_never_keeps_what_was_typed(compared: list[tuple[str, bool]]) -> None:
    first, second = survey_link("nps"), survey_link("nps")
    one, other = Client().get(first.path()).content.decode(), Client().get(second.path()).content.decode()
    assert compared == [("surveys/answer_page.html", False), ("surveys/answer_page.html", True)]
    assert f'action="{first.path()}"' in one and f'action="{second.path()}"' in other
    assert first.token not in other and second.token not in one
    client = Client()
    post(client, first, 0, {"item-likely-to-recommend": "9"})
    kept = rendered_pages.kept_pages()
    typed = post(client, first, 1, {"anonymity": "contact", "comment": "<script>alert(1)</script>"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in typed and "<script>alert" not in typed
    assert rendered_pages.kept_pages() == kept  # a page with errors and a comment is never kept


def test_it_escapes_the_path_it_fills_in() -> None:
    rendered_pages.forget_all()
    request = HttpRequest()
    request.path = '/s/a"b&c/'
    request.META["CSRF_COOKIE"] = "x" * 32
    context = {"language": "en", "page_path": PATH_MARKER, "errors": [], "items": []}
    reply = rendered_pages.render_answer_page(request, "surveys/answer_page.html", {**context, "words": {}})
    assert 'action="/s/a&quot;b&amp;c/"' in reply.content.decode()
    rendered_pages.forget_all()


def test_it_keeps_a_bounded_number_of_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    rendered_pages.forget_all()
    monkeypatch.setattr(rendered_pages, "MAX_PAGES", 2)
    for n in range(3):
        rendered_pages._keep(("t", "en", str(n)), "html")
    assert rendered_pages.kept_pages() == 2 and ("t", "en", "0") not in rendered_pages._pages
    rendered_pages.forget_all()

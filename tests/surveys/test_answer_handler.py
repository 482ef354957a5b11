"""The answer pages' own handler (careloop/surveys/answer_handler.py): requests under /s/ skip the site's
session, auth, messages, htmx and login-throttle middleware. It must give exactly the pages, headers and
stored rows the full stack gives, and keep every protection: CSRF, CSP and security headers, the Host
check, rate limits, single use, escaping.

Both stacks are called as WSGI applications, the way waitress calls careloop.wsgi.application."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from careloop import wsgi
from careloop.surveys.answer_handler import ANSWER_PAGE_MIDDLEWARE, AnswerPageHandler, is_answer_page, with_lean_answer_pages
from careloop.surveys.models import Answer, Response
from careloop.surveys.tokens import NewInvitation
from tests.surveys.survey_links import survey_link
from tests.surveys.wsgi_calls import CSRF_COOKIE, CSRF_FIELD, Reply, call

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                    "Cross-Origin-Opener-Policy")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Django's test client does the same: the request signals must not close the connection that
    holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def lean() -> Any:
    return wsgi.application


def full() -> Any:
    return wsgi.site


def same_page(one: Reply, other: Reply, links: tuple[NewInvitation, NewInvitation]) -> tuple[str, str]:
    """Both bodies with what differs by design made equal: the link's token and the CSRF form token."""
    first = CSRF_FIELD.sub("csrf", one.body).replace(links[0].token, "TOKEN")
    second = CSRF_FIELD.sub("csrf", other.body).replace(links[1].token, "TOKEN")
    return first, second


def comparable_headers(reply: Reply, link: NewInvitation) -> dict[str, str]:
    """Headers with the token, the cookie's value and its expiry time made equal. A page without a form
    (the thank-you page) gets "Vary: Cookie" on the full stack only because its template context looks
    up the signed-in user in the session; nothing on it depends on a cookie, so that one is left out.
    Pages with a form set the CSRF cookie and vary on it on both stacks (compared)."""
    dropped = ("Set-Cookie", "Content-Length") if "Set-Cookie" in reply.headers else ("Content-Length", "Vary")
    headers = {k: v.replace(link.token, "TOKEN") for k, v in reply.headers.items() if k not in dropped}
    headers["Set-Cookie"] = CSRF_COOKIE.sub("csrftoken=X", re.sub(r"expires=[^;]+;", "", reply.headers.get("Set-Cookie", "")))
    return headers


def stored(link: NewInvitation) -> tuple[Any, ...]:
    response = Response.objects.get(invitation=link.invitation)  # "contact me" keeps the link to the invitation
    answers = sorted(Answer.objects.filter(response=response).values_list("item_key", "value", "top_box", "score_100"))
    return (response.language, response.page, response.is_complete, response.anonymity, response.consent_to_contact,
            response.comment, answers)


def test_it_routes_only_the_answer_pages_to_their_own_handler() -> None:
    assert is_answer_page({"PATH_INFO": "/s/abc/"}) and is_answer_page({"PATH_INFO": "/s/abc/thanks/"})
    assert not is_answer_page({"PATH_INFO": "/surveys/"}) and not is_answer_page({"PATH_INFO": "/login/"})
    seen: list[str] = []

    def site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append("site")
        return [b""]

    app = with_lean_answer_pages(site)
    app({"PATH_INFO": "/surveys/"}, lambda *a: None)
    assert seen == ["site"]
    # The staff pages keep the whole stack: a page for signed-in users still redirects to the login.
    assert call(lean(), "GET", "/surveys/").status == 302


def test_it_builds_the_lean_stack_from_the_listed_middleware_only() -> None:
    handler = AnswerPageHandler()
    handler.load_middleware()
    # CSRF is the one listed middleware with a process_view hook: it must be in the chain.
    assert [hook.__self__.__class__.__name__ for hook in handler._view_middleware] == ["CsrfViewMiddleware"]
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in ANSWER_PAGE_MIDDLEWARE
    assert "django.middleware.csrf.CsrfViewMiddleware" in ANSWER_PAGE_MIDDLEWARE


def _walk_nps(app: Any, link: NewInvitation) -> list[Reply]:
    """What a patient's browser does: GET the page, send the rating, send the closing page, see thanks."""
    page = call(app, "GET", link.path())
    cookie, token = page.cookie(), page.form_token()
    sent = call(app, "POST", link.path(), {"csrfmiddlewaretoken": token, "page": "0", "lang": "en", "item-likely-to-recommend": "9"},
                cookie=cookie)
    closing = call(app, "GET", sent.headers["Location"], cookie=cookie)
    done = call(app, "POST", link.path(), {"csrfmiddlewaretoken": token, "page": "1", "lang": "en", "anonymity": "contact",
                                           "consent": "yes", "comment": "Dr Okafor listened <b>well</b>"}, cookie=cookie)
    thanks = call(app, "GET", done.headers["Location"], cookie=cookie)
    again = call(app, "POST", link.path(), {"csrfmiddlewaretoken": token, "page": "1", "lang": "en", "anonymity": "anonymous"},
                 cookie=cookie)
    return [page, sent, closing, done, thanks, again]


def test_it_gives_the_same_pages_headers_and_rows_as_the_full_stack(settings: Any) -> None:
    settings.SURVEY_RATE_PER_IP = 0
    links = (survey_link("nps", patient_ref="P-A"), survey_link("nps", patient_ref="P-B"))
    by_full, by_lean = _walk_nps(full(), links[0]), _walk_nps(lean(), links[1])
    assert [r.status for r in by_lean] == [200, 303, 200, 303, 200, 200]
    for one, other in zip(by_full, by_lean):
        assert one.status == other.status
        first, second = same_page(one, other, links)
        assert first == second
        assert comparable_headers(one, links[0]) == comparable_headers(other, links[1])
    assert stored(links[0]) == stored(links[1]) == (
        "en", 1, True, "contact", True, "Dr Okafor listened <b>well</b>", [("likely-to-recommend", "9", True, 90.0)]
    )


def test_it_shows_the_same_errors_as_the_full_stack_with_what_was_sent_escaped(settings: Any) -> None:
    settings.SURVEY_RATE_PER_IP = 0
    links = (survey_link("nps", patient_ref="P-A"), survey_link("nps", patient_ref="P-B"))
    replies = []
    for app, link in ((full(), links[0]), (lean(), links[1])):
        page = call(app, "GET", link.path())
        call(app, "POST", link.path(), {"csrfmiddlewaretoken": page.form_token(), "page": "0", "lang": "en",
                                        "item-likely-to-recommend": "3"}, cookie=page.cookie())
        # No anonymity choice: the closing page comes back with the comment as sent.
        replies.append(call(app, "POST", link.path(), {"csrfmiddlewaretoken": page.form_token(), "page": "1", "lang": "es",
                                                       "comment": "<script>alert(1)</script>"}, cookie=page.cookie()))
    assert replies[0].status == replies[1].status == 200
    first, second = same_page(replies[0], replies[1], links)
    assert first == second
    assert "<script>alert(1)</script>" not in second and "&lt;script&gt;alert(1)&lt;/script&gt;" in second
    assert 'class="error-summary"' in second


def test_it_refuses_a_post_without_a_valid_csrf_token() -> None:
    link = survey_link("nps", patient_ref="P-A")
    page = call(lean(), "GET", link.path())
    rating = {"page": "0", "lang": "en", "item-likely-to-recommend": "9"}
    assert call(lean(), "POST", link.path(), rating).status == 403
    assert call(lean(), "POST", link.path(), rating, cookie=page.cookie()).status == 403
    wrong = {**rating, "csrfmiddlewaretoken": "x" * 64}
    assert call(lean(), "POST", link.path(), wrong, cookie=page.cookie()).status == 403
    assert not Response.objects.filter(invitation=link.invitation).exists()
    sent = call(lean(), "POST", link.path(), {**rating, "csrfmiddlewaretoken": page.form_token()}, cookie=page.cookie())
    assert sent.status == 303


def test_it_sends_the_security_headers_on_every_answer_page_response(settings: Any) -> None:
    settings.SURVEY_RATE_PER_TOKEN = 2
    link = survey_link("nps", patient_ref="P-A")
    replies = {
        "page": call(lean(), "GET", link.path()),
        "unknown": call(lean(), "GET", "/s/" + "A" * 32 + "/"),
        # Refused before the view, so not counted against the link.
        "refused": call(lean(), "POST", link.path(), {"page": "0"}),
        "again": call(lean(), "GET", link.path()),
        "busy": call(lean(), "GET", link.path()),
    }
    assert {name: reply.status for name, reply in replies.items()} == {"page": 200, "unknown": 404, "refused": 403, "again": 200, "busy": 429}
    assert replies["busy"].headers["Retry-After"].isdigit()
    for name, reply in replies.items():
        missing = [header for header in SECURITY_HEADERS if header not in reply.headers]
        assert not missing, (name, missing)
        assert reply.headers["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self'; style-src 'self'")
        assert reply.headers["X-Frame-Options"] == "DENY"


def test_it_limits_requests_per_address_on_the_lean_path(settings: Any) -> None:
    settings.SURVEY_RATE_PER_IP = 3
    links = [survey_link("nps", patient_ref=f"P-{n}") for n in range(4)]
    statuses = [call(lean(), "GET", link.path(), address="10.9.9.9").status for link in links]
    assert statuses == [200, 200, 200, 429]
    # Another address still gets through.
    assert call(lean(), "GET", links[3].path(), address="10.9.9.10").status == 200


def test_it_checks_the_host_and_adds_the_trailing_slash_like_the_site() -> None:
    link = survey_link("nps", patient_ref="P-A")
    assert call(lean(), "GET", link.path(), host="evil.example").status == 400
    unslashed = call(lean(), "GET", link.path().rstrip("/"))
    assert (unslashed.status, unslashed.headers["Location"]) == (301, link.path())



def test_it_serves_the_opt_out_link_the_same_way_with_csrf_on_the_confirmation() -> None:
    from careloop.events.contacts import has_opted_out

    links = (survey_link("nps", patient_ref="P-A"), survey_link("nps", patient_ref="P-B"))
    asked = [call(app, "GET", link.path() + "opt-out/") for app, link in ((full(), links[0]), (lean(), links[1]))]
    assert asked[0].status == asked[1].status == 200
    first, second = same_page(asked[0], asked[1], links)
    assert first == second
    assert not has_opted_out("P-B")
    # Opening the link alone changes nothing; the POST needs the form's token.
    assert call(lean(), "POST", links[1].path() + "opt-out/", {}).status == 403 and not has_opted_out("P-B")
    done = call(lean(), "POST", links[1].path() + "opt-out/", {"csrfmiddlewaretoken": asked[1].form_token()}, cookie=asked[1].cookie())
    assert done.status == 200 and has_opted_out("P-B") and not has_opted_out("P-A")

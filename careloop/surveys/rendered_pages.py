"""The answer pages' HTML rendered once per distinct page and kept in the process, with the two
per-request values (the page's address and the CSRF token) filled in on each request, escaped.

Why: rendering the page template was the largest share of a GET's CPU left on the answer path (about a
fifth of the Python work per request in the cProfile of docs/surveys.md, "Performance under load"), yet
every patient of one instrument sees the same few pages: what a page shows depends only on its
context (instrument wording, step, language, the answers already given to its questions, errors) and
on two values of the request, its path (the token) and its CSRF form token.

Why it is safe:
- The key is the template name, the language and the repr of the whole context except `words` (which
  is `languages.wording(language)`, one object per language read once per process). The context holds
  every value the template reads, so equal keys render equal HTML; a changed instrument gives other
  texts, hence another key.
- The two per-request values are rendered as markers that contain no character HTML escaping changes
  and cannot occur in a page otherwise, then replaced by the real values escaped exactly as the
  template's autoescaping would (`django.utils.html.escape`, the function autoescaping uses).
- The CSRF token is taken with `get_token(request)`, the call `{% csrf_token %}` makes, so the CSRF
  middleware sets and renews the cookie and adds "Vary: Cookie" as it does for a rendered page.
- Pages with errors or a free-text value are rendered every time and never kept: their context holds
  what the patient typed, which must not pile up in memory. The store is bounded (oldest dropped).
tests/surveys/test_rendered_pages.py checks the HTML is the same as the template's for every page kind.
"""

from __future__ import annotations

import threading
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape

# Markers: letters and dashes only, so escaping leaves them as they are and a replace finds them.
PATH_MARKER = "/s/careloop-page-path-marker/"
CSRF_MARKER = "careloop-csrf-token-marker"

# A practice runs a few instruments of a few pages in two or three languages; a page's key also
# varies with the answers already chosen on it (a patient going back), so allow generously, bounded.
MAX_PAGES = 2048

_pages: dict[tuple[str, str, str], str] = {}
_lock = threading.Lock()


def is_keepable(context: dict[str, Any]) -> bool:
    """Only pages whose context holds no text the patient typed: no errors, no comment, no free text."""
    if context.get("errors") or context.get("comment"):
        return False
    return not any(item["type"] == "free_text" and item["value"] for item in context.get("items", ()))


def page_key(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    rest = {name: value for name, value in context.items() if name != "words"}
    return template, str(context["language"]), repr(rest)


def render_answer_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """What `render(request, template, context)` gives for an answer page whose context was built
    with PATH_MARKER standing for the page's path (see views._page), from the kept HTML when it can."""
    key = page_key(template, context) if is_keepable(context) else None
    html = _pages.get(key) if key is not None else None
    if html is None:
        html = render_to_string(template, {**context, "csrf_token": CSRF_MARKER}, request)
        if key is not None:
            _keep(key, html)
    filled = html.replace(CSRF_MARKER, escape(get_token(request))).replace(PATH_MARKER, escape(request.path))
    return HttpResponse(filled)


def _keep(key: tuple[str, str, str], html: str) -> None:
    with _lock:
        if len(_pages) >= MAX_PAGES:
            _pages.pop(next(iter(_pages)))
        _pages[key] = html


def kept_pages() -> int:
    return len(_pages)


def forget_all() -> None:
    with _lock:
        _pages.clear()

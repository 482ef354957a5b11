"""Survey pages. Public: the answer page /s/<token>/ and its thank-you page (no sign-in: the token is the
key). Staff: /surveys/ (instruments and their results, aggregates only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.surveys import answering, result_views
from careloop.surveys.answer_updates import note_first_opening
from careloop.surveys.instrument_file import InstrumentSpec, spec_of
from careloop.surveys.languages import available_languages, choose_language, wording
from careloop.surveys.models import Instrument, Invitation, Response
from careloop.surveys.rate_limits import rate_limited
from careloop.surveys.rendered_pages import PATH_MARKER, render_answer_page
from careloop.surveys.tokens import find_invitation_to_answer

# --- public: answering ------------------------------------------------------------------------


def _notice(request: HttpRequest, which: str, status: int, offered: list[str] | None = None) -> HttpResponse:
    """The one look shared by unknown, used and expired links and the thank-you page: a friendly
    sentence, never an error page or a hint of whether some other token exists."""
    languages = offered or list(available_languages())
    language = choose_language(request.GET.get("lang"), "", request.headers.get("Accept-Language", ""), languages)
    words = wording(language)
    context = {
        "words": words,
        "language": language,
        "switch": _switch(request.path, languages, language, {}),
        "title": words[f"{which}_title"],
        "body": words[f"{which}_body"],
        "which": which,
    }
    return render(request, "surveys/answer_notice.html", context, status=status)


def _switch(path: str, languages: list[str], current: str, params: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": wording(code)["language_name"],
            "url": f"{path}?{urlencode({**params, 'lang': code})}",
            "current": code == current,
        }
        for code in languages
    ]


def _closed(request: HttpRequest, invitation: Invitation | None) -> HttpResponse | None:
    if invitation is None:
        return _notice(request, "unknown", 404)
    offered = list(invitation.instrument_version.languages)
    if invitation.used_at is not None:
        # A second submit of the last page lands here: show the thank-you page, save nothing.
        return _notice(request, "thanks", 200, offered) if request.method == "POST" else _notice(request, "used", 410, offered)
    if invitation.is_expired():
        return _notice(request, "expired", 410, offered)
    return None


def _redirect(request: HttpRequest, step: int, language: str) -> HttpResponse:
    response = HttpResponseRedirect(f"{request.path}?{urlencode({'page': step, 'lang': language})}")
    response.status_code = 303  # after a POST, the browser GETs the next page
    return response


def _as_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _resume_step(all_steps: list[int], reached: int) -> int:
    """The furthest step reached that is still shown (a changed screener may have hidden it)."""
    earlier = [step for step in all_steps if step <= reached]
    return earlier[-1] if earlier else all_steps[0]


def _may_open(step: int, all_steps: list[int], reached: int) -> bool:
    """A page is open if it is shown and not beyond the furthest page reached: nobody skips
    ahead to the last page with a hand-made URL."""
    return step in all_steps and step <= _resume_step(all_steps, reached)


def _busy(request: HttpRequest, retry_after: int) -> HttpResponse:
    return _notice(request, "busy", 429)


@require_http_methods(["GET", "POST"])
@rate_limited(_busy)
def answer(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    # A GET notes the link's first opening: in the lookup's own statement where the database allows.
    invitation = find_invitation_to_answer(token, opening_at=now if request.method == "GET" else None)
    closed = _closed(request, invitation)
    if closed is not None or invitation is None:
        return closed or _notice(request, "unknown", 404)
    spec = answering.load_spec(invitation)
    response = answering.response_in_progress(invitation)
    asked_language = request.POST.get("lang") if request.method == "POST" else request.GET.get("lang")
    preferred = response.language if response else invitation.language
    language = choose_language(asked_language, preferred, request.headers.get("Accept-Language", ""), spec.languages)
    # Earlier answers are shown again on a page (GET), and decide pages and questions under skip
    # logic; a page submitted to an instrument without skip logic needs none of them, so the
    # answer endpoint's busiest requests skip that read.
    needs_answers = request.method == "GET" or answering.uses_skip_logic(spec)
    answers = answering.answers_of(response) if needs_answers else {}
    all_steps = answering.steps(spec, answers, invitation.touchpoint)
    reached = response.page if response else all_steps[0]
    if request.method == "POST":
        return _submit(request, invitation, spec, response, answers, language, all_steps, reached)
    note_first_opening(invitation, now)
    asked = _as_int(request.GET.get("page"))
    step = asked if asked is not None and _may_open(asked, all_steps, reached) else _resume_step(all_steps, reached)
    return _page(request, spec, invitation, step, all_steps, language, answers, answering.PageErrors())


def _submit(
    request: HttpRequest,
    invitation: Invitation,
    spec: InstrumentSpec,
    response: Response | None,
    answers: dict[str, str],
    language: str,
    all_steps: list[int],
    reached: int,
) -> HttpResponse:
    step = _as_int(request.POST.get("page"))
    words = wording(language)
    if step is None or not _may_open(step, all_steps, reached):
        return _redirect(request, _resume_step(all_steps, reached), language)
    if step == len(spec.pages):
        closing, errors = answering.read_closing(spec, request.POST, words)
        if errors:
            return _page(request, spec, invitation, step, all_steps, language, answers, errors, closing)
        if not answering.complete(invitation, answering.response_for(invitation, language, existing=response), closing, language):
            invitation.refresh_from_db()
            return _closed(request, invitation) or _notice(request, "expired", 410)
        return HttpResponseRedirect(f"{request.path}thanks/?{urlencode({'lang': language})}", status=303)
    items = answering.shown_items(spec, step, answers, invitation.touchpoint)
    values, errors = answering.read_page(items, request.POST, language, words)
    if errors:
        sent = {**answers, **{k: v for k, v in values.items() if v}}
        return _page(request, spec, invitation, step, all_steps, language, sent, errors)
    _, following = answering.save_answers(invitation, response, spec, values, language, step, known=answers)
    return _redirect(request, following, language)


def _page(
    request: HttpRequest,
    spec: InstrumentSpec,
    invitation: Invitation,
    step: int,
    all_steps: list[int],
    language: str,
    answers: dict[str, str],
    errors: answering.PageErrors,
    closing: answering.Closing | None = None,
) -> HttpResponse:
    words = wording(language)
    position = all_steps.index(step) + 1
    # The page's own path is written as a marker and filled in by render_answer_page, so the HTML of
    # a page is the same for every patient at the same point and is rendered once (rendered_pages.py).
    path = PATH_MARKER
    context: dict[str, Any] = {
        "words": words,
        "language": language,
        "page_path": path,
        "switch": _switch(path, spec.languages, language, {"page": str(step)}),
        "title": spec.title.get(language) or spec.title["en"],
        "intro": (spec.intro.get(language) or spec.intro.get("en", "")) if position == 1 else "",
        "progress": words["progress"].format(page=position, pages=len(all_steps)),
        "position": position,
        "total": len(all_steps),
        "step": step,
        "is_first": position == 1,
        "back_url": f"{path}?{urlencode({'page': answering.step_before(step, all_steps), 'lang': language})}"
        if position > 1
        else "",
        "errors": list(errors.messages.items()),
    }
    if step == len(spec.pages):
        context.update(_closing_context(spec, language, words, closing, errors))
        return render_answer_page(request, "surveys/answer_closing.html", context)
    page = spec.pages[step]
    items = answering.shown_items(spec, step, answers, invitation.touchpoint)
    context["heading"] = page.title.get(language) or page.title["en"]
    context["items"] = [
        answering.item_view(item, language, words, answers.get(item.key), errors.messages.get(answering.first_input_id(item)))
        for item in items
    ]
    return render_answer_page(request, "surveys/answer_page.html", context)


def _closing_context(
    spec: InstrumentSpec, language: str, words: dict[str, Any], closing: answering.Closing | None, errors: answering.PageErrors
) -> dict[str, Any]:
    return {
        "heading": spec.comment.get(language) or words["comment_label"],
        "comment": closing.comment if closing else "",
        "comment_error": errors.messages.get("comment"),
        "anonymity_error": next((m for k, m in errors.messages.items() if k.startswith("anonymity-")), None),
        "consent_error": errors.messages.get("consent"),
        "chosen": closing.anonymity if closing else "",
        "consent": closing.consent_to_contact if closing else False,
        "modes": [
            {"code": mode, "id": f"anonymity-{mode}", "label": words[f"anonymity_{mode}"], "hint": words[f"anonymity_{mode}_hint"]}
            for mode in spec.anonymity
        ],
        "single_mode": len(spec.anonymity) == 1,
    }


@require_GET
@rate_limited(_busy)
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = find_invitation_to_answer(token)
    if invitation is None:
        return _notice(request, "unknown", 404)
    if invitation.used_at is None:
        return HttpResponseRedirect(f"/s/{token}/")
    return _notice(request, "thanks", 200, list(invitation.instrument_version.languages))


# --- staff: instruments and results -----------------------------------------------------------


@require_permission(CAN_VIEW_AGGREGATES)
@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    instruments = []
    for instrument in Instrument.objects.prefetch_related("versions").order_by("key"):
        active = next((v for v in instrument.versions.all() if v.is_active), None)
        complete = Response.objects.filter(instrument_version__instrument=instrument, is_complete=True).count()
        instruments.append({"instrument": instrument, "active": active, "title": active.title("en") if active else "", "complete": complete})
    return render(request, "surveys/instrument_list.html", {"instruments": instruments, "min_n": settings.MIN_N_DEFAULT})


@require_permission(CAN_VIEW_AGGREGATES)
@require_GET
def instrument_results(request: HttpRequest, instrument_key: str) -> HttpResponse:
    instrument = Instrument.objects.filter(key=instrument_key).first()
    active = instrument.active_version() if instrument else None
    if instrument is None or active is None:
        raise Http404
    context = result_views.results_context(request, instrument, active, spec_of(active))
    return render(request, "surveys/instrument_results.html", context)

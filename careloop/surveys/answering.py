"""Answering a survey: which pages and questions a patient sees (skip logic), checking and saving one
page at a time (partial answers are kept), and completing a response exactly once.

The pages are plain HTML forms (views.py renders them), so everything here works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.surveys import response_writes
from careloop.surveys.instrument_cache import answer_spec
from careloop.surveys.instrument_file import FREE_TEXT, SINGLE_CHOICE, ZERO_TEN, FREE_TEXT_LIMIT, InstrumentSpec, ItemSpec
from careloop.surveys.models import Anonymity, Answer, Invitation, Response
from careloop.surveys.scoring import linear_score

COMMENT_LIMIT = 4000
FIELD_PREFIX = "item-"


# --- skip logic ---------------------------------------------------------------------------------


def is_shown(item: ItemSpec, answers: Mapping[str, str], touchpoint: str) -> bool:
    """A touchpoint pulse asks only its touchpoint's items; `show_if` hides a follow-up question
    unless its screener was answered with one of the listed answers (unanswered hides it too)."""
    if touchpoint and item.touchpoint and item.touchpoint != touchpoint:
        return False
    if item.show_if is None:
        return True
    return answers.get(item.show_if["item"]) in item.show_if["in"]


def shown_items(spec: InstrumentSpec, page: int, answers: Mapping[str, str], touchpoint: str) -> list[ItemSpec]:
    return [item for item in spec.pages[page].items if is_shown(item, answers, touchpoint)]


def steps(spec: InstrumentSpec, answers: Mapping[str, str], touchpoint: str) -> list[int]:
    """The pages to show, in order, then the closing step (comment and anonymity) as len(pages).
    `show_if` only looks back (instrument_file checks it), so answers so far decide every page."""
    pages = [index for index in range(len(spec.pages)) if shown_items(spec, index, answers, touchpoint)]
    return [*pages, len(spec.pages)]


def step_after(current: int, all_steps: list[int]) -> int:
    return next((step for step in all_steps if step > current), all_steps[-1])


def step_before(current: int, all_steps: list[int]) -> int:
    earlier = [step for step in all_steps if step < current]
    return earlier[-1] if earlier else all_steps[0]


# --- checking what was sent ---------------------------------------------------------------------


@dataclass
class PageErrors:
    """Problems with a submitted page: field id → message, in page order (the error summary's order)."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.messages)


def field_name(item: ItemSpec) -> str:
    return FIELD_PREFIX + item.key


def first_input_id(item: ItemSpec) -> str:
    """The id an error-summary link points at: the first radio of a choice, or the text box."""
    if item.type == FREE_TEXT:
        return field_name(item)
    return f"{field_name(item)}-{item.codes[0]}"


def read_page(
    items: list[ItemSpec], data: Mapping[str, str], language: str, words: Mapping[str, Any]
) -> tuple[dict[str, str | None], PageErrors]:
    """The answers sent for these items (None = left blank) and what is wrong with them."""
    values: dict[str, str | None] = {}
    errors = PageErrors()
    for item in items:
        raw = str(data.get(field_name(item), "") or "").strip()
        question = item.text.get(language) or item.text["en"]
        if item.type == FREE_TEXT:
            if len(raw) > FREE_TEXT_LIMIT:
                errors.add(first_input_id(item), words["error_too_long"].format(limit=FREE_TEXT_LIMIT, count=len(raw), question=question))
            values[item.key] = raw or None
        elif raw and raw not in item.codes:
            errors.add(first_input_id(item), words["error_invalid"].format(question=question))
            values[item.key] = None
        else:
            values[item.key] = raw or None
        if item.required and not values[item.key] and first_input_id(item) not in errors.messages:
            errors.add(first_input_id(item), words["error_required"].format(question=question))
    return values, errors


@dataclass(frozen=True)
class Closing:
    anonymity: str
    consent_to_contact: bool
    comment: str


def read_closing(spec: InstrumentSpec, data: Mapping[str, str], words: Mapping[str, Any]) -> tuple[Closing, PageErrors]:
    errors = PageErrors()
    offered = spec.anonymity
    choice = str(data.get("anonymity", "") or "")
    if len(offered) == 1:
        choice = offered[0]
    elif choice not in offered:
        errors.add(f"anonymity-{offered[0]}", words["error_anonymity"])
    consent = str(data.get("consent", "")) == "yes"
    if choice == Anonymity.CONTACT and not consent:
        errors.add("consent", words["error_consent"])
    comment = str(data.get("comment", "") or "").strip()
    if len(comment) > COMMENT_LIMIT:
        question = words["comment_label"]
        errors.add("comment", words["error_too_long"].format(limit=COMMENT_LIMIT, count=len(comment), question=question))
    # Consent only counts with the choice that asks for contact: a stray tick on an anonymous
    # response must never make it contactable.
    return Closing(choice, consent and choice == Anonymity.CONTACT, comment), errors


# --- saving -------------------------------------------------------------------------------------


def answers_of(response: Response | None) -> dict[str, str]:
    if response is None:
        return {}
    return dict(response.answers.values_list("item_key", "value"))


def derived_scores(item: ItemSpec, value: str) -> tuple[bool | None, float | None]:
    """Top-box flag and 0-100 score stored with an answer (None when the item is not scored that way)."""
    if not item.is_scored or item.type == FREE_TEXT:
        return None, None
    top = value in item.top_box if item.top_box else None
    score = linear_score(value, item.worst_to_best) if item.worst_to_best else None
    return top, score


def response_for(invitation: Invitation, language: str, existing: Response | None = None) -> Response:
    """The invitation's response in progress, started on the first page sent (never on a GET: link
    previews and scanners open links without a patient behind them). `existing` is the response the
    caller already read, so a page submit does not read it twice."""
    if existing is not None:
        return existing
    existing = Response.objects.filter(invitation=invitation).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _start_response(invitation, language, page=0)
    except IntegrityError:
        # Two first pages sent at once: the other request made it.
        return Response.objects.get(invitation=invitation)


def save_page(
    response: Response,
    spec: InstrumentSpec,
    values: Mapping[str, str | None],
    language: str,
    reached: int,
    known: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Keep this page's answers, forget answers to questions that skip logic now hides (a screener
    changed from yes to no), and remember the furthest page reached; returns the answers now stored.
    `known` is the response's answers as the caller read them (read here when not given)."""
    answers, gone = answers_after(spec, answers_of(response) if known is None else known, values, response.touchpoint)
    with transaction.atomic():
        _write_answers(response, spec, values, gone)
        _note_progress(response, language, reached)
    return answers


def save_answers(
    invitation: Invitation,
    response: Response | None,
    spec: InstrumentSpec,
    values: Mapping[str, str | None],
    language: str,
    step: int,
    known: Mapping[str, str],
) -> tuple[Response, int]:
    """What a page submit does: start the response if this is the first page sent, keep the page's
    answers (as save_page does) and move the furthest page reached to the step shown next, all in
    one transaction; returns the response and that next step.

    The answer endpoint is the one page every patient hits (bench/survey_load.py), so this is one
    INSERT or UPDATE of the response and one upsert of the answers (plus a delete when skip logic
    hides answers), as statements written once (response_writes.py), committed together: a page is
    kept whole or not at all. `known` is the response's answers as the caller read them (may be empty
    when the instrument has no skip logic: then earlier answers decide nothing here)."""
    answers, gone = answers_after(spec, known, values, invitation.touchpoint)
    following = step_after(step, steps(spec, answers, invitation.touchpoint))
    rows = answer_rows(spec, values)
    if response is not None:
        moves = response.language != language or following > response.page
        # One statement commits on its own; a transaction costs two more round trips (BEGIN, COMMIT).
        with transaction.atomic() if (moves + bool(rows) + bool(gone)) > 1 else nullcontext():
            if moves:
                response_writes.note_progress(response.pk, language, following)
                response.language, response.page = language, max(response.page, following)
            response_writes.upsert_answers(response.pk, rows)
            if gone:
                Answer.objects.filter(response_id=response.pk, item_key__in=gone).delete()
        return response, following
    new = response_writes.NewResponse(
        invitation_id=invitation.pk,
        instrument_version_id=invitation.instrument_version_id,
        language=language,
        touchpoint=invitation.touchpoint,
        provider=invitation.provider,
        location=invitation.location,
        visit_type=invitation.visit_type,
        page=following,
        started_at=timezone.now(),
    )
    try:
        # A new response has no stored answers, so nothing to delete.
        response_id = response_writes.insert_response_with_answers(new, rows)
        return response_writes.started_response(response_id, new), following
    except IntegrityError:
        # Two first pages sent at once: the other request started the response; add this page to it.
        existing = Response.objects.get(invitation=invitation)
        return save_answers(invitation, existing, spec, values, language, step, answers_of(existing))


def answer_rows(spec: InstrumentSpec, values: Mapping[str, str | None]) -> list[response_writes.AnswerRow]:
    """The answers to store from a page's values (blank ones are deleted, not stored)."""
    rows = []
    for key, value in values.items():
        item = spec.item(key)
        if item is None or value is None:
            continue
        top, score = derived_scores(item, value)
        rows.append(response_writes.AnswerRow(key, value, top, score))
    return rows


def answers_after(
    spec: InstrumentSpec, known: Mapping[str, str], values: Mapping[str, str | None], touchpoint: str
) -> tuple[dict[str, str], list[str]]:
    """The answers a response holds once `values` (one page, None = left blank) are kept, and the
    item keys to delete: blanked answers and answers to questions skip logic now hides."""
    answers = dict(known)
    for key, value in values.items():
        if spec.item(key) is None:
            continue
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    hidden = [key for key in list(answers) if (item := spec.item(key)) is not None and not is_shown(item, answers, touchpoint)]
    for key in hidden:
        answers.pop(key)
    return answers, [key for key, value in values.items() if value is None] + hidden


def _start_response(invitation: Invitation, language: str, page: int) -> Response:
    return Response.objects.create(
        invitation=invitation,
        instrument_version=invitation.instrument_version,
        language=language,
        page=page,
        touchpoint=invitation.touchpoint,
        provider=invitation.provider,
        location=invitation.location,
        visit_type=invitation.visit_type,
    )


def _write_answers(response: Response, spec: InstrumentSpec, values: Mapping[str, str | None], gone: list[str]) -> None:
    rows = [
        Answer(response=response, item_key=row.item_key, value=row.value, top_box=row.top_box, score_100=row.score_100)
        for row in answer_rows(spec, values)
    ]
    if rows:
        # Upsert on (response, item_key): two submits of one page at once both land, the last wins.
        Answer.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["response", "item_key"], update_fields=["value", "top_box", "score_100"]
        )
    if gone:
        Answer.objects.filter(response=response, item_key__in=gone).delete()


def _note_progress(response: Response, language: str, reached: int) -> None:
    fields = []
    if response.language != language:
        response.language = language
        fields.append("language")
    if reached > response.page:
        response.page = reached
        fields.append("page")
    if fields:
        response.save(update_fields=fields)


def note_reached(response: Response, step: int) -> None:
    _note_progress(response, response.language, step)


def _start_of_day(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def complete(invitation: Invitation, response: Response, closing: Closing, language: str) -> bool:
    """Mark the token used and the response complete, once. The conditional UPDATE claims the
    invitation only if nobody has (two submits at once: exactly one wins, the other is shown the
    thank-you page). False when it was already used or has expired. The comment is read by feedback's
    analysis round (feedback/tasks.py)."""
    now = timezone.now()
    anonymous = closing.anonymity == Anonymity.ANONYMOUS
    # Anonymous: keep times to the day only, so the moment of answering cannot single anyone out.
    stamp = _start_of_day(now) if anonymous else now
    completion = response_writes.Completion(
        anonymity=closing.anonymity,
        consent_to_contact=closing.consent_to_contact,
        comment=closing.comment,
        language=language,
        completed_at=stamp,
        # Cut the link to the invitation, hence to the visit and the patient (docs/surveys.md).
        anonymous_started_at=_start_of_day(response.started_at) if anonymous else None,
    )
    # The conditional claim (UPDATE ... WHERE used_at IS NULL AND expires_at > now) and the completion,
    # whole: one statement where the database allows, a transaction elsewhere (response_writes.py).
    if not response_writes.claim_and_complete(invitation.pk, response.pk, completion, now):
        return False
    _show_completion(response, completion)
    return True


def _show_completion(response: Response, completion: response_writes.Completion) -> None:
    """The caller's instance, as the database now has it."""
    response.anonymity = completion.anonymity
    response.consent_to_contact = completion.consent_to_contact
    response.comment = completion.comment
    response.language = completion.language
    response.is_complete = True
    response.completed_at = completion.completed_at
    if completion.anonymous_started_at is not None:
        response.invitation = None
        response.started_at = completion.anonymous_started_at


# --- what a page shows --------------------------------------------------------------------------


def option_label(item: ItemSpec, code: str, language: str, words: Mapping[str, Any]) -> str:
    if item.type == ZERO_TEN:
        return code
    if item.type == SINGLE_CHOICE:
        option = next(o for o in item.options if o.code == code)
        return option.text.get(language) or option.text["en"]
    return str(words["scales"][item.type][code])


def item_view(
    item: ItemSpec, language: str, words: Mapping[str, Any], value: str | None, error: str | None
) -> dict[str, Any]:
    name = field_name(item)
    return {
        "key": item.key,
        "name": name,
        "type": item.type,
        "text": item.text.get(language) or item.text["en"],
        "hint": item.hint.get(language) or item.hint.get("en", ""),
        "required": item.required,
        "value": value or "",
        "error": error,
        "error_id": first_input_id(item),
        "options": [
            {"code": code, "id": f"{name}-{code}", "label": option_label(item, code, language, words)}
            for code in item.codes
        ],
    }


def load_spec(invitation: Invitation) -> InstrumentSpec:
    """The invitation's instrument, parsed once per process (instrument_cache.py says why it is safe)."""
    return answer_spec(invitation.instrument_version)


def uses_skip_logic(spec: InstrumentSpec) -> bool:
    """Whether earlier answers can change which questions and pages are shown."""
    return any(item.show_if for item in spec.items())


def response_in_progress(invitation: Invitation) -> Response | None:
    """The invitation's response, read with it by tokens.find_invitation_to_answer (None if not started)."""
    try:
        return invitation.response
    except Response.DoesNotExist:
        return None

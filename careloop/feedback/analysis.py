"""The comment-analysis pipeline: every commented survey response read once for where (touchpoints), what
(themes), how it felt (sentiment), who was named (staff mentions), whether it is urgent, its language,
and a redacted copy safe to show beyond the roles that see identified data.

Vectorised per batch: the batch is embedded once, and that one matrix feeds the theme model, the
sentiment model and the touchpoint router; the rest (language, mentions, urgency, redaction) is per
comment and cheap. The readers remember what they learnt about each distinct word or text piece for the
life of the process (token ids, language and urgency evidence, character grams), since comments repeat
their words; `forget_remembered_words` empties those memories. Why the cycle collector is paused while a
batch is read: `cyclic_gc_paused`.

`analyse_texts` does the reading without the database (bench/comments.py times it);
`analyse_responses` stores the readings, one CommentAnalysis per response, updated in place on re-analysis
so label corrections (which point at the analysis) survive, and then sends `comments_analysed`.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careloop.accounts.models import StaffMember
from careloop.feedback.embeddings import embed
from careloop.feedback.language import UNDETERMINED, detect_language
from careloop.feedback.mentions import find_staff_mentions
from careloop.feedback.model_store import CommentModel, load_model
from careloop.feedback.models import CommentAnalysis
from careloop.feedback.redaction import redact
from careloop.feedback.signals import comments_analysed
from careloop.feedback.touchpoints import TouchpointRouter, build_router, journey_touchpoint_examples
from careloop.feedback.urgency import assess_urgency
from careloop.surveys.models import Response

# Rows written per bulk statement: well under SQLite's 32,766 bound variables for 11 columns.
WRITE_BATCH = 500
# Comments embedded and classified together: large enough for numpy's per-call costs to vanish (every
# reader works on the whole batch's words at once), small enough that a year of comments does not sit in
# memory twice (10,000 x 256 float32 = 10 MB of embeddings).
READ_BATCH = 10_000


@dataclass(frozen=True)
class CommentReading:
    touchpoints: list[str]
    themes: list[str]
    sentiment: int
    language: str
    staff_mentions: list[str]
    urgency: str
    redacted_text: str


@dataclass
class Analyser:
    """Everything a batch needs, loaded once: the comment model, the touchpoint router, the staff list."""

    model: CommentModel
    router: TouchpointRouter
    staff: Sequence[StaffMember]

    @property
    def model_name(self) -> str:
        return self.model.name

    def names_to_keep(self, keys: Sequence[str]) -> list[str]:
        """The names and nicknames of the staff a comment mentions: redaction keeps them."""
        if not keys:
            return []
        by_key = {member.key: member for member in self.staff}
        names: list[str] = []
        for key in keys:
            member = by_key.get(key)
            if member is not None:
                names.append(member.name)
                names.extend(str(nickname) for nickname in member.nicknames or [])
        return names


_router_cache: dict[str, TouchpointRouter] = {}


def touchpoint_router(examples: Mapping[str, Sequence[str]]) -> TouchpointRouter:
    """The router for these examples, built once per process per set of examples (building calibrates
    its threshold, about a second for the default journey)."""
    signature = hashlib.sha256(repr(sorted((k, list(v)) for k, v in examples.items())).encode()).hexdigest()
    router = _router_cache.get(signature)
    if router is None:
        router = build_router(examples)
        _router_cache.clear()
        _router_cache[signature] = router
    return router


def current_analyser(model_name: str | None = None) -> Analyser:
    """The practice's analyser: its default model (or `model_name`), the active journey's touchpoints
    with their examples, the active staff list."""
    return Analyser(
        model=load_model(model_name),
        router=touchpoint_router(journey_touchpoint_examples()),
        staff=list(StaffMember.objects.filter(is_active=True)),
    )


def forget_remembered_words(analyser: Analyser | None = None) -> None:
    """Empty the per-process memories of words and text pieces the readers keep (embeddings' token ids,
    language and urgency evidence, touchpoint character grams), as in a fresh process: the benchmark
    times analysis both with and without them."""
    from careloop.feedback import embeddings, language, urgency

    for embedder in list(embeddings._embedders.values()):
        embedder.forget()
    language._EVIDENCE.clear()
    urgency._ANCHORED.clear()
    if analyser is not None:
        analyser.router.wording._word_cache.clear()


def analyse_texts(texts: Sequence[str], analyser: Analyser, *, page_languages: Sequence[str] | None = None) -> list[CommentReading]:
    """Readings for `texts`, in order. `page_languages` (the survey page's language per comment) is the
    fallback when a comment is too short to tell its language."""
    readings: list[CommentReading] = []
    for start in range(0, len(texts), READ_BATCH):
        batch = list(texts[start : start + READ_BATCH])
        fallback = list(page_languages[start : start + READ_BATCH]) if page_languages else [""] * len(batch)
        readings.extend(_read_batch(batch, fallback, analyser))
    return readings


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch is read. A batch makes hundreds of thousands of small
    lists and strings (words, n-grams, readings), all freed by reference counting, none in a cycle; yet
    every 700 allocations start a collection, and the full ones walk the whole heap (260,000 objects
    once Django, scikit-learn and the model are loaded). Measured with gc.callbacks on the NHS comments:
    25-40 us of the ~210 us a comment took went to collections that found nothing. The collector is
    switched back on (if it was on) however the batch ends, and catches up at its next turn."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_batch(texts: list[str], fallback_languages: list[str], analyser: Analyser) -> list[CommentReading]:
    with cyclic_gc_paused():
        return _read_batch_now(texts, fallback_languages, analyser)


def _read_batch_now(texts: list[str], fallback_languages: list[str], analyser: Analyser) -> list[CommentReading]:
    embeddings = embed(texts)
    model = analyser.model
    themes = model.themes.predict(model.features.transform(texts, embeddings))
    sentiments = model.sentiment.predict(texts, embeddings)
    touchpoints = analyser.router.route(texts, embeddings)
    readings = []
    for index, text in enumerate(texts):
        language = detect_language(text)
        if language == UNDETERMINED and fallback_languages[index]:
            language = fallback_languages[index]
        mentions = find_staff_mentions(text, analyser.staff)
        readings.append(
            CommentReading(
                touchpoints=touchpoints[index],
                themes=themes[index],
                sentiment=sentiments[index],
                language=language,
                staff_mentions=mentions,
                urgency=assess_urgency(text, language),
                redacted_text=redact(text, keep=analyser.names_to_keep(mentions)),
            )
        )
    return readings


def analyse_responses(responses: Iterable[Response], *, analyser: Analyser | None = None) -> list[CommentAnalysis]:
    """Analyse the commented responses among `responses` (others are skipped), store one CommentAnalysis
    each (created, or updated in place), and send `comments_analysed`. Returns the analyses, in the
    order of the commented responses."""
    commented = [response for response in responses if response.comment.strip()]
    if not commented:
        return []
    analyser = analyser or current_analyser()
    readings = analyse_texts([r.comment for r in commented], analyser, page_languages=[r.language for r in commented])
    now = timezone.now()
    with transaction.atomic():
        existing = {
            analysis.response_id: analysis
            for analysis in CommentAnalysis.objects.filter(response_id__in=[r.pk for r in commented])
        }
        created: list[CommentAnalysis] = []
        updated: list[CommentAnalysis] = []
        results: list[CommentAnalysis] = []
        for response, reading in zip(commented, readings):
            analysis = existing.get(response.pk) or CommentAnalysis(response=response)
            fill(analysis, reading, analyser.model_name, now)
            (updated if analysis.pk else created).append(analysis)
            results.append(analysis)
        CommentAnalysis.objects.bulk_create(created, batch_size=WRITE_BATCH)
        CommentAnalysis.objects.bulk_update(updated, FIELDS, batch_size=WRITE_BATCH)
    if any(analysis.pk is None for analysis in created):
        # Backends that do not return ids from bulk_create (none of ours today): read them back.
        ids = dict(CommentAnalysis.objects.filter(response__in=commented).values_list("response_id", "pk"))
        for analysis in created:
            analysis.pk = ids[analysis.response_id]
    comments_analysed.send(
        sender=CommentAnalysis,
        analysis_ids=[analysis.pk for analysis in results],
        urgent_ids=[analysis.pk for analysis in results if analysis.urgency],
    )
    return results


FIELDS = ["touchpoints", "themes", "sentiment", "language", "staff_mentions", "urgency", "redacted_text",
          "model_name", "analysed_at"]


def fill(analysis: CommentAnalysis, reading: CommentReading, model_name: str, now: Any) -> None:
    analysis.touchpoints = reading.touchpoints
    analysis.themes = reading.themes
    analysis.sentiment = reading.sentiment
    analysis.language = reading.language
    analysis.staff_mentions = reading.staff_mentions
    analysis.urgency = reading.urgency
    analysis.redacted_text = reading.redacted_text
    analysis.model_name = model_name
    analysis.analysed_at = now


def responses_to_analyse(*, again: bool = False, completed_since: datetime | None = None) -> QuerySet[Response]:
    """Completed responses with a comment and no analysis yet (all commented ones with `again`); only
    those completed at or after `completed_since` when given (the completed_at index bounds the read)."""
    responses = Response.objects.filter(is_complete=True).exclude(comment="")
    if completed_since is not None:
        responses = responses.filter(completed_at__gte=completed_since)
    if not again:
        responses = responses.filter(analysis__isnull=True)
    return responses.order_by("pk")


def analyse_pending(
    *, again: bool = False, batch: int = READ_BATCH, analyser: Analyser | None = None, completed_since: datetime | None = None
) -> int:
    """Analyse every completed commented response still without an analysis (or all with `again`;
    only those completed since `completed_since` when given), in batches; returns how many were
    analysed. Run by the worker's analysis round (tasks.py), the demo, and by `careloop feedback
    analyse`. The model is loaded only if there is something to read."""
    done = 0
    last_pk = 0
    while True:
        chunk = list(responses_to_analyse(again=again, completed_since=completed_since).filter(pk__gt=last_pk)[:batch])
        if not chunk:
            return done
        analyser = analyser or current_analyser()
        analyse_responses(chunk, analyser=analyser)
        done += len(chunk)
        last_pk = chunk[-1].pk

"""The empathy map view: per touchpoint, what the practice anticipated patients would think, feel, say and
do (the journey's empathy map, journeys/touchpoint_page.py) beside what patients actually said: the top
themes, the spread of sentiment, and a few representative quotes (redacted).

A representative quote is one of the comments nearest the centroid of that touchpoint's comments in the
sentence-embedding space (embeddings.py): the mean of unit vectors points at what most comments share,
so the nearest ones read as typical rather than extreme (the "medoid" summary used in extractive
summarisation, e.g. Radev et al. 2004, "Centroid-based summarization of multiple documents").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from careloop.accounts.models import User
from careloop.feedback.embeddings import embed
from careloop.feedback.explorer import CommentRow, Filters, find_comments
from careloop.feedback.models import Sentiment
from careloop.feedback.themes import THEMES
from careloop.journeys.models import Journey, Touchpoint
from careloop.journeys.touchpoint_page import empathy_map

QUOTES_PER_TOUCHPOINT = 3
TOP_THEMES = 3
# The newest comments of a touchpoint that the quotes are chosen from: enough to find what is typical,
# few enough that the page embeds them in a few milliseconds.
QUOTE_POOL = 400
# A quote should say something: "Good." is typical of nothing.
MIN_QUOTE_WORDS = 4


@dataclass(frozen=True)
class SentimentShare:
    value: int
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class TouchpointVoice:
    touchpoint: Touchpoint
    anticipated: list[tuple[str, list[str]]]
    comment_count: int
    top_themes: list[tuple[str, int]]
    sentiment: list[SentimentShare]
    quotes: list[str]


def representative_quotes(texts: Sequence[str], how_many: int = QUOTES_PER_TOUCHPOINT) -> list[str]:
    """The texts nearest the centroid of all of them, most typical first, without repeats."""
    candidates = list(dict.fromkeys(t for t in texts if len(t.split()) >= MIN_QUOTE_WORDS))
    if len(candidates) <= how_many:
        return candidates
    vectors = embed(candidates)
    centroid = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return candidates[:how_many]
    similarity = vectors @ (centroid / norm)
    # Stable order for ties: the newer comment (earlier in the list) first.
    order = np.argsort(-similarity, kind="stable")
    return [candidates[i] for i in order[:how_many]]


def sentiment_shares(rows: Sequence[CommentRow]) -> list[SentimentShare]:
    counts = Counter(row.sentiment for row in rows)
    total = len(rows)
    return [
        SentimentShare(value, str(label), counts.get(value, 0), round(100 * counts.get(value, 0) / total, 1) if total else 0.0)
        for value, label in Sentiment.choices
    ]


def touchpoint_voice(touchpoint: Touchpoint, rows: Sequence[CommentRow]) -> TouchpointVoice:
    themes = Counter(theme for row in rows for theme in row.themes)
    top = [(THEMES.get(key, key), count) for key, count in sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))]
    return TouchpointVoice(
        touchpoint=touchpoint,
        anticipated=empathy_map(touchpoint),
        comment_count=len(rows),
        top_themes=top[:TOP_THEMES],
        sentiment=sentiment_shares(rows),
        quotes=representative_quotes([row.text for row in rows[:QUOTE_POOL]]),
    )


def empathy_map_view(user: User) -> list[TouchpointVoice]:
    """Every touchpoint of the active journey, in journey order (404 without `can_view_comments`)."""
    rows = find_comments(user, Filters())
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return []
    by_touchpoint: dict[str, list[CommentRow]] = {}
    for row in rows:
        for key in row.touchpoints:
            by_touchpoint.setdefault(key, []).append(row)
    return [touchpoint_voice(tp, by_touchpoint.get(tp.key, [])) for tp in journey.touchpoints.order_by("order", "key")]

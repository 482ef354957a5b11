"""The feedback explorer's queries: analysed comments filtered, counted per theme and touchpoint, with trends.

Only the redacted text ever leaves this module (CommentAnalysis.redacted_text, or the comment redacted
here if an analysis has none yet): the roles with `can_view_comments` never see patient identity
(accounts/roles.py), so there is no identified read to audit and nothing identifying to search. Search
runs on the redacted text for the same reason: a search for a patient's name must not reveal that some
comment contains it.

Labels shown and filtered are the effective ones: a person's latest correction of a field wins over the
model (models.CommentAnalysis.effective_labels). Touchpoint and theme lists are JSON, which SQLite cannot
search inside, so those filters run here in Python over the rows the database has already narrowed;
a practice's year of comments is a few thousand rows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import CAN_CORRECT_LABELS, CAN_VIEW_COMMENTS
from careloop.feedback.models import CommentAnalysis, CorrectableField, LabelCorrection, Sentiment, Urgency
from careloop.feedback.redaction import redact
from careloop.feedback.themes import THEMES
from careloop.journeys.models import Journey, Touchpoint

LANGUAGES = {"en": "English", "es": "Spanish", "und": "Undetermined"}
# How many months a trend line shows (a year: the span a practice compares seasons over).
TREND_MONTHS = 12


@dataclass(frozen=True)
class Filters:
    """What the explorer was asked for; empty strings and None mean "any"."""

    text: str = ""
    touchpoint: str = ""
    theme: str = ""
    sentiment: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    provider: str = ""
    language: str = ""
    urgency: str = ""
    # "urgent" (any kind), a kind, or "" (any): the urgency filter's values.

    def is_empty(self) -> bool:
        return self == Filters()


@dataclass
class CommentRow:
    """One analysed comment as the explorer shows it: redacted, with its effective labels."""

    analysis_id: uuid.UUID
    at: datetime
    provider: str
    language: str
    urgency: str
    text: str
    touchpoints: list[str]
    themes: list[str]
    sentiment: int
    corrected: list[str] = field(default_factory=list)

    @property
    def urgency_label(self) -> str:
        return str(Urgency(self.urgency).label) if self.urgency in Urgency.values else self.urgency

    @property
    def sentiment_label(self) -> str:
        return str(Sentiment(self.sentiment).label) if self.sentiment in Sentiment.values else str(self.sentiment)


def require_comments_access(user: User) -> None:
    """404 to anyone without `can_view_comments`, as for a page that does not exist."""
    if not user.can(CAN_VIEW_COMMENTS):
        raise Http404


def database_filtered(filters: Filters) -> QuerySet[CommentAnalysis]:
    """What the database can narrow by itself: dates, provider, language, urgency, text."""
    analyses = CommentAnalysis.objects.filter(response__is_complete=True)
    if filters.date_from is not None:
        analyses = analyses.filter(response__completed_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        analyses = analyses.filter(response__completed_at__date__lte=filters.date_to)
    if filters.provider:
        analyses = analyses.filter(response__provider=filters.provider)
    if filters.language:
        analyses = analyses.filter(language=filters.language)
    if filters.urgency == "urgent":
        analyses = analyses.exclude(urgency="")
    elif filters.urgency == "none":
        analyses = analyses.filter(urgency="")
    elif filters.urgency:
        analyses = analyses.filter(urgency=filters.urgency)
    if filters.text:
        analyses = analyses.filter(redacted_text__icontains=filters.text)
    return analyses.order_by("-response__completed_at", "-id")


def latest_corrections(analysis_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """analysis id → {field: value of its latest correction}, in one query."""
    latest: dict[int, dict[str, Any]] = {}
    ids = list(analysis_ids)
    # Chunked: SQLite allows 999 parameters per query by default in older builds.
    for start in range(0, len(ids), 900):
        corrections = LabelCorrection.objects.filter(analysis_id__in=ids[start : start + 900]).order_by(
            "corrected_at", "id"
        )
        for analysis_id, field_name, value in corrections.values_list("analysis_id", "field", "value"):
            latest.setdefault(analysis_id, {})[field_name] = value
    return latest


def staff_names() -> list[str]:
    return list(StaffMember.objects.values_list("name", flat=True))


# The columns a row needs: reading these as plain values instead of two model instances per comment
# made the explorer over 5,000 comments several times faster.
ROW_FIELDS = (
    "pk",
    "external_id",
    "touchpoints",
    "themes",
    "sentiment",
    "language",
    "urgency",
    "redacted_text",
    "response__completed_at",
    "response__started_at",
    "response__provider",
)


def row_of(values: dict[str, Any], corrections: dict[str, Any], text: str) -> CommentRow:
    return CommentRow(
        analysis_id=values["external_id"],
        at=values["response__completed_at"] or values["response__started_at"],
        provider=values["response__provider"],
        language=values["language"],
        urgency=values["urgency"],
        text=text,
        touchpoints=list(corrections.get(CorrectableField.TOUCHPOINTS, values["touchpoints"])),
        themes=list(corrections.get(CorrectableField.THEMES, values["themes"])),
        sentiment=int(corrections.get(CorrectableField.SENTIMENT, values["sentiment"])),
        corrected=sorted(corrections),
    )


def shown_texts(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Analysis id → the text to show: the stored redacted text, or, for an analysis written before
    redaction existed, its comment redacted now. Never the raw comment."""
    texts = {row["pk"]: row["redacted_text"] for row in rows if row["redacted_text"]}
    missing = [row["pk"] for row in rows if not row["redacted_text"]]
    if missing:
        keep = staff_names()
        comments = CommentAnalysis.objects.filter(pk__in=missing).values_list("pk", "response__comment")
        texts.update({pk: redact(comment, keep=keep) for pk, comment in comments})
    return texts


def matches_labels(row: CommentRow, filters: Filters) -> bool:
    if filters.touchpoint and filters.touchpoint not in row.touchpoints:
        return False
    if filters.theme and filters.theme not in row.themes:
        return False
    return filters.sentiment is None or row.sentiment == filters.sentiment


def find_comments(user: User, filters: Filters) -> list[CommentRow]:
    """The comments the filters select, newest first, redacted; 404 without `can_view_comments`."""
    require_comments_access(user)
    return rows_of(list(database_filtered(filters).values(*ROW_FIELDS)), filters)


def rows_of(values: list[dict[str, Any]], filters: Filters) -> list[CommentRow]:
    corrections = latest_corrections(v["pk"] for v in values)
    texts = shown_texts(values)
    rows = (row_of(v, corrections.get(v["pk"], {}), texts[v["pk"]]) for v in values)
    return [row for row in rows if matches_labels(row, filters)]


# --- counts and trends ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    # Width in the SVG's units (0-100 of the longest bar), drawn by the server: the CSP allows no styles.
    width: float
    trend: list[int]
    # The sparkline as SVG polyline points, "x,y x,y …", in a 100 × 20 box.
    points: str
    url_value: str = ""


def month_starts(until: date, months: int = TREND_MONTHS) -> list[date]:
    first = until.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def month_indexes(starts: list[date], rows: Sequence[CommentRow]) -> list[int | None]:
    """Each row's month's position in `starts` (None: outside the trend), in the practice's time zone."""
    position = {(start.year, start.month): i for i, start in enumerate(starts)}
    zone = timezone.get_current_timezone()
    return [position.get(((local := row.at.astimezone(zone)).year, local.month)) for row in rows]


def sparkline_points(values: Sequence[int]) -> str:
    if not values:
        return ""
    top = max(values) or 1
    step = 100 / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{20 - 18 * v / top:.1f}" for i, v in enumerate(values))


def bars(rows: Sequence[CommentRow], labels_of: str, names: dict[str, str], until: date) -> list[Bar]:
    """One bar per label (theme or touchpoint) with its count and its monthly trend, largest first."""
    starts = month_starts(until)
    counts: Counter[str] = Counter()
    trends: dict[str, list[int]] = {}
    for row, index in zip(rows, month_indexes(starts, rows), strict=True):
        for key in getattr(row, labels_of):
            counts[key] += 1
            trend = trends.setdefault(key, [0] * len(starts))
            if index is not None:
                trend[index] += 1
    top = max(counts.values(), default=0) or 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], names.get(item[0], item[0])))
    return [
        Bar(
            key=key,
            label=names.get(key, key),
            count=count,
            width=round(100 * count / top, 1),
            trend=trends[key],
            points=sparkline_points(trends[key]),
        )
        for key, count in ordered
    ]


def touchpoint_names() -> dict[str, str]:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return {}
    return dict(Touchpoint.objects.filter(journey=journey).values_list("key", "name"))


def provider_choices() -> list[tuple[str, str]]:
    return list(StaffMember.objects.filter(is_provider=True).values_list("key", "name"))


def sentiment_counts(rows: Sequence[CommentRow]) -> list[tuple[int, str, int]]:
    counts = Counter(row.sentiment for row in rows)
    return [(value, str(label), counts.get(value, 0)) for value, label in Sentiment.choices]


# --- corrections ------------------------------------------------------------------------------------


def get_analysis_for_correction_or_404(user: User, analysis_id: uuid.UUID) -> CommentAnalysis:
    """404 alike for no permission and for an unknown analysis."""
    if not user.can(CAN_CORRECT_LABELS):
        raise Http404
    analysis = CommentAnalysis.objects.select_related("response").filter(external_id=analysis_id).first()
    if analysis is None:
        raise Http404
    return analysis


def row_for_correction(analysis: CommentAnalysis) -> CommentRow:
    """The one comment a correction page shows, redacted, with its effective labels."""
    return rows_of(list(CommentAnalysis.objects.filter(pk=analysis.pk).values(*ROW_FIELDS)), Filters())[0]


def correct_labels(
    analysis: CommentAnalysis, user: User, *, touchpoints: list[str], themes: list[str], sentiment: int
) -> list[LabelCorrection]:
    """A correction row for each field whose effective value changes; none when nothing does
    (so a second click on "Save" does not pile up identical training examples)."""
    current = analysis.effective_labels()
    wanted: dict[str, Any] = {
        CorrectableField.TOUCHPOINTS: sorted(set(touchpoints)),
        CorrectableField.THEMES: sorted(set(themes)),
        CorrectableField.SENTIMENT: sentiment,
    }
    changed = []
    with transaction.atomic():
        for field_name, value in wanted.items():
            before = current[field_name]
            same = sorted(before) == value if isinstance(value, list) else before == value
            if not same:
                changed.append(
                    LabelCorrection.objects.create(analysis=analysis, field=field_name, value=value, corrected_by=user)
                )
    return changed


def theme_names() -> dict[str, str]:
    return dict(THEMES)


def urgent_since(since: datetime) -> int:
    return CommentAnalysis.objects.filter(~Q(urgency=""), response__completed_at__gte=since).count()

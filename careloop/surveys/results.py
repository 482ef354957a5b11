"""Survey results for staff pages: complete responses read into plain rows, then scored (scoring.py).

Only aggregates leave this module: no patient reference, visit or comment is read here.
- result_lines: top box, composites and NPS, for the whole practice or per group (breakdowns);
- distributions: each question's answers, counted per option, with its top box and 0-100 mean;
- monthly_trend: the same lines month by month, each month suppressed on its own n.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from careloop.surveys import scoring
from careloop.surveys.answering import option_label
from careloop.surveys.instrument_file import FREE_TEXT, InstrumentSpec, ItemSpec
from careloop.surveys.languages import wording
from careloop.surveys.models import Answer, Instrument, Response

BREAKDOWNS = {"provider": "Provider", "location": "Location", "visit_type": "Visit type", "language": "Language"}
# Adjusting a unit's score for who answered makes sense between providers or locations (CAHPS
# compares units); a language or visit type is itself part of the case mix.
ADJUSTABLE = ("provider", "location")


# The trend groups rows by this key (a month, "2025-01"); it is not offered as a breakdown.
MONTH = "month"


@dataclass
class ResponseRow:
    groups: dict[str, str]
    top_box: dict[str, bool | None] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    adjusters: dict[str, float | None] = field(default_factory=dict)
    score_100: dict[str, float | None] = field(default_factory=dict)


@dataclass
class ResultLine:
    key: str
    label: str
    kind: str  # "top_box", "composite" or "nps"
    overall: scoring.Score
    groups: dict[str, scoring.Score] = field(default_factory=dict)
    adjusted: dict[str, float] = field(default_factory=dict)


def _month_of(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m") if moment is not None else "—"


def response_rows(
    instrument: Instrument, spec: InstrumentSpec, since: datetime | None = None, until: datetime | None = None
) -> list[ResponseRow]:
    """Complete responses of the instrument (any version), completed in [since, until) when given."""
    responses = Response.objects.filter(instrument_version__instrument=instrument, is_complete=True)
    if since is not None:
        responses = responses.filter(completed_at__gte=since)
    if until is not None:
        responses = responses.filter(completed_at__lt=until)
    rows: dict[int, ResponseRow] = {
        r.pk: ResponseRow(
            groups={
                "provider": r.provider or "—",
                "location": r.location or "—",
                "visit_type": r.visit_type or "—",
                "language": r.language,
                MONTH: _month_of(r.completed_at),
            }
        )
        for r in responses.only("pk", "provider", "location", "visit_type", "language", "completed_at")
    }
    adjusters = {item.key: item for item in spec.items() if item.case_mix}
    answers = Answer.objects.filter(response_id__in=list(rows)).values_list(
        "response_id", "item_key", "value", "top_box", "score_100"
    )
    for response_id, item_key, value, top, score in answers:
        row = rows[response_id]
        row.values[item_key] = value
        row.top_box[item_key] = top
        row.score_100[item_key] = score
        if item_key in adjusters:
            row.adjusters[adjusters[item_key].case_mix] = adjuster_value(adjusters[item_key], value)
    return list(rows.values())


def adjuster_value(item: ItemSpec, value: str) -> float | None:
    """An ordered answer as 1, 2, 3, ... from worst (or youngest, least schooling) up."""
    return float(item.worst_to_best.index(value) + 1) if value in item.worst_to_best else None


def result_lines(spec: InstrumentSpec, rows: list[ResponseRow], *, by: str, min_n: int, adjust: bool) -> list[ResultLine]:
    lines: list[ResultLine] = []
    adjuster_names = [item.case_mix for item in spec.items() if item.case_mix]
    for item in spec.items():
        if not item.is_scored:
            continue
        if item.nps:
            lines.append(_nps_line(item, rows, by, min_n))
        if item.top_box:
            line = _top_box_line(item, rows, by, min_n)
            if adjust and by in ADJUSTABLE and adjuster_names:
                outcomes = [None if (t := row.top_box.get(item.key)) is None else float(t) for row in rows]
                result = scoring.case_mix_adjust(outcomes, [row.adjusters for row in rows], [row.groups[by] for row in rows], adjuster_names)
                line.adjusted = {unit: value for unit, value in result.adjusted.items() if not line.groups[unit].suppressed}
            lines.append(line)
    for composite in spec.composites:
        lines.append(_composite_line(composite.key, composite.title.get("en", composite.key), composite.items, rows, by, min_n))
    return lines


def _composite_line(key: str, label: str, items: list[str], rows: list[ResponseRow], by: str, min_n: int) -> ResultLine:
    def score(group: list[ResponseRow]) -> scoring.Score:
        return scoring.composite([[row.top_box.get(item) for row in group] for item in items], min_n=min_n)

    groups = scoring.breakdown(rows, lambda r: r.groups[by], score) if by else {}
    return ResultLine(key, label, "composite", score(rows), groups)


def _top_box_line(item: ItemSpec, rows: list[ResponseRow], by: str, min_n: int) -> ResultLine:
    def score(group: list[ResponseRow]) -> scoring.Score:
        return scoring.top_box([row.top_box.get(item.key) for row in group], min_n=min_n)

    groups = scoring.breakdown(rows, lambda r: r.groups[by], score) if by else {}
    return ResultLine(item.key, item.text["en"], "top_box", score(rows), groups)


def _nps_line(item: ItemSpec, rows: list[ResponseRow], by: str, min_n: int) -> ResultLine:
    def score(group: list[ResponseRow]) -> scoring.Score:
        return scoring.nps([int(v) if (v := row.values.get(item.key)) is not None else None for row in group], min_n=min_n)

    groups = scoring.breakdown(rows, lambda r: r.groups[by], score) if by else {}
    return ResultLine(f"{item.key}-nps", f"Net Promoter Score: {item.text['en']}", "nps", score(rows), groups)


def group_names(lines: list[ResultLine]) -> list[str]:
    names: dict[str, None] = defaultdict(lambda: None)
    for line in lines:
        for name in line.groups:
            names[name] = None
    return sorted(names)


# --- distributions per question -----------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    code: str
    label: str
    count: int
    share: float  # of the item's answers, 0-1


@dataclass(frozen=True)
class ItemDistribution:
    key: str
    label: str
    page: str
    n: int
    suppressed: bool
    options: list[OptionCount]
    top_box: scoring.Score | None
    mean: scoring.Score | None
    # Answers outside the item's options (an older version's wording), counted, not drawn.
    other: int = 0


def distributions(spec: InstrumentSpec, rows: list[ResponseRow], *, min_n: int) -> list[ItemDistribution]:
    """Every closed question's answers, counted per option in the order the patient saw them.
    Below `min_n` answers nothing is counted out loud: a 1-of-3 split names people in a small practice."""
    words = wording("en")
    found: list[ItemDistribution] = []
    for page in spec.pages:
        for item in page.items:
            if item.type == FREE_TEXT:
                continue
            found.append(_distribution(item, page.title.get("en", page.key), rows, min_n, words))
    return found


def _distribution(item: ItemSpec, page: str, rows: list[ResponseRow], min_n: int, words: dict[str, object]) -> ItemDistribution:
    answers = [value for row in rows if (value := row.values.get(item.key)) is not None]
    n = len(answers)
    label = item.text.get("en", item.key)
    scored = item.is_scored
    top = scoring.top_box([row.top_box.get(item.key) for row in rows], min_n=min_n) if scored and item.top_box else None
    mean = scoring.linear_mean([row.score_100.get(item.key) for row in rows], min_n=min_n) if scored and item.worst_to_best else None
    if n == 0 or n < min_n:
        return ItemDistribution(item.key, label, page, n, True, [], top, mean)
    counts = {code: 0 for code in item.codes}
    for value in answers:
        if value in counts:
            counts[value] += 1
    options = [OptionCount(code, option_label(item, code, "en", words), count, count / n) for code, count in counts.items()]
    return ItemDistribution(item.key, label, page, n, False, options, top, mean, other=n - sum(counts.values()))


# --- trend by month -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendLine:
    key: str
    label: str
    kind: str
    points: list[scoring.Score]

    @property
    def shown(self) -> list[tuple[int, float]]:
        """(month index, value) of the months with a figure, for the chart."""
        return [(i, p.value) for i, p in enumerate(self.points) if p.value is not None]


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2025-01"), both included: a month without responses is a gap."""
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_trend(spec: InstrumentSpec, rows: list[ResponseRow], *, min_n: int, last: int = 24) -> tuple[list[str], list[TrendLine]]:
    """result_lines month by month (the last `last` months that have responses, gaps included)."""
    known = sorted({row.groups[MONTH] for row in rows if row.groups[MONTH] != "—"})
    if not known:
        return [], []
    months = months_between(known[0], known[-1])[-last:]
    in_range = [row for row in rows if row.groups[MONTH] in set(months)]
    empty = scoring.Score(n=0, value=None, low=None, high=None, suppressed=True)
    lines = result_lines(spec, in_range, by=MONTH, min_n=min_n, adjust=False)
    return months, [TrendLine(line.key, line.label, line.kind, [line.groups.get(m, empty) for m in months]) for line in lines]

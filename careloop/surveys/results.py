"""Survey results for staff pages: complete responses read into plain rows, then scored (scoring.py).

Only aggregates leave this module: no patient reference, visit or comment is read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from careloop.surveys import scoring
from careloop.surveys.instrument_file import InstrumentSpec, ItemSpec
from careloop.surveys.models import Answer, Instrument, Response

BREAKDOWNS = {"provider": "Provider", "location": "Location", "visit_type": "Visit type", "language": "Language"}
# Adjusting a unit's score for who answered makes sense between providers or locations (CAHPS
# compares units); a language or visit type is itself part of the case mix.
ADJUSTABLE = ("provider", "location")


@dataclass
class ResponseRow:
    groups: dict[str, str]
    top_box: dict[str, bool | None] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    adjusters: dict[str, float | None] = field(default_factory=dict)


@dataclass
class ResultLine:
    key: str
    label: str
    kind: str  # "top_box", "composite" or "nps"
    overall: scoring.Score
    groups: dict[str, scoring.Score] = field(default_factory=dict)
    adjusted: dict[str, float] = field(default_factory=dict)


def response_rows(instrument: Instrument, spec: InstrumentSpec) -> list[ResponseRow]:
    responses = Response.objects.filter(instrument_version__instrument=instrument, is_complete=True)
    rows: dict[int, ResponseRow] = {
        r.pk: ResponseRow(
            groups={"provider": r.provider or "—", "location": r.location or "—", "visit_type": r.visit_type or "—", "language": r.language}
        )
        for r in responses.only("pk", "provider", "location", "visit_type", "language")
    }
    adjusters = {item.key: item for item in spec.items() if item.case_mix}
    answers = Answer.objects.filter(response_id__in=list(rows)).values_list("response_id", "item_key", "value", "top_box")
    for response_id, item_key, value, top in answers:
        row = rows[response_id]
        row.values[item_key] = value
        row.top_box[item_key] = top
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

"""The touchpoint page in words: each standard's measure, threshold and goal as a practice manager
reads them, and the touchpoint's empathy map in a fixed quadrant order."""

from __future__ import annotations

from dataclasses import dataclass

from careloop.journeys.measure_definitions import RECOVERY_METRICS, goal_range
from careloop.journeys.models import Standard, Touchpoint

# Timestamps in the words staff use for them (field names from careloop.events.models).
TIMESTAMP_WORDS = {
    "requested_at": "request",
    "booked_at": "booking",
    "scheduled_start": "scheduled start",
    "arrived_at": "arrival",
    "roomed_at": "roomed",
    "provider_in_at": "provider in",
    "checkout_at": "check-out",
    "started_at": "call start",
    "answered_at": "answered",
    "abandoned_at": "abandoned",
    "ended_at": "call end",
    "sent_at": "sent",
    "scheduled_at": "scheduled",
    "report_received_at": "report received",
    "closed_at": "closed",
    "received_at": "received",
    "first_response_at": "first response",
    "resolved_at": "resolved",
    "opened_at": "opened",
}
ORDINALS = {1: "first", 2: "second", 3: "third"}
SCORE_WORDS = {"top_box": "top-box share", "mean": "mean score (0–100)", "nps": "Net Promoter Score"}
# The classic empathy-map quadrants (Dave Gray, XPLANE), shown in this order when present.
EMPATHY_QUADRANTS = ("thinks", "feels", "says", "does")


@dataclass(frozen=True)
class StandardRow:
    standard: Standard
    measure: str
    threshold: str
    goal: str
    direction: str
    min_n: int
    source: str


def standard_rows(touchpoint: Touchpoint) -> list[StandardRow]:
    return [
        StandardRow(
            standard=s,
            measure=measure_in_words(s.kind, s.definition),
            threshold=threshold_in_words(s.threshold, s.threshold_unit),
            goal=goal_in_words(s.kind, s.definition, s.goal),
            direction=s.get_direction_display(),
            min_n=s.min_n,
            source=s.source,
        )
        for s in touchpoint.standards.all()
    ]


def measure_in_words(kind: str, definition: dict[str, object]) -> str:
    """E.g. "arrival → roomed, minutes" for a duration on the visits table."""
    where = _where_words(definition.get("where"))
    if kind == "duration":
        start = _timestamp_words(definition.get("start"))
        end = _timestamp_words(definition.get("end"))
        return f"{start} → {end}, {_unit_words(definition.get('unit'))}{where}"
    if kind == "rate":
        table = _words(definition.get("table"))
        return f"share of {table} where {_condition_words(definition.get('condition'))}{where}"
    if kind == "survey":
        score = SCORE_WORDS.get(str(definition.get("score")), _words(definition.get("score")))
        items = definition.get("items")
        item_text = ", ".join(str(i) for i in items) if isinstance(items, list) else _words(items)
        return f"{score} of {item_text} ({_words(definition.get('instrument'))} survey)"
    if kind == "audit":
        return f"observation audit: {_words(definition.get('question'))}"
    if kind == "access":
        rank = definition.get("rank")
        ordinal = ORDINALS.get(rank, str(rank)) if isinstance(rank, int) else _words(rank)
        visit_type = _words(definition.get("visit_type"))
        return f"{ordinal} next available {visit_type} appointment, {_unit_words(definition.get('unit'))}"
    if kind == "recovery":
        _, what = RECOVERY_METRICS.get(str(definition.get("metric")), ("", _words(definition.get("metric"))))
        among = "every recovery case of the practice" if definition.get("scope") == "practice" else "recovery cases opened here"
        return f"share of {what}, among {among}"
    return _words(kind)


def threshold_in_words(threshold: float | None, unit: str) -> str:
    if threshold is None:
        return "—"
    words = _unit_words(unit)
    if threshold == 1 and words.endswith("s"):
        words = words[:-1]  # "1 business day"
    return f"{threshold:g} {words}".strip()


def goal_in_words(kind: str, definition: dict[str, object], goal: float) -> str:
    score = definition.get("score")
    low, high, _ = goal_range(kind, score if isinstance(score, str) else None)
    if (low, high) == (0.0, 1.0):
        return f"{goal * 100:g} %"
    if low < 0:
        return f"NPS {goal:+g}"
    return f"{goal:g} of 100"


def empathy_map(touchpoint: Touchpoint) -> list[tuple[str, list[str]]]:
    """(quadrant, what patients think/feel/say/do) pairs, quadrants with nothing left out."""
    feelings = touchpoint.feelings if isinstance(touchpoint.feelings, dict) else {}
    names = [q for q in EMPATHY_QUADRANTS if q in feelings] + sorted(k for k in feelings if k not in EMPATHY_QUADRANTS)
    quadrants = [(str(name), _as_list(feelings[name])) for name in names]
    return [(name, items) for name, items in quadrants if items]


def _as_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    if value is None or not str(value).strip():
        return []
    return [str(value)]


def _timestamp_words(name: object) -> str:
    return TIMESTAMP_WORDS.get(str(name), _words(name))


def _unit_words(unit: object) -> str:
    return _words(unit)


def _words(value: object) -> str:
    return "" if value is None else str(value).replace("_", " ")


def _condition_words(condition: object) -> str:
    """A rate's condition as journey_file stores it: {"field": f, "in": [values]} or
    {"field": f, "is_set": bool}."""
    if not isinstance(condition, dict):
        return _words(condition)
    field = _timestamp_words(condition.get("field"))
    if "is_set" in condition:
        return f"{field} is {'recorded' if condition['is_set'] else 'not recorded'}"
    return f"{field} is {_value_words(condition.get('in'))}"


def _where_words(where: object) -> str:
    """A measure's filter as journey_file stores it: {field: [values]}, all of which must hold."""
    if not where:
        return ""
    if not isinstance(where, dict):
        return f" (where {_words(where)})"
    parts = [f"{_timestamp_words(name)} is {_value_words(values)}" for name, values in where.items()]
    return f" (where {' and '.join(parts)})"


def _value_words(value: object) -> str:
    if isinstance(value, list):
        return " or ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)

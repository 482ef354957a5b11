"""Survey answers as plain rows for the standards engine (careloop.measures), which measures survey
standards without reaching into the surveys app's models.

DESIGN.md puts measures and surveys side by side on the loop (journeys ← events ← measures,
surveys ← feedback ← …), so this module is the one door between them: measures calls it, it returns
plain rows, and nothing here knows about standards or periods.

Only complete responses count (a partial response is kept for the patient to resume, not scored), and
only aggregates leave through it: no patient reference, visit, invitation or comment is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from careloop.surveys.instrument_file import spec_of
from careloop.surveys.models import Answer, InstrumentVersion, Response


@dataclass
class ScoredResponse:
    """One complete response: when it was completed, where it came from, and its answers to the
    items asked for (an item not answered, or hidden by skip logic, is absent)."""

    completed_at: datetime
    provider: str
    location: str
    visit_type: str
    top_box: dict[str, bool | None] = field(default_factory=dict)
    score_100: dict[str, float | None] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def instrument_item_keys(instrument_key: str) -> set[str] | None:
    """The item keys of the instrument's active version; None when the instrument is not loaded."""
    version = InstrumentVersion.objects.filter(instrument__key=instrument_key, is_active=True).first()
    if version is None:
        return None
    return {item.key for item in spec_of(version).items()}


def scored_responses(
    instrument_key: str, item_keys: Sequence[str], *, since: datetime | None, until: datetime
) -> list[ScoredResponse]:
    """Complete responses to any version of the instrument completed from `since` (None: the first)
    up to and including `until`, with their answers to `item_keys`. Two queries, joined in Python
    by response id, so no list of ids is ever sent back to the database."""
    responses = Response.objects.filter(
        instrument_version__instrument__key=instrument_key, is_complete=True, completed_at__lte=until
    )
    if since is not None:
        responses = responses.filter(completed_at__gte=since)
    rows: dict[int, ScoredResponse] = {
        pk: ScoredResponse(completed_at, provider, location, visit_type)
        for pk, completed_at, provider, location, visit_type in responses.values_list(
            "pk", "completed_at", "provider", "location", "visit_type"
        )
        if completed_at is not None
    }
    answers = Answer.objects.filter(response__in=responses, item_key__in=list(item_keys)).values_list(
        "response_id", "item_key", "value", "top_box", "score_100"
    )
    for response_id, item_key, value, top, score in answers:
        row = rows.get(response_id)
        if row is None:
            continue
        row.values[item_key] = value
        row.top_box[item_key] = top
        row.score_100[item_key] = score
    return sorted(rows.values(), key=lambda row: row.completed_at)

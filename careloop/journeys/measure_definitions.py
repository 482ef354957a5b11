"""What a standard's measure may say, by kind: the vocabulary journey.yaml is checked against and
the standards engine compiles.

Table and field names are the canonical event tables of DESIGN.md, checked against the Django
models in careloop.events.models so a journey can never name a column that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from careloop.events.models import BillingInquiry, Call, Message, Referral, Visit, VisitType

# Event tables a duration or rate measure may read, by their canonical (warehouse) names.
EVENT_TABLES: dict[str, type[models.Model]] = {
    "visits": Visit,
    "calls": Call,
    "referrals": Referral,
    "messages": Message,
    "billing_inquiries": BillingInquiry,
}

DURATION_UNITS = ("seconds", "minutes", "hours", "days", "business_days")
ACCESS_UNITS = ("days", "business_days")
# What counts when the end timestamp is missing (a call never answered, a report never received):
# "fail" counts the event as not meeting the standard once its threshold has passed;
# "exclude" leaves it out (for ends that legitimately never happen).
MISSING_END = ("fail", "exclude")
SURVEY_SCORES = ("top_box", "mean", "nps")
VISIT_TYPES = tuple(VisitType.values)
# IHI's access measure uses the third next available slot (the first two are often chance
# cancellations); slot snapshots keep the next three, so ranks 1-3 can be measured.
ACCESS_RANKS = (1, 2, 3)

# What a recovery standard counts among service-recovery cases (careloop.recovery.case_counts says
# exactly when a case is counted and when it meets the standard), and which way is better: a reopen
# rate is the share of resolved cases that came back ("recover once", issue 7), so lower is better.
RECOVERY_METRICS: dict[str, tuple[str, str]] = {
    "first_contact_within_sla": ("higher_is_better", "cases whose patient was first contacted within the SLA"),
    "resolved_within_sla": ("higher_is_better", "cases resolved within the SLA"),
    "reopen_rate": ("lower_is_better", "resolved cases that were reopened"),
    "close_the_loop_resolved": ("higher_is_better", "patients asked who say it was resolved for them"),
}
# Which cases a recovery standard counts: those opened at its own touchpoint, or every case of the
# practice (cases without a touchpoint too: a detractor's score is about the whole practice).
RECOVERY_SCOPES = ("touchpoint", "practice")

# Keys allowed in each kind's definition, required first, in the canonical order of an export.
MEASURE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "duration": (("kind", "table", "start", "end", "unit"), ("missing_end", "where")),
    "rate": (("kind", "table", "condition"), ("where",)),
    "survey": (("kind", "instrument", "items", "score"), ()),
    "audit": (("kind", "checklist", "question"), ()),
    "access": (("kind", "visit_type", "rank", "unit"), ()),
    "recovery": (("kind", "metric"), ("scope",)),
}

# Kinds whose standard has a threshold for one event (in the measure's unit).
KINDS_WITH_THRESHOLD = ("duration", "access")


def canonical_order(kind: str) -> tuple[str, ...]:
    required, optional = MEASURE_KEYS[kind]
    return required + optional


def event_field(table: str, name: str) -> models.Field[object, object] | None:
    model = EVENT_TABLES.get(table)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_names(table: str) -> list[str]:
    model = EVENT_TABLES[table]
    return [f.name for f in model._meta.get_fields() if isinstance(f, models.Field) and not f.primary_key]


def timestamp_names(table: str) -> list[str]:
    model = EVENT_TABLES[table]
    return [f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField)]


def goal_range(kind: str, score: str | None) -> tuple[float, float, str]:
    """(low, high, what the goal is) for a standard's goal.

    Shares are 0-1; a survey mean is on the 0-100 linear scale (CAHPS scoring guidance);
    NPS runs from -100 to 100 (Reichheld, 2003)."""
    if kind == "survey" and score == "mean":
        return 0.0, 100.0, "a mean score on the 0-100 scale"
    if kind == "survey" and score == "nps":
        return -100.0, 100.0, "a Net Promoter Score"
    return 0.0, 1.0, "a share (0.9 means 90 %)"


def value_problem(field: models.Field[object, object], value: object) -> str | None:
    """Why `value` can never equal this field's value, or None when it can."""
    if isinstance(field, models.DateTimeField):
        return f"{field.name} is a timestamp; filter on a field with a fixed set of values"
    if field.choices:
        allowed = [str(choice[0]) for choice in field.choices]
        if value not in allowed:
            return f"{value!r} is not one of: {', '.join(allowed)}"
        return None
    if isinstance(field, models.BooleanField):
        return None if isinstance(value, bool) else f"{field.name} is true or false, not {value!r}"
    if isinstance(field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{field.name} is a whole number, not {value!r}"
        return None
    if not isinstance(value, str):
        return f"{field.name} is text; write {value!r} in quotes"
    return None

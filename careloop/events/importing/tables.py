"""What each importable table holds, read from the models so the importer and the tables cannot drift
apart: which field is the source system's id, each field's kind, whether it is required, its known
codes, and the ordering rules its timestamps must follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db import models

from careloop.events.models import Audit, BillingInquiry, Call, EventTable, Message, PatientContact, Referral, Visit

Kind = Literal["text", "code", "timestamp", "integer", "boolean"]
PROVENANCE_FIELDS = frozenset({"id", "import_run", "content_hash"})
CONTACTS = "contacts"
# Never taken from a file: an old export imported again must not undo a patient's opt-out.
NOT_IMPORTED = {CONTACTS: frozenset({"opted_out_at", "opted_out_via", "updated_at"})}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    required: bool
    default: Any
    max_length: int | None = None
    codes: tuple[tuple[str, str], ...] = ()  # (value, label) pairs, for kind "code"


@dataclass(frozen=True)
class TableSpec:
    table: str
    model: type[models.Model]
    id_field: str
    fields: tuple[FieldSpec, ...]
    # (earlier, later): when both are given, later must not be before earlier.
    order_rules: tuple[tuple[str, str], ...]
    # Pairs of fields of which at most one may be set.
    either_or: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


MODELS: dict[str, tuple[type[models.Model], str]] = {
    EventTable.VISITS: (Visit, "visit_id"),
    EventTable.CALLS: (Call, "call_id"),
    EventTable.REFERRALS: (Referral, "referral_id"),
    EventTable.MESSAGES: (Message, "message_id"),
    EventTable.BILLING: (BillingInquiry, "inquiry_id"),
    EventTable.AUDITS: (Audit, "audit_id"),
    # The contact store (careloop/events/contacts.py), keyed like the events by the patient's reference.
    CONTACTS: (PatientContact, "patient_ref"),
}

# A patient moves through the visit in this order (the cycle-time segments of IHI's patient-flow
# work); a row that says otherwise has a clock or a column mix-up, and would poison every wait measure.
ORDER_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    EventTable.VISITS: (
        ("requested_at", "booked_at"),
        ("arrived_at", "roomed_at"),
        ("roomed_at", "provider_in_at"),
        ("provider_in_at", "checkout_at"),
        ("arrived_at", "checkout_at"),
    ),
    EventTable.CALLS: (("started_at", "answered_at"), ("started_at", "abandoned_at"), ("started_at", "ended_at")),
    EventTable.REFERRALS: (
        ("sent_at", "scheduled_at"),
        ("sent_at", "report_received_at"),
        ("sent_at", "closed_at"),
    ),
    EventTable.MESSAGES: (("received_at", "first_response_at"), ("received_at", "closed_at")),
    EventTable.BILLING: (("opened_at", "first_response_at"), ("opened_at", "resolved_at")),
    EventTable.AUDITS: (),
    CONTACTS: (),
}
EITHER_OR: dict[str, tuple[tuple[str, str], ...]] = {EventTable.CALLS: (("answered_at", "abandoned_at"),)}


def field_spec(field: models.Field[Any, Any]) -> FieldSpec:
    kind: Kind
    if isinstance(field, models.DateTimeField):
        kind = "timestamp"
    elif isinstance(field, models.BooleanField):
        kind = "boolean"
    elif isinstance(field, models.IntegerField):
        kind = "integer"
    elif field.choices:
        kind = "code"
    else:
        kind = "text"
    required = not field.null and not field.blank and not field.has_default()
    if field.has_default():
        default = field.get_default()
    else:
        default = None if field.null else ""
    codes = tuple((str(value), str(label)) for value, label in field.choices or ())
    return FieldSpec(field.name, kind, required, default, getattr(field, "max_length", None), codes)


def audit_standard_codes() -> tuple[tuple[str, str], ...]:
    """The active journey's observation-audit standards: an audit row for any other standard could
    never be measured."""
    from careloop.journeys.models import MeasureKind, Standard

    standards = Standard.objects.filter(journey__is_active=True, kind=MeasureKind.AUDIT).order_by("key")
    return tuple((s.key, s.name) for s in standards)


def table_spec(table: str) -> TableSpec:
    model, id_field = MODELS[table]
    skipped = PROVENANCE_FIELDS | NOT_IMPORTED.get(table, frozenset())
    fields = [field_spec(f) for f in model._meta.concrete_fields if f.name not in skipped]
    if table == EventTable.AUDITS:
        codes = audit_standard_codes()
        if codes:
            fields = [
                FieldSpec(f.name, "code", True, "", f.max_length, codes) if f.name == "standard" else f for f in fields
            ]
    return TableSpec(table, model, id_field, tuple(fields), ORDER_RULES[table], EITHER_OR.get(table, ()))

"""The contact store's only door: every read of a patient's name and contact details goes through here.

- `get_contact_or_404()` for people: needs `can_view_contacts`; the same 404 for "not allowed" and
  "no such patient", so a guess learns nothing; every read is written to the audit log in the same
  transaction (45 CFR 164.312(b), as events/access.py does for timelines).
- `contact_for_sending()` for the system (the survey sender, case outreach): audited as a system read
  (no user), with the purpose as the record kind.
- `record_opt_out()`: a patient's opt-out, kept even when no contact row existed, so they are never
  invited later.
- `upsert_contacts()`: what the importers (CSV, FHIR Patient) write through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_CONTACTS
from careloop.events.models import PatientContact

# The audit log's names for what a contact card shows (accounts/audit.py AUDITABLE_FIELDS).
CONTACT_FIELDS = ("name", "email", "phone", "language", "consent")
# What sending needs: no name.
SENDING_FIELDS = ("email", "phone", "language", "consent")
# The fields an import may set; opt-outs and updated_at are never taken from a file: an old export
# imported again must not undo a patient's STOP.
IMPORTED_FIELDS = (
    "given_name", "family_name", "email", "phone", "language", "consent_email", "consent_sms", "consent_contact",
)
PURPOSE_MAX = 60


def normal_phone(raw: str) -> str:
    """E.164 as SMS providers write it: a plus and digits only (`+1 (555) 010-2000` → `+15550102000`).
    A number written without a country code is not guessed at here (contact_rows.py refuses it)."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"+{digits}" if digits else ""


def _purpose(purpose: str) -> str:
    cleaned = "-".join(purpose.split())[:PURPOSE_MAX]
    if not cleaned:
        raise ValueError("a contact read needs a purpose (what the details are read for)")
    return cleaned


def get_contact_or_404(user: User, patient_ref: str, *, purpose: str, request: HttpRequest | None = None) -> PatientContact:
    """One patient's contact card, audited; 404 alike for no permission and for an unknown patient."""
    if not user.can(CAN_VIEW_CONTACTS):
        raise Http404
    with transaction.atomic():
        contact = PatientContact.objects.filter(patient_ref=patient_ref).first()
        if contact is None:
            raise Http404
        audit.record(user, "read", f"contact:{_purpose(purpose)}", patient_ref, patient_ref=patient_ref,
                     fields=CONTACT_FIELDS, request=request)
    return contact


def contact_for_sending(patient_ref: str, *, purpose: str) -> PatientContact | None:
    """The patient's contact details for a message the system sends; a system read, audited."""
    with transaction.atomic():
        contact = PatientContact.objects.filter(patient_ref=patient_ref).first()
        if contact is None:
            return None
        audit.record(None, "read", f"contact:{_purpose(purpose)}", patient_ref, patient_ref=patient_ref,
                     fields=SENDING_FIELDS)
    return contact


def record_opt_out(patient_ref: str, via: str, at: datetime | None = None) -> bool:
    """Opt the patient out of surveys: kept even when no contact existed (a row is made), audited as a
    change. False when they had already opted out (the first opt-out's time and channel stay)."""
    moment = at or timezone.now()
    with transaction.atomic():
        row, _ = PatientContact.objects.get_or_create(patient_ref=patient_ref, defaults={"updated_at": moment})
        changed = PatientContact.objects.filter(pk=row.pk, opted_out_at__isnull=True).update(
            opted_out_at=moment, opted_out_via=via, updated_at=moment
        )
        if changed:
            audit.record(None, "change", "contact:opt-out", patient_ref, patient_ref=patient_ref, fields=["consent"])
    return changed == 1


def patient_refs_for_phone(phone: str) -> list[str]:
    """Who has this number (a STOP reply names a number, not a patient); several may share one."""
    number = normal_phone(phone)
    if not number:
        return []
    return list(PatientContact.objects.filter(phone=number).order_by("patient_ref").values_list("patient_ref", flat=True))


def record_opt_out_by_phone(phone: str, via: str, at: datetime | None = None) -> list[str]:
    """A STOP from this number opts out every patient with it; returns those newly opted out."""
    return [ref for ref in patient_refs_for_phone(phone) if record_opt_out(ref, via, at)]


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_contacts(rows: Sequence[dict[str, Any]], *, import_run_id: int | None, content_hashes: Sequence[str] | None = None) -> UpsertCounts:
    """Insert or update contacts by patient_ref. Each row has `patient_ref` and any of IMPORTED_FIELDS
    (a field left out keeps its stored value). A row whose hash matches the stored one is left alone,
    so importing the same file twice changes nothing. Call inside the import's transaction."""
    counts = UpsertCounts()
    hashes = list(content_hashes) if content_hashes is not None else [_row_hash(r) for r in rows]
    refs = [str(r["patient_ref"]) for r in rows]
    stored = {c.patient_ref: c for c in PatientContact.objects.filter(patient_ref__in=refs)}
    now = timezone.now()
    new: list[PatientContact] = []
    changed: list[PatientContact] = []
    for row, digest in zip(rows, hashes):
        values = {key: row[key] for key in IMPORTED_FIELDS if key in row}
        known = stored.get(str(row["patient_ref"]))
        if known is None:
            contact = PatientContact(patient_ref=row["patient_ref"], import_run_id=import_run_id, content_hash=digest,
                                     updated_at=now, **values)
            new.append(contact)
            stored[contact.patient_ref] = contact  # a second row for the same patient updates the first
            counts.inserted += 1
            continue
        if known.content_hash == digest:
            counts.unchanged += 1
            continue
        for key, value in values.items():
            setattr(known, key, value)
        known.import_run_id, known.content_hash, known.updated_at = import_run_id, digest, now
        if known.pk is not None and known not in changed:
            changed.append(known)
        counts.updated += 1
    PatientContact.objects.bulk_create(new)
    if changed:
        PatientContact.objects.bulk_update(changed, [*IMPORTED_FIELDS, "import_run", "content_hash", "updated_at"])
    return counts


def _row_hash(row: dict[str, Any]) -> str:
    from careloop.events.importing.writer import content_hash

    return content_hash([row.get(key, "") for key in ("patient_ref", *IMPORTED_FIELDS)])


def has_opted_out(patient_ref: str) -> bool:
    """Whether the patient opted out of surveys (no contact detail is read, so not audited)."""
    return PatientContact.objects.filter(patient_ref=patient_ref, opted_out_at__isnull=False).exists()

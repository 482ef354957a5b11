"""Deny by default for cases: the one way views read a case, and the patient's contact card on it.

A case names a patient (its patient_ref) and rests on identified evidence, so opening one needs
`can_work_cases`, answers the same 404 for "not allowed" and "no such case", and is written to the
audit log in the same transaction (45 CFR 164.312(b); the pattern of events/access.py). Any person who
works cases may open any case (owners cover for each other, and a reassigned case must stay
reachable); the inbox shows each person their own first.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import Http404, HttpRequest

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_CONTACTS, CAN_WORK_CASES
from careloop.events.contacts import get_contact_or_404
from careloop.events.models import PatientContact
from careloop.recovery.models import Case, EvidenceKind

# The audit log's names for the identified evidence a case page shows (accounts/audit.py).
EVIDENCE_FIELDS: dict[str, str] = {
    EvidenceKind.VISIT: "visit",
    EvidenceKind.REFERRAL: "referral",
    EvidenceKind.BILLING_INQUIRY: "billing_inquiry",
}


def get_case_or_404(user: User, case_id: str | uuid.UUID, request: HttpRequest | None = None, *, audited: bool = True) -> Case:
    if not user.can(CAN_WORK_CASES):
        raise Http404
    with transaction.atomic():
        case = Case.objects.select_related("touchpoint", "owner").filter(external_id=case_id).first()
        if case is None:
            raise Http404
        if audited and case.patient_ref:
            kinds = set(case.evidence.values_list("kind", flat=True))
            fields = ["patient_ref", *(EVIDENCE_FIELDS[k] for k in kinds if k in EVIDENCE_FIELDS)]
            audit.record(user, "read", "case", str(case.external_id), patient_ref=case.patient_ref, fields=fields, request=request)
    return case


def contact_card_or_none(user: User, case: Case, request: HttpRequest | None = None) -> PatientContact | None:
    """The patient's contact details on the case page, for roles that may see them (audited by the
    contact store); None for an incident, a role without the right, or a patient with no details."""
    if case.is_incident or not case.patient_ref or not user.can(CAN_VIEW_CONTACTS):
        return None
    try:
        return get_contact_or_404(user, case.patient_ref, purpose="recovery-case", request=request)
    except Http404:
        return None

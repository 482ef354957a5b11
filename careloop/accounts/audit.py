"""The audit log of reads of patient-identifying data. Call record() in the same transaction as the read
(inside `transaction.atomic()`), so a read whose entry cannot be written is not served."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from careloop.accounts.models import AuditEntry, User

# Only these field names may be written to an entry: the log says *which* fields were seen,
# never their values, so patient data cannot leak into it.
AUDITABLE_FIELDS = frozenset(
    {
        "patient_ref",
        "visit",
        "call",
        "referral",
        "message",
        "billing_inquiry",
        "name",
        "email",
        "phone",
        "language",
        "consent",
        "timeline",
    }
)


def record(
    user: User | None,
    action: str,
    record_kind: str,
    record_id: str,
    *,
    patient_ref: str = "",
    fields: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> AuditEntry:
    if action not in AuditEntry.Action.values:
        raise ValueError(f"audit action must be one of {AuditEntry.Action.values}, not {action!r}")
    field_list = sorted(set(fields))
    unknown = [f for f in field_list if f not in AUDITABLE_FIELDS]
    if unknown:
        raise ValueError(f"audit fields not in the allowlist: {unknown}")
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        record_kind=record_kind,
        record_id=str(record_id),
        patient_ref=patient_ref,
        fields=field_list,
        path=request.path[:300] if request is not None else "",
        ip_address=_client_ip(request),
    )


def _client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a proxy strips it,
    # so trusting it would let anyone choose the address in the log (docs/security.md).
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
